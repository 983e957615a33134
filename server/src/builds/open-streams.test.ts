import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OpenStream, OpenStreams, type StopReason, type WatchedSink } from "./open-streams.ts";

class FakeSink implements WatchedSink {
  blocked = false;
  written = false;
  heartbeats = 0;
  takeWritten(): boolean {
    const written = this.written;
    this.written = false;
    return written;
  }
  keepalive(): undefined {
    this.heartbeats++;
    return undefined;
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Records what stopping asked of it, as the relay closes its upstream request. */
class RecordingStream extends OpenStream {
  readonly stops: StopReason[] = [];
  protected override stopped(reason: StopReason): void {
    this.stops.push(reason);
  }
}

function watcher(options: { idleMs?: number; deadlineMs?: number } = {}) {
  return new OpenStreams({ heartbeatMs: 1000, now: Date.now, ...options });
}

describe("OpenStreams", () => {
  it("sends a heartbeat only to a stream nothing was written to for a whole tick", () => {
    const streams = watcher();
    const quiet = new FakeSink();
    const busy = new FakeSink();
    streams.add(new RecordingStream(quiet));
    streams.add(new RecordingStream(busy));
    for (let i = 0; i < 3; i++) {
      busy.written = true;
      vi.advanceTimersByTime(1000);
    }
    expect(quiet.heartbeats).toBe(3);
    expect(busy.heartbeats).toBe(0);
  });

  it("stops a stream without progress for idleMs, however many keepalives it relays", () => {
    const streams = watcher({ idleMs: 5000 });
    const sink = new FakeSink();
    const stream = streams.add(new RecordingStream(sink));
    for (let i = 0; i < 4; i++) {
      sink.written = true; // BinderHub's keepalives, relayed
      vi.advanceTimersByTime(1000);
    }
    expect(stream.stopReason).toBeUndefined();
    stream.progressed = true;
    vi.advanceTimersByTime(1000);
    vi.advanceTimersByTime(4000);
    expect(stream.stopReason).toBeUndefined();
    vi.advanceTimersByTime(1000);
    expect(stream.stopReason).toBe("idle");
    expect(stream.stops).toEqual(["idle"]);
  });

  it("does not count time spent waiting for a slow browser as BinderHub's silence", () => {
    const streams = watcher({ idleMs: 2000 });
    const sink = new FakeSink();
    const stream = streams.add(new RecordingStream(sink));
    sink.blocked = true;
    vi.advanceTimersByTime(10_000);
    expect(stream.stopReason).toBeUndefined();
    expect(sink.heartbeats).toBe(0);
    sink.blocked = false;
    vi.advanceTimersByTime(2000);
    expect(stream.stopReason).toBe("idle");
  });

  it("stops every stream at the deadline, progress or not", () => {
    const streams = watcher({ deadlineMs: 3000 });
    const stream = streams.add(new RecordingStream(new FakeSink()));
    for (let i = 0; i < 2; i++) {
      stream.progressed = true;
      vi.advanceTimersByTime(1000);
    }
    expect(stream.stopReason).toBeUndefined();
    vi.advanceTimersByTime(1000);
    expect(stream.stopReason).toBe("deadline");
  });

  it("keeps the first reason, stops all on shutdown, and runs no timer without streams", () => {
    const streams = watcher();
    const a = streams.add(new RecordingStream(new FakeSink()));
    const b = streams.add(new RecordingStream(new FakeSink()));
    a.stop("cancelled");
    streams.stopAll("shutdown");
    expect([a.stopReason, b.stopReason]).toEqual(["cancelled", "shutdown"]);
    expect([a.stops, b.stops]).toEqual([["cancelled"], ["shutdown"]]);
    expect(vi.getTimerCount()).toBe(1);
    streams.close(a);
    streams.close(b);
    expect(vi.getTimerCount()).toBe(0);
  });
});
