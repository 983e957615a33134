/**
 * Reads one BinderHub build-only stream (BuildHandler, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L143-L628):
 * `GET {binderhubUrl}build/<provider>/<spec>?build_only=true` with `Accept: text/event-stream`
 * and `Authorization: token <companion token>` (a service token with
 * `access:services!service=binder`, which also exempts the companion from BinderHub's per-IP rate
 * limit: https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/base.py#L100-L125).
 *
 * Guarantees to the receiver, whatever BinderHub does: the items end with exactly one terminal
 * event (`ready` or `failed`) unless the caller stopped the read; an unreachable BinderHub, a non-200, a non-SSE
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
import {
  request as httpRequest,
  type ClientRequest,
  type ClientRequestArgs,
  type IncomingMessage,
} from "node:http";
import { request as httpsRequest } from "node:https";
import { createConnection, type NetConnectOpts } from "node:net";
import type { Duplex } from "node:stream";

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

/**
 * A connection of its own for a plain-HTTP request: what `node:http` does without an agent
 * (`net.createConnection` with the request's options, host and port filled in by it).
 */
function connectPlain(options: ClientRequestArgs): Duplex {
  return createConnection(options as NetConnectOpts);
}

/** Receives one build's items from BinderHub, in order. */
export interface UpstreamReceiver {
  /**
   * One item. A returned promise (the browser reads slowly) pauses reading BinderHub until it
   * settles; BinderHub's silence meanwhile is not counted against it.
   */
  item(item: UpstreamItem): Promise<void> | undefined;
  /** Once, after the last item (the terminal event or a failure), or after `stop()`. */
  end(): void;
}

/** A build being read from BinderHub. */
export interface UpstreamBuild {
  /** Stops reading and closes the request: no item follows, `end` is called at once. */
  stop(): void;
}

/**
 * Reads the build `provider`/`spec` from BinderHub into `receiver`.
 *
 * Driven by the response, not by a loop: BinderHub's answer is read on its `readable` events and
 * not while the receiver waits, and everything one read needs is this one object and the request. An async generator
 * over an async iterator of the response (the first version) kept both generators' frames, the
 * stream iterator's promises and its end-of-stream listeners alive for the whole build: a fifth of
 * an open stream's heap (bench/builds.ts).
 */
export function readBuild(
  config: BinderHubClientConfig,
  provider: string,
  spec: string,
  receiver: UpstreamReceiver,
): UpstreamBuild {
  const read = new BuildRead(receiver, config.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
  const url = buildUrl(config, provider, spec);
  const headers = { accept: "text/event-stream", authorization: `token ${config.token}` };
  if (config.fetch) read.overFetch(config.fetch, url, headers);
  else read.overHttp(url, headers);
  return read;
}

class BuildRead implements UpstreamBuild {
  private readonly receiver: UpstreamReceiver;
  private readonly idleMs: number;
  /** No byte from BinderHub for `idleMs` (while not paused for the receiver): lost contact. */
  private readonly watchdog: NodeJS.Timeout;
  private reader: SseReader | undefined;
  private request: ClientRequest | undefined;
  private response: IncomingMessage | undefined;
  /** fetch's request (local mode's simulator). */
  private fetchAbort: AbortController | undefined;
  /** Waiting for the receiver: reading is paused, and the watchdog waits. */
  private paused = false;
  /** What the receiver asked to wait for (fetch's reading loop awaits it). */
  private receiverWait: Promise<void> | undefined;
  private over = false;
  /** Listeners of the request and response, made once per read (one shared context). */
  private readonly onResponse: (response: IncomingMessage) => void;
  private readonly onReadable: () => void;
  private readonly onEnd: () => void;
  private readonly onError: (error: unknown) => void;
  private readonly onResume: () => void;

  constructor(receiver: UpstreamReceiver, idleMs: number) {
    this.receiver = receiver;
    this.idleMs = idleMs;
    this.onResponse = (response) => this.answered(response);
    this.onReadable = () => this.drain();
    this.onEnd = () =>
      this.fail(companionFailure("BinderHub closed the stream before the build finished."));
    this.onError = (error) => this.broke(error);
    this.onResume = () => this.resume();
    this.watchdog = setTimeout(() => this.idle(), idleMs);
  }

  /**
   * `node:http(s)`. No AbortSignal is given to the request (Node adds a listener and a closure
   * per request for one); stopping destroys it.
   */
  overHttp(url: string, headers: Record<string, string>): void {
    const target = new URL(url);
    const tls = target.protocol === "https:";
    // node:http follows no redirect: a 3xx is "not 200", as fetch's `redirect: "manual"` was.
    const request = (tls ? httpsRequest : httpRequest)(
      {
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[|\]$/g, ""),
        port: target.port,
        path: target.pathname + target.search,
        headers,
        // Plain HTTP (BinderHub in the cluster) gets a connection of its own, not the global
        // agent's: a stream holds its connection for the whole build, so there is nothing to
        // pool, and the agent's bookkeeping cost four listeners per open stream. HTTPS keeps the
        // agent, which sets up TLS (server name, session reuse).
        ...(tls ? {} : { createConnection: connectPlain }),
      },
      this.onResponse,
    );
    this.request = request;
    // Before an answer, an error is a failed connect; after it, a reset mid-body.
    request.on("error", this.onError);
    request.end();
  }

  /** A `fetch` (local mode's BinderHub simulator): read the same way, from its web stream. */
  overFetch(fetchFn: typeof globalThis.fetch, url: string, headers: Record<string, string>): void {
    const abort = new AbortController();
    this.fetchAbort = abort;
    void this.pumpFetch(fetchFn, url, headers, abort.signal);
  }

  stop(): void {
    if (this.over) return;
    this.finish();
  }

  private async pumpFetch(
    fetchFn: typeof globalThis.fetch,
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<void> {
    let response: Response;
    try {
      response = await fetchFn(url, { headers, signal, redirect: "manual" });
    } catch (error) {
      this.unreachable(error);
      return;
    }
    const body = response.body;
    if (!this.accepted(response.status, response.headers.get("content-type") ?? "")) {
      void body?.cancel().catch(() => {});
      return;
    }
    const decoder = new TextDecoder();
    try {
      if (body) {
        for await (const chunk of body) {
          if (this.over) return;
          this.text(decoder.decode(chunk, { stream: true }));
          while (this.paused && !this.over) await this.receiverWait;
        }
      }
    } catch (error) {
      this.broke(error);
      return;
    }
    this.onEnd();
  }

  private answered(response: IncomingMessage): void {
    if (this.over) {
      response.destroy();
      return;
    }
    if (!this.accepted(response.statusCode ?? 0, response.headers["content-type"] ?? "")) {
      response.destroy();
      return;
    }
    this.response = response;
    response.setEncoding("utf8");
    response.on("readable", this.onReadable);
    response.on("end", this.onEnd);
    response.on("error", this.onError);
  }

  /** A 200 event stream starts the reader; anything else is one clear failure. */
  private accepted(status: number, contentType: string): boolean {
    this.watchdog.refresh();
    if (status === 200 && contentType.startsWith("text/event-stream")) {
      this.reader = new SseReader({ maxEventLength: MAX_UPSTREAM_EVENT_LENGTH });
      return true;
    }
    this.fail(
      companionFailure(
        status !== 200
          ? `BinderHub answered HTTP ${status}${status === 404 ? " (is the BinderHub URL right, and API-only mode on?)" : ""}.`
          : `BinderHub did not answer with an event stream (content-type ${contentType || "missing"}).`,
      ),
    );
    return false;
  }

  /**
   * Reads what BinderHub's answer has buffered, in one piece per `read()` (as a stream's async
   * iterator does; `data` events would hand over each socket read apart), until the receiver
   * asks to wait.
   */
  private drain(): void {
    const response = this.response;
    if (!response) return;
    let text: string | null;
    while (!this.paused && !this.over && (text = response.read() as string | null) !== null)
      this.text(text);
  }

  private text(text: string): void {
    if (this.over || !this.reader) return;
    this.watchdog.refresh();
    let wait: Promise<void> | undefined;
    for (const item of this.reader.feed(text)) {
      let asked: Promise<void> | undefined;
      if (item.type === "comment") asked = this.receiver.item(KEEPALIVE);
      else {
        const { event, json } = normalizeBuildPayload(item.data, item.omitted);
        asked = this.receiver.item({ kind: "event", event, json });
        if (event.phase === "ready" || event.phase === "failed") {
          this.finish();
          return;
        }
      }
      if (asked) wait = asked;
      if (this.over) return;
    }
    if (wait && !this.over) {
      this.paused = true;
      this.receiverWait = wait;
      void wait.then(this.onResume, this.onResume);
    }
  }

  private resume(): void {
    this.paused = false;
    this.receiverWait = undefined;
    if (this.over) return;
    this.watchdog.refresh();
    this.drain();
  }

  private idle(): void {
    if (this.over) return;
    if (this.paused) {
      this.watchdog.refresh();
      return;
    }
    this.fail(
      companionFailure(
        `Lost contact with BinderHub: nothing received for ${Math.round(this.idleMs / 1000)} seconds.`,
      ),
    );
  }

  private unreachable(error: unknown): void {
    this.fail(companionFailure(`Could not reach BinderHub (${describeRequestError(error)}).`));
  }

  private broke(error: unknown): void {
    if (this.response === undefined && this.reader === undefined) this.unreachable(error);
    else
      this.fail(
        companionFailure(`The connection to BinderHub broke (${describeRequestError(error)}).`),
      );
  }

  /** The last item, a failure the companion tells; ignored once the read is over. */
  private fail(event: BuildEvent): void {
    if (this.over) return;
    // Its wait does not matter: the read ends, and the receiver's end follows the event.
    void this.receiver.item({ kind: "event", event });
    this.finish();
  }

  /**
   * Ends the read: the request is always closed here, because BinderHub only ends build-only
   * streams itself after `ready`/`failed`.
   */
  private finish(): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.watchdog);
    this.response?.off("readable", this.onReadable);
    this.response?.off("end", this.onEnd);
    // A destroyed request still reports its error: `onError` stays, and finds the read over.
    this.request?.destroy();
    this.fetchAbort?.abort(new Error("the build stream ended"));
    this.receiver.end();
  }
}
