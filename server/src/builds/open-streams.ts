/**
 * The build streams this replica relays, and the one timer that watches all of them:
 *
 * - a heartbeat: a stream nothing was written to during a whole tick gets a `:keepalive` comment,
 *   so the page (and every proxy between) sees life at least every two ticks even while BinderHub
 *   is quiet, and can treat longer silence as a lost connection;
 * - keepalives are not progress: a stream whose BinderHub sent no event (only keepalives) for
 *   `idleMs` is stopped ("idle"), and every stream is stopped at `deadlineMs` ("deadline");
 * - shutdown: every stream is stopped at once ("shutdown").
 *
 * One shared interval instead of timers per stream: a stream costs no object of its own and no
 * closure, and nothing is read from the clock per event (a relayed event only sets a flag).
 */

/** Why a stream stopped before BinderHub ended it. */
export type StopReason = "gone" | "cancelled" | "idle" | "deadline" | "shutdown";

/** What the watcher needs of a stream's sink (sse-writer.ts). */
export interface WatchedSink {
  /** Waiting for the browser to read (backpressure): upstream is paused by us, not quiet. */
  readonly blocked: boolean;
  /** Whether anything was written since the last call. */
  takeWritten(): boolean;
  keepalive(): Promise<void> | undefined;
}

/**
 * One stream the watcher looks after. The relay extends it (service.ts), so a stream is one
 * object: what stopping it does is the subclass's `stopped`.
 */
export class OpenStream {
  readonly sink: WatchedSink;
  /** Set when the watcher takes the stream (`OpenStreams.add`). */
  startedAt = 0;
  /** When the watcher last saw progress (or the stream start). */
  quietSince = 0;
  /** Set by the relay on each BinderHub event, cleared by the watcher's tick. */
  progressed = false;
  stopReason: StopReason | undefined;

  constructor(sink: WatchedSink) {
    this.sink = sink;
  }

  /** Stops the stream once; the first reason is kept. */
  stop(reason: StopReason): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.stopped(reason);
  }

  /** What stopping does (the relay closes its upstream request). */
  protected stopped(_reason: StopReason): void {}
}

export interface StreamWatchOptions {
  /** How often the watcher looks; a silent stream gets a heartbeat each time. Default 15 s. */
  heartbeatMs?: number;
  /** No BinderHub event for this long stops a build. Default 15 min. */
  idleMs?: number;
  /** No build streams longer than this. Default 2 h. */
  deadlineMs?: number;
  now?: () => number;
}

export class OpenStreams {
  readonly heartbeatMs: number;
  readonly idleMs: number;
  readonly deadlineMs: number;
  private readonly now: () => number;
  private readonly streams = new Set<OpenStream>();
  private timer: NodeJS.Timeout | undefined;
  private readonly tick = () => this.watch();

  constructor(options: StreamWatchOptions = {}) {
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.idleMs = options.idleMs ?? 15 * 60_000;
    this.deadlineMs = options.deadlineMs ?? 2 * 3_600_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.streams.size;
  }

  /** Watches `stream` from now on, until `close`. */
  add<T extends OpenStream>(stream: T): T {
    stream.startedAt = stream.quietSince = this.now();
    this.streams.add(stream);
    if (this.timer === undefined) {
      this.timer = setInterval(this.tick, this.heartbeatMs);
      this.timer.unref();
    }
    return stream;
  }

  close(stream: OpenStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  stopAll(reason: StopReason): void {
    for (const stream of this.streams) stream.stop(reason);
  }

  private watch(): void {
    const t = this.now();
    for (const stream of this.streams) {
      if (stream.stopReason !== undefined) continue;
      if (t - stream.startedAt >= this.deadlineMs) {
        stream.stop("deadline");
        continue;
      }
      const sink = stream.sink;
      if (stream.progressed || sink.blocked) {
        stream.progressed = false;
        stream.quietSince = t;
      } else if (t - stream.quietSince >= this.idleMs) {
        stream.stop("idle");
        continue;
      }
      if (!sink.takeWritten() && !sink.blocked) void sink.keepalive();
    }
  }
}
