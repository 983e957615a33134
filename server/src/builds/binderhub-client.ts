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
 * The request goes out on a connection of its own, read by http-stream.ts, not through `fetch` or
 * `node:http`: a stream open for a whole build holds what its client allocates for that long
 * (fetch's Request, Response, web stream and abort signals cost 20 KiB of heap per open stream,
 * `node:http` 8; measured with 1,000 open streams), and both hand each chunk of BinderHub's answer
 * (one per event) to JavaScript on its own, which was most of the relay's CPU. A `fetch` in the
 * config (local mode's BinderHub simulator) is read the same way.
 */
import { MAX_LOG_MESSAGE_LENGTH, type BuildEvent } from "../../../contract/build.ts";
import { SseReader } from "../../../contract/sse.ts";
import { getStream, type HttpStream, type StreamHandlers } from "./http-stream.ts";
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

/**
 * One read. It is also the HTTP answer's handlers (`head`, `body`, `end`, `error`), so an open
 * stream holds no closures of its own for them.
 */
class BuildRead implements UpstreamBuild, StreamHandlers {
  private readonly receiver: UpstreamReceiver;
  private readonly idleMs: number;
  /** No byte from BinderHub for `idleMs` (while not paused for the receiver): lost contact. */
  private readonly watchdog: NodeJS.Timeout;
  private reader: SseReader | undefined;
  private stream: HttpStream | undefined;
  /** fetch's request (local mode's simulator). */
  private fetchAbort: AbortController | undefined;
  /** Waiting for the receiver: reading is paused, and the watchdog waits. */
  private paused = false;
  /** What the receiver asked to wait for (fetch's reading loop awaits it). */
  private receiverWait: Promise<void> | undefined;
  private over = false;
  private readonly onResume: () => void;

  constructor(receiver: UpstreamReceiver, idleMs: number) {
    this.receiver = receiver;
    this.idleMs = idleMs;
    this.onResume = () => this.resume();
    this.watchdog = setTimeout(() => this.idle(), idleMs);
  }

  /** BinderHub over HTTP(S), on a connection of its own (http-stream.ts). */
  overHttp(url: string, headers: Record<string, string>): void {
    try {
      // No redirect is followed: a 3xx is "not 200", as fetch's `redirect: "manual"` was.
      this.stream = getStream(new URL(url), headers, this);
    } catch (error) {
      this.unreachable(error);
    }
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

  // The HTTP answer's handlers.

  head(status: number, headers: ReadonlyMap<string, string>): void {
    if (!this.accepted(status, headers.get("content-type") ?? "")) this.stream?.destroy();
  }

  body(text: string): void {
    this.text(text);
  }

  end(): void {
    this.fail(companionFailure("BinderHub closed the stream before the build finished."));
  }

  error(error: Error): void {
    this.broke(error);
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
    this.end();
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
      this.stream?.pause();
      void wait.then(this.onResume, this.onResume);
    }
  }

  private resume(): void {
    this.paused = false;
    this.receiverWait = undefined;
    if (this.over) return;
    this.watchdog.refresh();
    this.stream?.resume();
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
    if (this.reader === undefined) this.unreachable(error);
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
   * Ends the read: the connection is always closed here, because BinderHub only ends build-only
   * streams itself after `ready`/`failed`.
   */
  private finish(): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.watchdog);
    this.stream?.destroy();
    this.fetchAbort?.abort(new Error("the build stream ended"));
    this.receiver.end();
  }
}
