/**
 * The log terminal. This module is only ever loaded with `import()` when the first build starts,
 * so xterm, its fit addon and its CSS stay out of the spawn page's initial bundle.
 */
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import css from "@xterm/xterm/css/xterm.css?inline";
import { injectStyle } from "../../../lib/inject-style.ts";

export interface LogTerminal {
  write(text: string, done: () => void): void;
  clear(): void;
  scrollToBottom(): void;
  /** Called with (viewportY, baseY) whenever the viewport moves. */
  onViewportChange(listener: (viewportY: number, baseY: number) => void): () => void;
  fit(): void;
  dispose(): void;
}

const STYLE_ID = "launchpad-xterm-styles";

export function createLogTerminal(host: HTMLElement): LogTerminal {
  injectStyle(host, STYLE_ID, css);
  const terminal = new Terminal({
    disableStdin: true,
    cursorBlink: false,
    cursorInactiveStyle: "none",
    // BinderHub's messages end lines with "\n" alone: xterm then moves to column 0 itself
    // (`lineFeed`, @xterm/xterm 6.0.0 src/common/InputHandler.ts lines 714-719),
    // so no copy of the log is rewritten to "\r\n". A lone "\r" still redraws a progress line.
    // The log cleaner drops `CSI 20 l`, the one sequence that would turn this off.
    convertEol: true,
    // The full log stays available through copy and download; this bounds memory.
    scrollback: 60_000,
    fontSize: 13,
    theme: { background: "#1e1e1e" },
  });
  const fitAddon = new FitAddon();
  terminal.loadAddon(fitAddon);
  terminal.open(host);
  fitAddon.fit();
  return {
    write: (text, done) => terminal.write(text, done),
    clear: () => terminal.reset(),
    scrollToBottom: () => terminal.scrollToBottom(),
    onViewportChange(listener) {
      const subscription = terminal.onScroll(() => {
        const buffer = terminal.buffer.active;
        listener(buffer.viewportY, buffer.baseY);
      });
      return () => subscription.dispose();
    },
    fit: () => fitAddon.fit(),
    dispose: () => terminal.dispose(),
  };
}
