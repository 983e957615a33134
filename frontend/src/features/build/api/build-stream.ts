/**
 * The companion's build stream, `GET {serviceUrl}api/builds/<provider>/<spec>`, read as typed
 * events. The companion relays BinderHub's `text/event-stream` (BuildHandler,
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L143-L235): `data:` lines of BuildEvent JSON,
 * `:keepalive` comments, closed after `ready` or `failed`.
 * Refusals before the stream starts (limits, a bad spec, no session) are JSON with an HTTP status.
 */
import { ApiErrorSchema } from "../../../../../contract/api.ts";
import {
  BuildEventSchema,
  BuildPhaseSchema,
  omissionMarker,
  type BuildEvent,
} from "../../../../../contract/build.ts";
import type { Provider } from "../../../../../contract/providers/catalog.ts";
import { buildPath } from "../../../../../contract/providers/build-path.ts";
import { SseReader, utf8Length } from "../../../../../contract/sse.ts";

export type BuildStreamItem = { type: "event"; event: BuildEvent } | { type: "keepalive" };

export type BuildRequestErrorKind =
  "rate-limited" | "invalid-spec" | "session" | "http" | "not-a-stream";

/** The companion refused the build before any event: nothing to reconnect to. */
export class BuildRequestError extends Error {
  override readonly name = "BuildRequestError";
  readonly kind: BuildRequestErrorKind;
  readonly status: number;
  /** Seconds until a new build may start (429). */
  readonly retryAfter: number | undefined;
  /** Where to get a session (401). */
  readonly loginUrl: string | undefined;
  constructor(
    kind: BuildRequestErrorKind,
    status: number,
    message: string,
    extra: { retryAfter?: number; loginUrl?: string } = {},
  ) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.retryAfter = extra.retryAfter;
    this.loginUrl = extra.loginUrl;
  }
}

/**
 * `forUser`: whose project the image is for, when it is not the signed-in user's (an admin
 * spawning for someone else): the companion then applies that user's project limit.
 */
export function buildStreamUrl(
  serviceUrl: string,
  provider: Provider,
  spec: string,
  forUser?: string,
): string {
  const url = `${serviceUrl}api/builds/${buildPath(provider, spec)}`;
  return forUser === undefined ? url : `${url}?user=${encodeURIComponent(forUser)}`;
}

/**
 * One data item as an event. Anything the contract does not describe is kept as a log line with
 * phase `unknown` — a build log must never crash the page. An event the reader cut (`omitted`
 * bytes; the companion cuts long lines itself, far below the reader's cap) is said, not shown.
 */
export function toBuildEvent(data: string, omitted = 0): BuildEvent {
  if (omitted > 0) return { phase: "unknown", message: omissionMarker(utf8Length(data) + omitted) };
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return { phase: "unknown", message: `${data}\n` };
  }
  if (raw !== null && typeof raw === "object" && "phase" in raw && typeof raw.phase === "string") {
    // The companion normalises phases already; stay lenient towards a raw BinderHub casing.
    const phase = raw.phase.toLowerCase();
    raw = { ...raw, phase: phase === "failure" ? "failed" : phase };
  }
  const parsed = BuildEventSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const message =
    raw !== null && typeof raw === "object" && "message" in raw && typeof raw.message === "string"
      ? raw.message
      : `${data}\n`;
  const phase =
    raw !== null && typeof raw === "object" && "phase" in raw
      ? BuildPhaseSchema.safeParse(raw.phase)
      : null;
  return { phase: phase?.success ? phase.data : "unknown", message };
}

async function refusal(response: Response): Promise<BuildRequestError> {
  const payload: unknown = await response.json().catch(() => undefined);
  const parsed = ApiErrorSchema.safeParse(payload);
  const message = parsed.success
    ? parsed.data.message
    : `The Launchpad service answered HTTP ${response.status}.`;
  const retryHeader = Number(response.headers.get("retry-after"));
  const retryAfter =
    parsed.success && parsed.data.retry_after !== undefined
      ? parsed.data.retry_after
      : Number.isFinite(retryHeader) && retryHeader > 0
        ? retryHeader
        : undefined;
  const loginUrl = parsed.success ? parsed.data.login_url : undefined;
  switch (response.status) {
    case 429:
      return new BuildRequestError(
        "rate-limited",
        429,
        message,
        retryAfter === undefined ? {} : { retryAfter },
      );
    case 400:
    case 404:
      return new BuildRequestError("invalid-spec", response.status, message);
    case 401:
    case 403:
      return new BuildRequestError(
        "session",
        response.status,
        message,
        loginUrl === undefined ? {} : { loginUrl },
      );
    default:
      return new BuildRequestError("http", response.status, message);
  }
}

export interface ReadBuildStreamOptions {
  signal: AbortSignal;
  fetch?: typeof fetch;
  /**
   * No byte for this long means the connection is lost, even if it never says so (a proxy in front
   * of a killed companion can keep the socket open for minutes). The companion writes at least
   * every 15 s (its heartbeat), so the default is 45 s.
   */
  silenceMs?: number;
}

/** The stream went silent past its deadline: treat it as a dropped connection. */
export class StreamSilentError extends Error {
  override readonly name = "StreamSilentError";
}

/**
 * Yields the stream's events and keep-alives until the server closes it. Throws
 * `BuildRequestError` for a refusal, `StreamSilentError` past the silence deadline, and lets
 * network errors and aborts through as they are: the caller decides whether a drop means
 * "reconnect".
 */
export async function* readBuildStream(
  url: string,
  { signal, fetch: fetchFn = fetch, silenceMs = 45_000 }: ReadBuildStreamOptions,
): AsyncGenerator<BuildStreamItem, void, undefined> {
  const connection = new AbortController();
  const stop = () => connection.abort(signal.reason);
  if (signal.aborted) stop();
  signal.addEventListener("abort", stop, { once: true });
  let heard = performance.now();
  const watchdog = setInterval(
    () => {
      if (performance.now() - heard >= silenceMs)
        connection.abort(new StreamSilentError(`No word from the build for ${silenceMs} ms.`));
    },
    Math.max(1, silenceMs / 3),
  );
  const silent = () => connection.signal.reason instanceof StreamSilentError;
  try {
    let response: Response;
    try {
      response = await fetchFn(url, {
        signal: connection.signal,
        credentials: "same-origin",
        headers: { Accept: "text/event-stream" },
      });
    } catch (error) {
      throw silent() ? (connection.signal.reason as StreamSilentError) : error;
    }
    if (!response.ok) throw await refusal(response);
    const type = response.headers.get("content-type") ?? "";
    if (!type.startsWith("text/event-stream") || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      throw new BuildRequestError(
        "not-a-stream",
        response.status,
        "The Launchpad service did not answer with a build stream.",
      );
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const sse = new SseReader();
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          throw silent() ? (connection.signal.reason as StreamSilentError) : error;
        }
        if (chunk.done) return;
        heard = performance.now();
        for (const item of sse.feed(decoder.decode(chunk.value, { stream: true }))) {
          yield item.type === "data"
            ? { type: "event", event: toBuildEvent(item.data, item.omitted) }
            : { type: "keepalive" };
        }
      }
    } finally {
      // Runs when the consumer stops early too (break/return), so the connection closes.
      await reader.cancel().catch(() => undefined);
    }
  } finally {
    clearInterval(watchdog);
    signal.removeEventListener("abort", stop);
  }
}
