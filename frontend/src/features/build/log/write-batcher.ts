/**
 * Hands log text to the terminal with at most one write in flight: text pushed while the terminal
 * is still parsing the previous write waits, and goes as one write when that write's callback
 * says it has been parsed (xterm's flow control, https://xtermjs.org/docs/guides/flowcontrol/).
 * Thousands of events a second so cost a few large writes, and the first text of a build goes at
 * once, without waiting for an animation frame (xterm renders per frame itself).
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
      if (!writing) flush();
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
