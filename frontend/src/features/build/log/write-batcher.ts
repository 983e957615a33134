/**
 * Hands log text to the terminal with at most one write in flight: text pushed while the terminal
 * is still parsing the previous write waits, and goes as one write when that write's callback
 * says it has been parsed (xterm's flow control, https://xtermjs.org/docs/guides/flowcontrol/).
 * Text pushed while nothing is in flight goes at the end of the current task (a microtask), so
 * the events of one network chunk — a whole replay, at times — are one write, and the terminal
 * can cut it to what it keeps (terminal-tail.ts). Thousands of events a second so cost a few
 * large writes, and no text waits for an animation frame (xterm renders per frame itself).
 */
export interface WriteBatcher {
  push(text: string): void;
  /** Drops whatever is pending (a new build clears the terminal). */
  discard(): void;
  dispose(): void;
}

/** `write` hands `text` to the terminal and calls `done` once the terminal has taken it. */
export function createWriteBatcher(write: (text: string, done: () => void) => void): WriteBatcher {
  let pending = "";
  let writing = false;
  let scheduled = false;
  /** A write from before a `discard` or `dispose` that finishes later changes nothing. */
  let generation = 0;
  let disposed = false;
  const flush = () => {
    if (pending === "" || disposed) return;
    const text = pending;
    const mine = generation;
    pending = "";
    writing = true;
    write(text, () => {
      if (mine !== generation) return;
      writing = false;
      flush();
    });
  };
  return {
    push(text) {
      if (disposed || text === "") return;
      pending += text;
      if (writing || scheduled) return;
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        if (!writing) flush();
      });
    },
    discard() {
      pending = "";
      writing = false;
      generation++;
    },
    dispose() {
      disposed = true;
      pending = "";
      generation++;
    },
  };
}
