/**
 * A build request as the page sends it: `api/builds/<provider>/<encoded spec>`, the path
 * `buildPath` (contract/providers/build-path.ts) writes, read from the RAW request URL so `%2F`
 * survives. It is decoded with the page's own `decodeBuildPath`, which accepts only specs the
 * page could have built, then checked once more for what any spec pasted into BinderHub's URL
 * must satisfy.
 *
 * The spec stays RAW: exactly the characters that follow `build/<provider>/` in BinderHub's URL,
 * e.g. `binder-examples/octave/HEAD` or `group%2Fproject/main`. BinderHub itself re-reads the raw
 * path (`get_spec_from_request`, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/base.py#L160-L167,
 * because tornado would turn `%2F` into `/`), so
 * the companion forwards those characters unchanged and never decodes or re-encodes them.
 */
import type { Provider } from "../../../contract/build.ts";
import type { BuildSource } from "../../../contract/providers/catalog.ts";
import { decodeBuildPath } from "../../../contract/providers/build-path.ts";
import { binderRepoUrl } from "./binderhub-naming.ts";

export interface BuildRequest {
  provider: Provider;
  /** The raw spec forwarded to BinderHub. */
  spec: string;
  /** BinderHub's `binder-repo` for it (binderhub-naming.ts). */
  repoUrl: string;
  /** The ref part of the spec, for providers whose spec ends in one. */
  ref: string | undefined;
  /**
   * The repository and ref the spec stands for (contract `parseSpec`): the page's own source, in
   * its canonical form, from which the project id is derived as the page derives it.
   */
  source: BuildSource;
}

export type BuildRequestCheck = ({ ok: true } & BuildRequest) | { ok: false; message: string };

const MAX_SPEC_LENGTH = 1024;

/**
 * What any spec must satisfy before it is pasted into BinderHub's URL, whoever validated its
 * shape: bounded, only URL-path-safe characters, valid escapes, no empty, `.` or `..` segments
 * (which a URL parser would collapse into another path).
 */
function specSafetyProblem(spec: string): string | undefined {
  if (spec.length === 0) return "it is empty";
  if (spec.length > MAX_SPEC_LENGTH) return `it is longer than ${MAX_SPEC_LENGTH} characters`;
  if (!/^[A-Za-z0-9._~%!$&'()*+,;=:@/-]+$/.test(spec))
    return "it has characters that cannot go into a URL path unescaped";
  if (/%(?![0-9A-Fa-f]{2})/.test(spec)) return "it has a malformed %-escape";
  if (spec.split("/").some((segment) => segment === "" || segment === "." || segment === ".."))
    return "it has an empty, '.' or '..' path segment";
  return undefined;
}

/** The ref part of a spec, for providers whose spec ends in one. */
function specRef(provider: Provider, spec: string): string | undefined {
  const parts = spec.split("/");
  if (provider === "gh") return parts.slice(2).join("/") || undefined;
  if (provider === "gl" || provider === "git") return parts.slice(1).join("/") || undefined;
  return undefined;
}

/** Reads and checks `<provider>/<encoded spec>` (the path after `api/builds/`). */
export function parseBuildPath(rawPath: string, allowed: readonly Provider[]): BuildRequestCheck {
  const provider = rawPath.split("/", 1)[0] ?? "";
  if (!(allowed as readonly string[]).includes(provider)) {
    return {
      ok: false,
      message: `Building from "${provider}" is not enabled on this hub (allowed: ${allowed.join(", ") || "none"}).`,
    };
  }
  const decoded = decodeBuildPath(rawPath);
  if (!decoded)
    return { ok: false, message: `Invalid ${provider} repository or ref in the build request.` };
  const problem = specSafetyProblem(decoded.spec);
  if (problem !== undefined)
    return { ok: false, message: `Invalid ${decoded.provider} repository spec: ${problem}.` };
  return {
    ok: true,
    provider: decoded.provider,
    spec: decoded.spec,
    repoUrl: binderRepoUrl(decoded.provider, decoded.spec),
    ref: specRef(decoded.provider, decoded.spec),
    source: decoded.source,
  };
}
