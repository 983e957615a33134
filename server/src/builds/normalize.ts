/**
 * Turns one BinderHub `data:` payload into the contract's BuildEvent (contract/build.ts).
 * Quirks handled, all from reference/binderhub.md §A.3:
 * - `phase` may be missing (repo2docker lines carrying only `message`): kept as a log line;
 * - `phase` may be capitalised (FakeBuild emits `Pending`, `Running`, `Succeed`, `Building`; the
 *   JS client lower-cases it too, "FIXME: fix case of phase/state upstream" in client.js);
 * - old repo2docker says `failure` for `failed`;
 * - phases we do not know (`pending`, `running`, `succeed`…) become `unknown`, message kept;
 * - handler errors arrive with HTTP 200 as `{"phase":"failed","status_code":N,"message":…}`
 *   (builder.py overrides `send_error`): they get a message a person can act on;
 * - a `failed` from a build-pod state change may have no message at all (`{"phase": phase}`);
 * - in launch mode `ready` names the image `image`, in build-only mode `imageName`.
 * It never throws: anything that is not a JSON object is an `unknown` log line.
 */
import { BUILD_PHASES, type BuildEvent, type BuildPhase } from "../../../contract/build.ts";

const KNOWN_PHASES: ReadonlySet<string> = new Set(BUILD_PHASES);

/** BinderHub's 429 text: "Rate limit exceeded. Try again in 3600 seconds.\n" (ratelimit.py). */
const RETRY_IN = /try again in (\d+) seconds?/i;

export function normalizePhase(raw: string): BuildPhase {
  const lower = raw.toLowerCase();
  if (lower === "failure") return "failed";
  return KNOWN_PHASES.has(lower) ? (lower as BuildPhase) : "unknown";
}

export function normalizeBuildEvent(data: string): BuildEvent {
  return normalizeBuildPayload(data).event;
}

export interface NormalizedPayload {
  event: BuildEvent;
  /**
   * `data` itself when it already is exactly `event` as JSON on one line (the common case: a
   * lower-case phase and a message), so the relay forwards it without serialising it again.
   */
  json: string | undefined;
}

export function normalizeBuildPayload(data: string): NormalizedPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return { event: { phase: "unknown", message: data }, json: undefined };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { event: { phase: "unknown", message: data }, json: undefined };
  }
  const raw = parsed as Record<string, unknown>;
  const event = normalizeObject(raw);
  // A multi-line `data:` field would break the frame if forwarded as one line.
  const verbatim = !data.includes("\n") && sameFields(raw, event);
  return { event, json: verbatim ? data : undefined };
}

/** Whether `raw` has exactly the fields of `event`, with the same values. */
function sameFields(raw: Record<string, unknown>, event: BuildEvent): boolean {
  const normal = event as Record<string, unknown>;
  let rawCount = 0;
  for (const key in raw) {
    rawCount++;
    if (raw[key] !== normal[key]) return false;
  }
  let count = 0;
  for (const key in normal) if (normal[key] !== undefined) count++;
  return rawCount === count;
}

function normalizeObject(raw: Record<string, unknown>): BuildEvent {
  const event: BuildEvent = {};
  if (typeof raw.phase === "string") event.phase = normalizePhase(raw.phase);
  if (typeof raw.message === "string") event.message = raw.message;
  if (typeof raw.imageName === "string") event.imageName = raw.imageName;
  else if (event.phase === "ready" && typeof raw.image === "string") event.imageName = raw.image;
  if (event.phase === "failed") {
    if (typeof raw.status_code === "number" && Number.isInteger(raw.status_code)) {
      return rejection(raw.status_code, event.message);
    }
    if (event.message === undefined || event.message === "") {
      event.message =
        "The build failed and BinderHub gave no reason (the build pod may have been evicted or deleted).\n";
    }
  }
  return event;
}

/** A `failed` event for one of BinderHub's HTTP-200 rejections, upstream text kept verbatim. */
export function rejection(statusCode: number, upstream: string | undefined): BuildEvent {
  const event: BuildEvent = { phase: "failed", status_code: statusCode };
  let human: string;
  switch (statusCode) {
    case 400:
      human =
        "BinderHub refused the build request as invalid (build-only builds need BinderHub's enable_api_only_mode).";
      break;
    case 403:
      human =
        "BinderHub refused the companion's token (check access:services!service=binder), or this repository is not allowed.";
      break;
    case 429: {
      const seconds = upstream === undefined ? undefined : RETRY_IN.exec(upstream)?.[1];
      if (seconds !== undefined) event.retry_after = Number(seconds);
      human =
        seconds === undefined
          ? "BinderHub is rate-limiting the companion; try again later."
          : `BinderHub is rate-limiting the companion; try again in ${seconds} seconds.`;
      break;
    }
    case 500:
      human = "BinderHub hit an internal error.";
      break;
    default:
      human = `BinderHub refused the build (status ${statusCode}).`;
  }
  event.message =
    upstream === undefined || upstream === ""
      ? `${human}\n`
      : `${human}\nBinderHub said: ${upstream}`;
  return event;
}

/** A failure the companion itself reports (upstream unreachable, silent, closed too early…). */
export function companionFailure(message: string): BuildEvent {
  return { phase: "failed", message: message.endsWith("\n") ? message : `${message}\n` };
}
