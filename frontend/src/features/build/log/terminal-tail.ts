/**
 * The part of a write the terminal would still hold afterwards. A terminal keeps its rows and
 * `scrollback` lines above them; of a 50,000-line replay written at once, xterm would parse every
 * line only to drop all but the last few thousand, and the parse is what a long log costs. So the
 * write is cut to its last lines, with what the dropped part leaves behind put in front of them,
 * and the terminal ends in the same state as if it had parsed it all: the same cells, colours,
 * wrapped lines and cursor (terminal-tail.test.ts checks that against xterm itself).
 *
 * - Lines kept: twice the rows, plus the scrollback, plus one. A line feed that scrolls a row in
 *   fills it with the current background colour (the erase attribute, @xterm/xterm 6.0.0
 *   src/common/services/BufferService.ts lines 64-72), while the rows a fresh terminal starts with
 *   were never scrolled in. The first screenful of the kept text must therefore scroll out too:
 *   the extra rows, and one for the line the cursor ends on.
 * - Text reaching the terminal has passed the log cleaner (log-cleaner.ts): text, tab, line feed,
 *   carriage return and SGR (`CSI … m`). After a line feed (which returns to column 0,
 *   `convertEol`), the only state a dropped line leaves is SGR's: the colours and styles. Every
 *   SGR from the dropped part's last full reset on is put in front; a reset is an SGR whose first
 *   parameter is 0 or empty (xterm's `charAttributes`, src/common/InputHandler.ts lines 2510-2539:
 *   0 resets; a CSI's parameters start as a 0, src/common/parser/EscapeSequenceParser.ts line 595).
 *   An SGR that resets later in its parameters (`1;0`) is no cut point: replaying from further
 *   back ends in the same state.
 */

export interface TerminalSize {
  rows: number;
  scrollback: number;
}

/** An SGR sequence as the log cleaner lets it through; its parameters in group 1. */
// eslint-disable-next-line no-control-regex -- ESC is what the sequence starts with
const SGR = /\u001b\[([0-9:;]*)m/g;
/** SGR parameters that start with a full reset: empty, or 0 as the first parameter. */
const RESETS = /^0*(?:;|$)/;

export function terminalTail(text: string, size: TerminalSize): string {
  const keep = 2 * size.rows + size.scrollback + 1;
  // Find the line feed before the last `keep` ones: what follows it is kept.
  let cut = text.length;
  for (let found = 0; found <= keep; found++) {
    if (cut === 0) return text;
    cut = text.lastIndexOf("\n", cut - 1);
    if (cut === -1) return text;
  }
  return attributesBefore(text, cut) + text.slice(cut + 1);
}

/** The SGR sequences in `text` before `end` that together give the attributes in effect there. */
function attributesBefore(text: string, end: number): string {
  const found: string[] = [];
  SGR.lastIndex = 0;
  for (let match = SGR.exec(text); match !== null && match.index < end; match = SGR.exec(text)) {
    if (RESETS.test(match[1]!)) found.length = 0;
    found.push(match[0]);
  }
  return found.join("");
}
