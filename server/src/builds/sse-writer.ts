/**
 * The companion's side of a build event stream: `text/event-stream` on the raw socket, never
 * compressed, `no-transform` and `X-Accel-Buffering: no` so proxies and an nginx ingress pass each
 * event at once (https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_buffering).
 *
 * Fast by construction, because one open stream per running build and hundreds of thousands of
 * events a second go through here. The frames of one turn of the event loop are joined into one
 * string and written with one `res.write` (profiled: a write per frame cost more than everything
 * else the relay did, because each is a chunk of HTTP/1.1 chunked encoding with its own size line,
 * a separate string to encode, and a separate body chunk for the reader). One `setImmediate` writes
 * the frames of every stream, so an idle stream holds no timer and no closure. A write waits only
 * when the socket buffer is full (backpressure), resuming on `drain` or `close`.
 */
import type { ServerResponse } from "node:http";

import type { BuildEvent } from "../../../contract/build.ts";

const STREAM_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  // no-store, not no-cache: Chromium keeps a no-cache stream in its HTTP cache entry for the URL
  // while it streams, and the cancel (DELETE of the same URL) then fails to take that entry after
  // its answer arrived, so the cache layer sends the DELETE again. Seen in Chromium 159's net-log
  // through CHP: one fetch, two DELETEs at the companion, the page shown the second's answer.
  "cache-control": "no-store, no-transform",
  "x-accel-buffering": "no",
  "content-encoding": "identity",
};

const KEEPALIVE_FRAME = ":keepalive\n\n";
/** Pending text past this many UTF-16 units is written at once, without waiting for the turn's end. */
const WRITE_AT = 64 * 1024;

/** Writers with frames waiting for the end of this turn, and whether that flush is scheduled. */
let pendingWriters: SseWriter[] = [];
let flushScheduled = false;

function flushPending(): void {
  flushScheduled = false;
  const writers = pendingWriters;
  pendingWriters = [];
  for (const writer of writers) writer.flush();
}

export class SseWriter {
  private readonly res: ServerResponse;
  /** Frames not yet handed to the socket. */
  private pending = "";
  private queued = false;
  private written = false;
  private waiting: Promise<void> | undefined;

  constructor(res: ServerResponse) {
    this.res = res;
  }

  /** Sends the status line and headers at once, so the browser knows the stream is open. */
  open(): void {
    this.res.writeHead(200, STREAM_HEADERS);
    this.res.flushHeaders();
  }

  /** Whether the browser is gone (nothing more can be written). */
  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /**
   * Calls `listener` when the browser's connection closes (at once if it has): an EventEmitter
   * listener, not an AbortSignal, which costs an object graph per open stream; `on`, not `once`,
   * whose wrapper costs two more objects (the listener must bear a second call).
   */
  onGone(listener: () => void): void {
    if (this.res.destroyed) listener();
    else this.res.on("close", listener);
  }

  /** Waiting for the socket buffer to drain. */
  get blocked(): boolean {
    return this.waiting !== undefined;
  }

  /** Whether anything was written since the last call (the heartbeat asks, open-streams.ts). */
  takeWritten(): boolean {
    const written = this.written;
    this.written = false;
    return written;
  }

  /** One event; `json` is its exact JSON text when the caller has it already (one line). */
  event(event: BuildEvent, json?: string): Promise<void> | undefined {
    return this.write(`data: ${json ?? JSON.stringify(event)}\n\n`);
  }

  keepalive(): Promise<void> | undefined {
    return this.write(KEEPALIVE_FRAME);
  }

  /**
   * Queues a frame for this turn's write; returns a promise only while the socket buffer is full,
   * so callers `await` it only then (`const wait = writer.event(e); if (wait) await wait;`).
   */
  private write(frame: string): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.written = true;
    this.pending += frame;
    if (this.pending.length >= WRITE_AT) this.flush();
    else if (!this.queued) {
      this.queued = true;
      pendingWriters.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushPending);
      }
    }
    return this.waiting;
  }

  /** Hands the pending frames to the socket (the shared flush calls it, and `end`). */
  flush(): void {
    this.queued = false;
    const text = this.pending;
    if (text === "") return;
    this.pending = "";
    const res = this.res;
    if (res.destroyed || res.writableEnded) return;
    if (res.write(text) || this.waiting !== undefined) return;
    this.waiting = new Promise<void>((resolve) => {
      const wake = () => {
        res.off("drain", wake);
        res.off("close", wake);
        this.waiting = undefined;
        resolve();
      };
      res.on("drain", wake);
      res.on("close", wake);
    });
  }

  end(): void {
    this.flush();
    if (!this.res.writableEnded) this.res.end();
  }
}
