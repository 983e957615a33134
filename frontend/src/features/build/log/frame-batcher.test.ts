import { describe, expect, it } from "vitest";
import { createFrameBatcher, toTerminalText, type FrameScheduler } from "./frame-batcher.ts";

/** Frames that run only when the test says so. */
function manualFrames() {
  const queued = new Map<number, () => void>();
  let next = 1;
  const scheduler: FrameScheduler = {
    request(callback) {
      queued.set(next, callback);
      return next++;
    },
    cancel(handle) {
      queued.delete(handle);
    },
  };
  return {
    scheduler,
    get pending() {
      return queued.size;
    },
    runFrame() {
      const callbacks = [...queued.values()];
      queued.clear();
      for (const callback of callbacks) callback();
    },
  };
}

describe("createFrameBatcher", () => {
  it("writes everything pushed during a frame in one flush", () => {
    const frames = manualFrames();
    const writes: string[] = [];
    const batcher = createFrameBatcher((text) => writes.push(text), frames.scheduler);
    for (let i = 0; i < 50_000; i++) batcher.push(`line ${i}\n`);
    expect(writes).toEqual([]);
    expect(frames.pending).toBe(1);
    frames.runFrame();
    expect(writes).toHaveLength(1);
    expect(writes[0]?.split("\n")).toHaveLength(50_001);
    expect(writes[0]?.startsWith("line 0\nline 1\n")).toBe(true);
  });

  it("asks for a new frame only when there is something new", () => {
    const frames = manualFrames();
    const writes: string[] = [];
    const batcher = createFrameBatcher((text) => writes.push(text), frames.scheduler);
    batcher.push("");
    expect(frames.pending).toBe(0);
    batcher.push("a");
    frames.runFrame();
    frames.runFrame();
    batcher.push("b");
    batcher.push("c");
    frames.runFrame();
    expect(writes).toEqual(["a", "bc"]);
  });

  it("drops pending text on discard and stops on dispose", () => {
    const frames = manualFrames();
    const writes: string[] = [];
    const batcher = createFrameBatcher((text) => writes.push(text), frames.scheduler);
    batcher.push("old build");
    batcher.discard();
    batcher.push("new build");
    frames.runFrame();
    batcher.push("late");
    batcher.dispose();
    frames.runFrame();
    expect(writes).toEqual(["new build"]);
    expect(frames.pending).toBe(0);
  });
});

describe("toTerminalText", () => {
  it.each([
    ["a\nb\n", "a\r\nb\r\n"],
    ["a\r\nb", "a\r\nb"],
    ["Fetching base image...\r", "Fetching base image...\r"],
    ["\u001b[31mred\u001b[0m\n", "\u001b[31mred\u001b[0m\r\n"],
  ])("%j", (text, expected) => {
    expect(toTerminalText(text)).toBe(expected);
  });
});
