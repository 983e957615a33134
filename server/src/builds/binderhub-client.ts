/**
 * Reads one BinderHub build-only stream (BuildHandler, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L143-L628):
 * `GET {binderhubUrl}build/<provider>/<spec>?build_only=true` with `Accept: text/event-stream`
 * and `Authorization: token <companion token>` (a service token with
 * `access:services!service=binder`, which also exempts the companion from BinderHub's per-IP rate
 * limit: https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/base.py#L100-L125).
 *
 * Guarantees to the caller, whatever BinderHub does: the items end with exactly one terminal event
 * (`ready` or `failed`) unless the caller aborted; an unreachable BinderHub, a non-200, a non-SSE
 * answer, a stream that ends early or a silent one (no byte, not even `:keepalive`, for
 * `idleTimeoutMs`) each produce one clear `failed`; the upstream request is always closed at the
 * end, because BinderHub only ends build-only streams itself after `ready`/`failed`.
 */
import { MAX_LOG_MESSAGE_LENGTH, type BuildEvent } from "../../../contract/build.ts";
import { SseReader } from "../../../contract/sse.ts";
import { companionFailure, normalizeBuildPayload } from "./normalize.ts";

export interface BinderHubClientConfig {
  /** BinderHub's base URL, e.g. http://binderhub:8585/ or http://hub/services/binder/. */
  url: string;
  /** The companion's JupyterHub API token for BinderHub. */
  token: string;
  /** No byte for this long ⇒ "lost contact"; BinderHub sends `:keepalive` every 25 s. Default 90 s. */
  idleTimeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** `json`: the event's exact JSON when BinderHub sent it in normal form (relayed as it came). */
export type UpstreamItem =
  { kind: "event"; event: BuildEvent; json?: string | undefined } | { kind: "keepalive" };

const DEFAULT_IDLE_TIMEOUT_MS = 90_000;
/**
 * The most of one BinderHub event kept: a log message at its limit plus room for its JSON escapes
 * and the other fields. Anything longer is cut by the reader and marked by normalize.ts.
 */
const MAX_UPSTREAM_EVENT_LENGTH = MAX_LOG_MESSAGE_LENGTH + 16 * 1024;

export function buildUrl(
  config: Pick<BinderHubClientConfig, "url">,
  provider: string,
  spec: string,
): string {
  const base = config.url.endsWith("/") ? config.url : `${config.url}/`;
  // The spec goes through raw: BinderHub re-reads the undecoded path (get_spec_from_request,
  // https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/base.py#L160-L167).
  return `${base}build/${provider}/${spec}?build_only=true`;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? (error as Error | undefined)?.message ?? String(error);
}

/**
 * Streams the build's items. Stop early by aborting `signal` (the browser left) or by leaving the
 * loop; either closes the upstream request.
 */
export async function* streamBuild(
  config: BinderHubClientConfig,
  provider: string,
  spec: string,
  signal?: AbortSignal,
): AsyncGenerator<UpstreamItem, void, undefined> {
  const idleMs = config.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const fetchFn = config.fetch ?? globalThis.fetch;
  const upstream = new AbortController();
  let silent = false;
  // While the caller holds an item (e.g. the browser's socket is slow) we read nothing; that is
  // not BinderHub's silence, so the watchdog waits.
  let callerBusy = false;
  const onCallerAbort = () => upstream.abort(signal?.reason);
  if (signal?.aborted) return;
  signal?.addEventListener("abort", onCallerAbort, { once: true });
  const watchdog = setTimeout(() => {
    if (callerBusy) {
      watchdog.refresh();
      return;
    }
    silent = true;
    upstream.abort(new Error("idle timeout"));
  }, idleMs);
  const lostContact = () =>
    companionFailure(
      `Lost contact with BinderHub: nothing received for ${Math.round(idleMs / 1000)} seconds.`,
    );
  const url = buildUrl(config, provider, spec);

  try {
    let response: Response;
    try {
      response = await fetchFn(url, {
        headers: { accept: "text/event-stream", authorization: `token ${config.token}` },
        signal: upstream.signal,
        redirect: "manual",
      });
    } catch (error) {
      if (signal?.aborted) return;
      yield {
        kind: "event",
        event: silent
          ? lostContact()
          : companionFailure(`Could not reach BinderHub (${describeFetchError(error)}).`),
      };
      return;
    }
    watchdog.refresh();
    const contentType = response.headers.get("content-type") ?? "";
    if (response.status !== 200 || !contentType.startsWith("text/event-stream") || !response.body) {
      await response.body?.cancel().catch(() => {});
      const why =
        response.status !== 200
          ? `BinderHub answered HTTP ${response.status}${response.status === 404 ? " (is the BinderHub URL right, and API-only mode on?)" : ""}.`
          : `BinderHub did not answer with an event stream (content-type ${contentType || "missing"}).`;
      yield { kind: "event", event: companionFailure(why) };
      return;
    }

    const reader = new SseReader({ maxEventLength: MAX_UPSTREAM_EVENT_LENGTH });
    const decoder = new TextDecoder();
    const body = response.body.getReader();
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await body.read();
        } catch (error) {
          if (signal?.aborted) return;
          yield {
            kind: "event",
            event: silent
              ? lostContact()
              : companionFailure(
                  `The connection to BinderHub broke (${describeFetchError(error)}).`,
                ),
          };
          return;
        }
        if (chunk.done) break;
        watchdog.refresh();
        callerBusy = false;
        for (const item of reader.feed(decoder.decode(chunk.value, { stream: true }))) {
          callerBusy = true;
          if (item.type === "comment") {
            yield { kind: "keepalive" };
            callerBusy = false;
            continue;
          }
          const { event, json } = normalizeBuildPayload(item.data, item.omitted);
          yield { kind: "event", event, json };
          callerBusy = false;
          if (event.phase === "ready" || event.phase === "failed") return;
        }
      }
      if (signal?.aborted) return;
      yield {
        kind: "event",
        event: companionFailure("BinderHub closed the stream before the build finished."),
      };
    } finally {
      body.cancel().catch(() => {});
    }
  } finally {
    clearTimeout(watchdog);
    signal?.removeEventListener("abort", onCallerAbort);
    upstream.abort();
  }
}
