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

describe("createWriteBatcher", () => {
  it("writes the first text at once, and what comes while it is parsed as one write after it", () => {
    const terminal = slowTerminal();
    const batcher = createWriteBatcher((text, done) => terminal.write(text, done));
    for (let i = 0; i < 50_000; i++) batcher.push(`line ${i}\n`);
    expect(terminal.writes).toEqual(["line 0\n"]);
    terminal.finish();
    expect(terminal.writes).toHaveLength(2);
    expect(terminal.writes[1]?.split("\n")).toHaveLength(50_000);
    expect(terminal.writes[1]?.startsWith("line 1\nline 2\n")).toBe(true);
    expect(terminal.inFlight).toBe(1);
    terminal.finish();
    expect(terminal.inFlight).toBe(0);
  });

  it("writes nothing for empty text, and keeps at most one write in flight", () => {
    const terminal = slowTerminal();
    const batcher = createWriteBatcher((text, done) => terminal.write(text, done));
    batcher.push("");
    expect(terminal.writes).toEqual([]);
    batcher.push("a");
    batcher.push("b");
    batcher.push("c");
    expect(terminal.inFlight).toBe(1);
    terminal.finish();
    terminal.finish();
    batcher.push("d");
    expect(terminal.writes).toEqual(["a", "bc", "d"]);
  });

  it("a terminal that finishes at once gets every push as it comes", () => {
    const writes: string[] = [];
    const batcher = createWriteBatcher((text, done) => {
      writes.push(text);
      done();
    });
    batcher.push("a");
    batcher.push("b");
    expect(writes).toEqual(["a", "b"]);
  });

  it("drops pending text on discard, even if the old write never finishes, and stops on dispose", () => {
    const terminal = slowTerminal();
    const batcher = createWriteBatcher((text, done) => terminal.write(text, done));
    batcher.push("old build, in flight");
    batcher.push("old build, pending");
    batcher.discard();
    batcher.push("new build");
    expect(terminal.writes).toEqual(["old build, in flight", "new build"]);
    // the old write's late callback does not flush anything out of turn
    terminal.finish();
    batcher.push("more");
    expect(terminal.writes).toHaveLength(2);
    terminal.finish();
    expect(terminal.writes).toEqual(["old build, in flight", "new build", "more"]);
    batcher.push("late");
    batcher.dispose();
    terminal.finish();
    batcher.push("after dispose");
    expect(terminal.writes).toEqual(["old build, in flight", "new build", "more"]);
  });
});
