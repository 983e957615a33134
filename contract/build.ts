/**
 * Build events as the companion relays them to the page, after normalising BinderHub's stream:
 * phases lower-cased (as BinderHub's own client does,
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/js/packages/binderhub-client/lib/client.js#L183-L186),
 * the old `failure` folded into `failed` (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L601), lines without a
 * phase kept as log lines (repo2docker's, e.g. line 2 of the client's
 * tests/fixtures/fullbuild.eventsource), and the companion's own `lost` for a silent upstream.
 */
import * as z from "zod/mini";

export const BUILD_PHASES = [
  "waiting",
  "fetching",
  "building",
  "pushing",
  "built",
  "launching",
  "ready",
  "failed",
  "unknown",
] as const;

export const BuildPhaseSchema = z.enum(BUILD_PHASES);
export type BuildPhase = z.infer<typeof BuildPhaseSchema>;

export const BuildEventSchema = z.object({
  /** Absent on repo2docker log lines that carry only a message. */
  phase: z.optional(BuildPhaseSchema),
  /** Raw log text; usually ends in "\n" but not always — never add newlines. */
  message: z.optional(z.string()),
  /** On `ready` in build-only mode: the image to start. */
  imageName: z.optional(z.string()),
  /** On handler-level failures (BinderHub answers HTTP 200 with these). */
  status_code: z.optional(z.number()),
  /** Seconds to wait before retrying, when the companion refuses for a limit. */
  retry_after: z.optional(z.number()),
  /**
   * The companion's own, on the last event of a stream it ends while the build goes on (it is
   * restarting): reconnect at once; the build is still running. Carries no phase, so a page that
   * does not know it shows the message and reconnects after the stream ends.
   */
  reconnect: z.optional(z.boolean()),
});
export type BuildEvent = z.infer<typeof BuildEventSchema>;

/** Repository providers BinderHub knows (`repo_providers`, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/app.py#L618-L629). */
export const PROVIDERS = [
  "gh",
  "gl",
  "git",
  "gist",
  "zenodo",
  "figshare",
  "dataverse",
  "hydroshare",
  "ckan",
] as const;
export const ProviderSchema = z.enum(PROVIDERS);
export type Provider = z.infer<typeof ProviderSchema>;

/**
 * `DELETE api/builds/<provider>/<spec>` (path encoded by `buildPath` in contract/providers/build-path.ts:
 * each `/`-segment of BinderHub's spec through `encodeURIComponent`): what the companion did.
 * `streams_cancelled`: this user's open streams of the build, on any replica, told to stop.
 * `pods_deleted`: BinderHub build pods deleted (closing a stream alone does not stop a build).
 * `pod_kept_reason`: set when the pod was left running, e.g. another stream still watches it.
 */
export const BuildCancelResultSchema = z.object({
  streams_cancelled: z.number(),
  pods_deleted: z.array(z.string()),
  pod_kept_reason: z.optional(z.string()),
});
export type BuildCancelResult = z.infer<typeof BuildCancelResultSchema>;

/**
 * The most of one log message the companion relays, in UTF-16 code units. repo2docker writes a
 * line per message, so this is a line of the build log; a longer one (a build printing megabytes
 * without a line break) is cut and ends in `omissionMarker`.
 */
export const MAX_LOG_MESSAGE_LENGTH = 64 * 1024;

function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** What ends a cut log line, e.g. "… 9.6 MB of this line not shown\n". */
export function omissionMarker(omittedBytes: number): string {
  return `… ${formatBytes(omittedBytes)} of this line not shown\n`;
}

/**
 * `GET api/builds`: the user's builds that are still running (on any replica), newest first, so a
 * page opened after a reload, or in a second tab, re-attaches to them (`GET api/builds/<path>` of
 * one is a re-attach: it never counts as a new build).
 */
export const RunningBuildSchema = z.object({
  provider: ProviderSchema,
  /** BinderHub's spec, as in `buildPath(provider, spec)`. */
  spec: z.string(),
  /** ISO 8601. */
  started_at: z.string(),
});
export type RunningBuild = z.infer<typeof RunningBuildSchema>;

export const RunningBuildsSchema = z.object({ builds: z.array(RunningBuildSchema) });
export type RunningBuilds = z.infer<typeof RunningBuildsSchema>;
