/**
 * Turns one BinderHub `data:` payload into the contract's BuildEvent (contract/build.ts).
 * Quirks handled, all from BinderHub's BuildHandler (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L143-L628)
 * and its JS client (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/js/packages/binderhub-client/lib/client.js#L183-L186):
 * - `phase` may be missing (repo2docker lines carrying only `message`): kept as a log line;
 * - `phase` may be capitalised (FakeBuild emits `Pending`, `Running`, `Succeed`, `Building`; the
 *   JS client lower-cases it too, "FIXME: fix case of phase/state upstream" in client.js);
 * - old repo2docker says `failure` for `failed`;
 * - phases we do not know (`pending`, `running`, `succeed`…) become `unknown`, message kept;
 * - handler errors arrive with HTTP 200 as `{"phase":"failed","status_code":N,"message":…}`
 *   (`send_error`, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L196-L214): they get a message a person can act
 *   on;
 * - a `failed` from a build-pod state change may have no message at all (`{"phase": phase}`,
 *   https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L588-L591);
 * - in launch mode `ready` names the image `image`, in build-only mode `imageName`.
 * It never throws: anything that is not a JSON object is an `unknown` log line. A message longer
 * than MAX_LOG_MESSAGE_LENGTH, or an event the SSE reader cut (`omitted`), keeps its first part and
 * ends in a marker saying how much is not shown: never dropped without a word.
 */
import {
  BUILD_PHASES,
  MAX_LOG_MESSAGE_LENGTH,
  omissionMarker,
  type BuildEvent,
  type BuildPhase,
} from "../../../contract/build.ts";
import { utf8Length } from "../../../contract/sse.ts";

const KNOWN_PHASES: ReadonlySet<string> = new Set(BUILD_PHASES);

/**
 * BinderHub's 429 text: "Rate limit exceeded. Try again in 3600 seconds.\n"
 * (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/base.py#L120-L124).
 */
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

/**
 * `omitted`: UTF-8 bytes of the event the SSE reader did not keep (contract/sse.ts); `data` is
 * then the start of BinderHub's JSON, whose fields are read as far as they go.
 */
export function normalizeBuildPayload(data: string, omitted = 0): NormalizedPayload {
  if (omitted > 0) return { event: cutEvent(data, omitted), json: undefined };
  const normal = parsePayload(data);
  const message = normal.event.message;
  if (message === undefined || message.length <= MAX_LOG_MESSAGE_LENGTH) return normal;
  return {
    event: { ...normal.event, message: cutMessage(message, MAX_LOG_MESSAGE_LENGTH, 0) },
    json: undefined,
  };
}

function cutMessage(message: string, keep: number, alreadyOmitted: number): string {
  let end = Math.min(keep, message.length);
  const last = message.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return message.slice(0, end) + omissionMarker(alreadyOmitted + utf8Length(message, end));
}

/**
 * BinderHub's event cut short: `{"phase": "building", "message": "<megabytes of one line…` (its
 * `emit()` writes one `json.dumps` per event,
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L150-L158).
 */
function cutEvent(prefix: string, omitted: number): BuildEvent {
  const phase = /"phase"\s*:\s*"([^"\\]*)"/.exec(prefix)?.[1];
  const messageStart = /"message"\s*:\s*"/.exec(prefix);
  const text =
    messageStart === null
      ? ""
      : readJsonStringPrefix(prefix, messageStart.index + messageStart[0].length);
  const event: BuildEvent = { phase: phase === undefined ? "unknown" : normalizePhase(phase) };
  // A terminal phase from a cut event would end the build on a guess: keep it a log line.
  if (event.phase === "ready" || event.phase === "failed") event.phase = "unknown";
  event.message = cutMessage(text, MAX_LOG_MESSAGE_LENGTH, omitted);
  return event;
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** The JSON string starting at `from` (after its quote), up to its end or the end of `text`. */
function readJsonStringPrefix(text: string, from: number): string {
  let out = "";
  let i = from;
  let quote = text.indexOf('"', i);
  for (;;) {
    // Each scan starts where the last one ended, so many escapes cost one pass, not one each.
    if (quote !== -1 && quote < i) quote = text.indexOf('"', i);
    const backslash = text.indexOf("\\", i);
    const end = quote === -1 ? text.length : quote;
    if (backslash === -1 || backslash > end) return out + text.slice(i, end);
    out += text.slice(i, backslash);
    const kind = text[backslash + 1];
    if (kind === undefined) return out;
    if (kind === "u") {
      const hex = text.slice(backslash + 2, backslash + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) return out;
      out += String.fromCharCode(parseInt(hex, 16));
      i = backslash + 6;
    } else {
      out += ESCAPES[kind] ?? kind;
      i = backslash + 2;
    }
  }
}

function parsePayload(data: string): NormalizedPayload {
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
