/**
 * A stand-in for the xterm module in jsdom (which has no canvas or layout): records what the log
 * view writes, and lets a test move the viewport like a user scrolling.
 */
import type { LoadTerminal } from "../components/build-log.tsx";
import type { LogTerminal } from "../log/xterm-terminal.ts";

export class FakeTerminal implements LogTerminal {
  writes: string[] = [];
  clears = 0;
  scrolledToBottom = 0;
  disposed = false;
  private listeners = new Set<(viewportY: number, baseY: number) => void>();

  /** Set: writes finish only on `finishWrites()`, as a terminal busy parsing a large write. */
  holdWrites = false;
  private held: (() => void)[] = [];

  write(text: string, done: () => void): void {
    this.writes.push(text);
    if (this.holdWrites) this.held.push(done);
    else done();
  }
  finishWrites(): void {
    for (const done of this.held.splice(0)) done();
  }
  /** A reset terminal shows nothing of what was written before. */
  clear(): void {
    this.clears += 1;
    this.writes = [];
  }
  scrollToBottom(): void {
    this.scrolledToBottom += 1;
  }
  onViewportChange(listener: (viewportY: number, baseY: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  fit(): void {}
  dispose(): void {
    this.disposed = true;
  }
  /** As if the user scrolled the viewport to `viewportY` with `baseY` lines above the last page. */
  scrollTo(viewportY: number, baseY: number): void {
    for (const listener of this.listeners) listener(viewportY, baseY);
  }
  get text(): string {
    return this.writes.join("");
  }
}

export function fakeTerminalLoader(): { load: LoadTerminal; terminals: FakeTerminal[] } {
  const terminals: FakeTerminal[] = [];
  return {
    terminals,
    load: () =>
      Promise.resolve({
        createLogTerminal: () => {
          const terminal = new FakeTerminal();
          terminals.push(terminal);
          return terminal;
        },
      }),
  };
}
