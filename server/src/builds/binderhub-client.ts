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
 *
 * The request goes out through `node:http(s)`, not `fetch`: a stream open for a whole build holds
 * what its client allocates for that long, and fetch's Request, Response, web stream and abort
 * signals cost 20 KiB of heap per open stream where `node:http` costs 8 (measured with 1,000 open
 * streams); its reads were also a tenth of the relay's CPU. A `fetch` in the config (local mode's
 * BinderHub simulator) is read the same way.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

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
  /** Answers instead of the network (local mode's BinderHub simulator). */
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
const KEEPALIVE: UpstreamItem = Object.freeze({ kind: "keepalive" });

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

function describeRequestError(error: unknown): string {
  const failure = error as
    { code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  return (
    failure?.code ??
    failure?.cause?.code ??
    failure?.cause?.message ??
    failure?.message ??
    String(error)
  );
}

/** BinderHub's answer: its status, and its body as text (UTF-8 decoded across chunks). */
interface UpstreamResponse {
  status: number;
  contentType: string;
  body: AsyncIterable<string>;
  /** Lets go of a body that will not be read. */
  discard(): void;
}

/**
 * `url` with `node:http(s)`. No AbortSignal is given to the request (Node adds a listener and a
 * closure per request for one): `abort` destroys it, which rejects the wait for an answer or
 * errors the body's reader.
 */
function requestOverHttp(
  url: string,
  headers: Record<string, string>,
  abort: { current: ((reason: Error) => void) | undefined },
): Promise<UpstreamResponse> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const options = {
    protocol: target.protocol,
    hostname: target.hostname.replace(/^\[|\]$/g, ""),
    port: target.port,
    path: target.pathname + target.search,
    headers,
  };
  return new Promise((resolve, reject) => {
    // node:http follows no redirect: a 3xx is "not 200", as fetch's `redirect: "manual"` was.
    const request = send(options, (response) => {
      response.setEncoding("utf8");
      resolve({
        status: response.statusCode ?? 0,
        contentType: response.headers["content-type"] ?? "",
        body: response,
        discard: () => response.destroy(),
      });
    });
    abort.current = (reason) => request.destroy(reason);
    // Later errors (a reset mid-body) reach the body's reader; this one only ends a connect.
    request.on("error", reject);
    request.end();
  });
}

async function* decode(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
  if (!body) return;
  const decoder = new TextDecoder();
  for await (const chunk of body) yield decoder.decode(chunk, { stream: true });
}

async function requestOverFetch(
  fetchFn: typeof globalThis.fetch,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const response = await fetchFn(url, { headers, signal, redirect: "manual" });
  const body = response.body;
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    body: decode(body),
    discard: () => void body?.cancel().catch(() => {}),
  };
}

/**
 * Streams the build's items, the items of each read from BinderHub together. Stop early by
 * aborting `signal` (the browser left) or by leaving the loop; either closes the upstream request.
 */
export async function* streamBuild(
  config: BinderHubClientConfig,
  provider: string,
  spec: string,
  signal?: AbortSignal,
): AsyncGenerator<readonly UpstreamItem[], void, undefined> {
  const idleMs = config.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  // Ends the upstream request: BinderHub's answer over node:http is destroyed, fetch's aborted.
  const abort: { current: ((reason: Error) => void) | undefined } = { current: undefined };
  const stopUpstream = (reason: Error) => abort.current?.(reason);
  let silent = false;
  // While the caller holds items (e.g. the browser's socket is slow) we read nothing; that is
  // not BinderHub's silence, so the watchdog waits.
  let callerBusy = false;
  const onCallerAbort = () => stopUpstream(new Error("the caller stopped the build stream"));
  if (signal?.aborted) return;
  signal?.addEventListener("abort", onCallerAbort, { once: true });
  const watchdog = setTimeout(() => {
    if (callerBusy) {
      watchdog.refresh();
      return;
    }
    silent = true;
    stopUpstream(new Error("idle timeout"));
  }, idleMs);
  const lostContact = () =>
    companionFailure(
      `Lost contact with BinderHub: nothing received for ${Math.round(idleMs / 1000)} seconds.`,
    );
  const url = buildUrl(config, provider, spec);
  const headers = { accept: "text/event-stream", authorization: `token ${config.token}` };

  try {
    let response: UpstreamResponse;
    try {
      if (config.fetch) {
        const upstream = new AbortController();
        abort.current = (reason) => upstream.abort(reason);
        response = await requestOverFetch(config.fetch, url, headers, upstream.signal);
      } else response = await requestOverHttp(url, headers, abort);
    } catch (error) {
      if (signal?.aborted) return;
      yield [
        {
          kind: "event",
          event: silent
            ? lostContact()
            : companionFailure(`Could not reach BinderHub (${describeRequestError(error)}).`),
        },
      ];
      return;
    }
    watchdog.refresh();
    const { status, contentType } = response;
    if (status !== 200 || !contentType.startsWith("text/event-stream")) {
      response.discard();
      const why =
        status !== 200
          ? `BinderHub answered HTTP ${status}${status === 404 ? " (is the BinderHub URL right, and API-only mode on?)" : ""}.`
          : `BinderHub did not answer with an event stream (content-type ${contentType || "missing"}).`;
      yield [{ kind: "event", event: companionFailure(why) }];
      return;
    }

    const reader = new SseReader({ maxEventLength: MAX_UPSTREAM_EVENT_LENGTH });
    try {
      for await (const text of response.body) {
        watchdog.refresh();
        const read = reader.feed(text);
        if (read.length === 0) continue;
        const items: UpstreamItem[] = [];
        let ended = false;
        for (const item of read) {
          if (item.type === "comment") {
            items.push(KEEPALIVE);
            continue;
          }
          const { event, json } = normalizeBuildPayload(item.data, item.omitted);
          items.push({ kind: "event", event, json });
          if (event.phase === "ready" || event.phase === "failed") {
            ended = true;
            break;
          }
        }
        callerBusy = true;
        yield items;
        callerBusy = false;
        if (ended) return;
      }
    } catch (error) {
      if (signal?.aborted) return;
      yield [
        {
          kind: "event",
          event: silent
            ? lostContact()
            : companionFailure(
                `The connection to BinderHub broke (${describeRequestError(error)}).`,
              ),
        },
      ];
      return;
    }
    if (signal?.aborted) return;
    yield [
      {
        kind: "event",
        event: companionFailure("BinderHub closed the stream before the build finished."),
      },
    ];
  } finally {
    clearTimeout(watchdog);
    signal?.removeEventListener("abort", onCallerAbort);
    stopUpstream(new Error("the build stream ended"));
  }
}
