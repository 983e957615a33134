/**
 * Cancels a build: `DELETE {serviceUrl}api/builds/<provider>/<spec>`. Closing the stream alone
 * would leave BinderHub's build pod running (`stop()` only stops watching,
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/build.py#L215-L222); the companion deletes it.
 */
import { CSRF_HEADER } from "../../../../../contract/api.ts";
import { BuildCancelResultSchema, type BuildCancelResult } from "../../../../../contract/build.ts";
import type { Provider } from "../../../../../contract/providers/catalog.ts";
import { buildStreamUrl } from "./build-stream.ts";

export class CancelBuildError extends Error {
  override readonly name = "CancelBuildError";
}

export interface CancelBuildRequest {
  serviceUrl: string;
  csrfToken: string;
  provider: Provider;
  spec: string;
  fetch?: typeof fetch;
}

/** What the companion did, for people: the stream stopped, and the build pod deleted or why not. */
export function describeCancel(result: BuildCancelResult | null): string {
  if (result === null) return "The build had already ended.";
  if (result.pods_deleted.length > 0) return "Its build pod was deleted: nothing is left running.";
  return `Its build pod was not deleted: ${result.pod_kept_reason ?? "no reason given"}`;
}

/** The companion's answer; null when the build was already gone (404). */
export async function cancelBuild({
  serviceUrl,
  csrfToken,
  provider,
  spec,
  fetch: fetchFn = fetch,
}: CancelBuildRequest): Promise<BuildCancelResult | null> {
  let response: Response;
  try {
    response = await fetchFn(buildStreamUrl(serviceUrl, provider, spec), {
      method: "DELETE",
      credentials: "same-origin",
      // A write never goes through the HTTP cache: Chromium's cache layer re-sent this DELETE when
      // the build's stream (the same URL) held the cache entry (sse-writer.ts), and a companion of
      // an earlier release still streams with no-cache.
      cache: "no-store",
      headers: { [CSRF_HEADER]: csrfToken, accept: "application/json" },
    });
  } catch (error) {
    throw new CancelBuildError(`The Launchpad service is unreachable (${String(error)}).`);
  }
  // 404: the build is already gone, which is what cancelling wants.
  if (response.status === 404) return null;
  if (response.ok) {
    const parsed = BuildCancelResultSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success)
      throw new CancelBuildError(
        "The Launchpad service sent an answer this page does not understand.",
      );
    return parsed.data;
  }
  const payload = (await response.json().catch(() => undefined)) as
    { message?: unknown } | undefined;
  const message =
    typeof payload?.message === "string" ? payload.message : `HTTP ${response.status}`;
  throw new CancelBuildError(`The build could not be stopped: ${message}`);
}
