/**
 * Collects log text and hands it to the terminal once per animation frame, so thousands of
 * events per second cost one terminal write per frame instead of one per event.
 */
export interface FrameScheduler {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

export const animationFrames: FrameScheduler = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
};

export interface FrameBatcher {
  push(text: string): void;
  /** Drops whatever is pending (a new build clears the terminal). */
  discard(): void;
  dispose(): void;
}

export function createFrameBatcher(
  flush: (text: string) => void,
  scheduler: FrameScheduler = animationFrames,
): FrameBatcher {
  let pending: string[] = [];
  let handle: number | null = null;
  const run = () => {
    handle = null;
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    flush(text);
  };
  return {
    push(text) {
      if (text === "") return;
      pending.push(text);
      handle ??= scheduler.request(run);
    },
    discard() {
      pending = [];
    },
    dispose() {
      if (handle !== null) scheduler.cancel(handle);
      handle = null;
      pending = [];
    },
  };
}

/**
 * A terminal moves down a line only on `\r\n`; BinderHub's messages end lines with `\n`, and use
 * a lone `\r` to redraw a progress line, which must stay as it is.
 */
export function toTerminalText(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}
