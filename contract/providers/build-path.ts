/**
 * The path of a build under the companion's `api/builds/`, written by the page and read back by
 * the companion (server/src/builds/build-request.ts).
 */
import { ProviderSchema, type BuildSource, type Provider } from "./catalog.ts";
import { parseSpec } from "./spec.ts";
import { safeDecode, splitOnce } from "./syntax.ts";

/**
 * The path of a build under the companion's `api/builds/`: `<provider>/<spec>`, with each
 * `/`-separated segment of the spec passed through `encodeURIComponent` and re-joined with `/`.
 * So a `%2F` inside a gl/git/ckan spec travels as `%252F`, and a gh ref `feature/x` stays two
 * segments. The companion reverses it with `decodeBuildPath` (decode each segment, join with `/`),
 * which also refuses any other encoding of the same spec.
 */
export function buildPath(provider: Provider, spec: string): string {
  return `${provider}/${spec.split("/").map(encodeURIComponent).join("/")}`;
}

/** The provider and spec of a path made by `buildPath`, or null when it is not exactly one. */
export function decodeBuildPath(
  path: string,
): { provider: Provider; spec: string; source: BuildSource } | null {
  const split = splitOnce(path, "/");
  if (!split) return null;
  const provider = ProviderSchema.safeParse(split[0]);
  if (!provider.success) return null;
  const segments: string[] = [];
  for (const segment of split[1].split("/")) {
    const decoded = safeDecode(segment);
    if (decoded === null) return null;
    segments.push(decoded);
  }
  const spec = segments.join("/");
  if (buildPath(provider.data, spec) !== path) return null;
  const source = parseSpec(provider.data, spec);
  return source ? { provider: provider.data, spec, source } : null;
}
