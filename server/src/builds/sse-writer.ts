/**
 * The companion's side of a build event stream: `text/event-stream` on the raw socket, never
 * compressed, `no-transform` and `X-Accel-Buffering: no` so proxies and an nginx ingress pass each
 * event at once (https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_buffering).
 *
 * Fast by construction, because one open stream per running build and hundreds of thousands of
 * events a second go through here: the writes of one turn of the event loop are corked into one
 * socket write; a write waits only when the socket buffer is full (backpressure), resuming on
 * `drain` or `close`; nothing is allocated per event beyond the frame's string.
 */
import type { ServerResponse } from "node:http";

import type { BuildEvent } from "../../../contract/build.ts";

const STREAM_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
  "content-encoding": "identity",
};

const KEEPALIVE_FRAME = ":keepalive\n\n";

export class SseWriter {
  private readonly res: ServerResponse;
  private corked = false;
  private written = false;
  private waiting: Promise<void> | undefined;
  private resume: (() => void) | undefined;
  private readonly uncork = () => {
    this.corked = false;
    this.res.uncork();
  };
  private readonly wake = () => {
    this.res.off("drain", this.wake);
    this.res.off("close", this.wake);
    const resume = this.resume;
    this.waiting = undefined;
    this.resume = undefined;
    resume?.();
  };

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
   * Writes a frame; returns a promise only when the socket buffer is full, so callers `await` it
   * only then (`const wait = writer.event(e); if (wait) await wait;`).
   */
  private write(frame: string): Promise<void> | undefined {
    const res = this.res;
    if (res.destroyed || res.writableEnded) return undefined;
    this.written = true;
    if (!this.corked) {
      this.corked = true;
      res.cork();
      setImmediate(this.uncork);
    }
    if (res.write(frame)) return undefined;
    this.waiting ??= new Promise<void>((resolve) => {
      this.resume = resolve;
      res.on("drain", this.wake);
      res.on("close", this.wake);
    });
    return this.waiting;
  }

  end(): void {
    if (this.corked) {
      this.corked = false;
      this.res.uncork();
    }
    if (!this.res.writableEnded) this.res.end();
  }
}
