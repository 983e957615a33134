import { describe, expect, it } from "vitest";
import { createWriteBatcher } from "./write-batcher.ts";

/** A terminal that finishes its writes only when the test says so. */
function slowTerminal() {
  const writes: string[] = [];
  const callbacks: (() => void)[] = [];
  return {
    writes,
    write(text: string, done: () => void) {
      writes.push(text);
      callbacks.push(done);
    },
    get inFlight() {
      return callbacks.length;
    },
    finish() {
      callbacks.shift()?.();
    },
  };
}

/** Lets the microtasks queued so far run. */
const endOfTask = () => Promise.resolve();

describe("createWriteBatcher", () => {
  it("writes what one task pushes as one write, at the end of that task", async () => {
    const terminal = slowTerminal();
    const batcher = createWriteBatcher((text, done) => terminal.write(text, done));
    for (let i = 0; i < 50_000; i++) batcher.push(`line ${i}\n`);
    expect(terminal.writes).toEqual([]);
    await endOfTask();
    expect(terminal.writes).toHaveLength(1);
    expect(terminal.writes[0]?.split("\n")).toHaveLength(50_001);
    expect(terminal.writes[0]?.startsWith("line 0\nline 1\n")).toBe(true);
    expect(terminal.writes[0]?.endsWith("line 49999\n")).toBe(true);
  });

  it("what comes while a write is parsed goes as one write after it, with at most one in flight", async () => {
    const terminal = slowTerminal();
    const batcher = createWriteBatcher((text, done) => terminal.write(text, done));
    batcher.push("a");
    await endOfTask();
    batcher.push("b");
    await endOfTask();
    batcher.push("c");
    await endOfTask();
    expect(terminal.writes).toEqual(["a"]);
    expect(terminal.inFlight).toBe(1);
    terminal.finish();
    expect(terminal.writes).toEqual(["a", "bc"]);
    expect(terminal.inFlight).toBe(1);
    terminal.finish();
    expect(terminal.inFlight).toBe(0);
    batcher.push("d");
    await endOfTask();
    expect(terminal.writes).toEqual(["a", "bc", "d"]);
  });

  it("writes nothing for empty text", async () => {
    const terminal = slowTerminal();
    const batcher = createWriteBatcher((text, done) => terminal.write(text, done));
    batcher.push("");
    await endOfTask();
    expect(terminal.writes).toEqual([]);
  });

  it("a terminal that finishes at once gets each task's pushes as they come", async () => {
    const writes: string[] = [];
    const batcher = createWriteBatcher((text, done) => {
      writes.push(text);
      done();
    });
    batcher.push("a");
    batcher.push("b");
    await endOfTask();
    batcher.push("c");
    await endOfTask();
    expect(writes).toEqual(["ab", "c"]);
  });

  it("drops pending text on discard, even if the old write never finishes", async () => {
    const terminal = slowTerminal();
    const batcher = createWriteBatcher((text, done) => terminal.write(text, done));
    batcher.push("old build, in flight");
    await endOfTask();
    batcher.push("old build, pending");
    batcher.discard();
    batcher.push("new build");
    await endOfTask();
    expect(terminal.writes).toEqual(["old build, in flight", "new build"]);
    // The old write's late callback does not flush anything out of turn.
    terminal.finish();
    batcher.push("more");
    await endOfTask();
    expect(terminal.writes).toHaveLength(2);
    terminal.finish();
    expect(terminal.writes).toEqual(["old build, in flight", "new build", "more"]);
  });

  it("discard before the end of the task drops what the task pushed", async () => {
    const terminal = slowTerminal();
    const batcher = createWriteBatcher((text, done) => terminal.write(text, done));
    batcher.push("old build");
    batcher.discard();
    batcher.push("new build");
    await endOfTask();
    expect(terminal.writes).toEqual(["new build"]);
  });

  it("writes nothing after dispose, pending or pushed", async () => {
    const terminal = slowTerminal();
    const batcher = createWriteBatcher((text, done) => terminal.write(text, done));
    batcher.push("first");
    await endOfTask();
    batcher.push("late");
    batcher.dispose();
    terminal.finish();
    batcher.push("after dispose");
    await endOfTask();
    expect(terminal.writes).toEqual(["first"]);
    batcher.push("queued");
    batcher.dispose();
    await endOfTask();
    expect(terminal.writes).toEqual(["first"]);
  });
});
