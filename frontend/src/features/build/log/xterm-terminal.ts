/**
 * The log terminal. This module is only ever loaded with `import()` when the first build starts,
 * so xterm, its fit addon and its CSS stay out of the spawn page's initial bundle.
 *
 * Two things keep a long log cheap to show:
 *
 * - Each write is cut to what the terminal keeps (terminal-tail.ts): of a 50,000-line replay,
 *   xterm parses the last `TERMINAL_SCROLLBACK` lines and the screen, not lines it would drop.
 * - The terminal is opened (attached to the page) only once its first write has been parsed.
 *   An open terminal's viewport re-measures its scroll area on every line a write scrolls
 *   (@xterm/xterm 6.0.0 src/browser/Viewport.ts line 103 subscribes `_sync`, lines 150-174),
 *   which made up a third of the time a long replay took; before `open` there is no viewport,
 *   and it is sized once, when it opens. To parse the first write at the size it is shown at,
 *   the terminal is created with the columns and rows a short-lived probe terminal fits in the
 *   host.
 */
import { FitAddon } from "@xterm/addon-fit";
import { Terminal, type ITerminalOptions } from "@xterm/xterm";
import css from "@xterm/xterm/css/xterm.css?inline";
import { injectStyle } from "../../../lib/inject-style.ts";
import { TERMINAL_SCROLLBACK } from "./terminal-size.ts";
import { terminalTail } from "./terminal-tail.ts";

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

/**
 * What the probe and the real terminal share: the cell size depends on the font, and the fit
 * addon leaves room for the scroll bar only when there is scrollback (@xterm/addon-fit 0.11.0
 * src/FitAddon.ts lines 68-70, in `proposeDimensions`).
 */
const LOOKS: ITerminalOptions = {
  fontSize: 13,
  theme: { background: "#1e1e1e" },
  scrollback: TERMINAL_SCROLLBACK,
};

/** Columns and rows of the host, as the fit addon measures them in an open terminal. */
function fittedSize(host: HTMLElement): { cols: number; rows: number } | undefined {
  const probe = new Terminal({ ...LOOKS, disableStdin: true });
  const fit = new FitAddon();
  probe.loadAddon(fit);
  try {
    probe.open(host);
    return fit.proposeDimensions();
  } finally {
    // Removes its element from the host (CoreBrowserTerminal.ts line 179).
    probe.dispose();
  }
}

export function createLogTerminal(host: HTMLElement): LogTerminal {
  injectStyle(host, STYLE_ID, css);
  const size = fittedSize(host);
  const terminal = new Terminal({
    ...LOOKS,
    // A host not laid out yet (hidden) proposes nothing, or NaN: xterm's own 80 × 24, refitted on open.
    ...(size && size.cols > 0 && size.rows > 0 ? { cols: size.cols, rows: size.rows } : {}),
    disableStdin: true,
    cursorBlink: false,
    cursorInactiveStyle: "none",
    // BinderHub's messages end lines with "\n" alone: xterm then moves to column 0 itself
    // (`lineFeed`, @xterm/xterm 6.0.0 src/common/InputHandler.ts lines 714-719),
    // so no copy of the log is rewritten to "\r\n". A lone "\r" still redraws a progress line.
    // The log cleaner drops `CSI 20 l`, the one sequence that would turn this off.
    convertEol: true,
  });
  const fitAddon = new FitAddon();
  terminal.loadAddon(fitAddon);
  let opened = false;
  let disposed = false;
  const open = () => {
    if (opened || disposed) return;
    opened = true;
    terminal.open(host);
    fitAddon.fit();
  };
  return {
    write(text, done) {
      const tail = terminalTail(text, { rows: terminal.rows, scrollback: TERMINAL_SCROLLBACK });
      terminal.write(tail, () => {
        done();
        open();
      });
    },
    clear: () => terminal.reset(),
    scrollToBottom: () => terminal.scrollToBottom(),
    onViewportChange(listener) {
      const subscription = terminal.onScroll(() => {
        const buffer = terminal.buffer.active;
        listener(buffer.viewportY, buffer.baseY);
      });
      return () => subscription.dispose();
    },
    fit: () => {
      if (opened) fitAddon.fit();
    },
    dispose: () => {
      disposed = true;
      terminal.dispose();
    },
  };
}
