/**
 * terminalTail against xterm itself: the same text written whole into one @xterm/headless
 * terminal and cut into another must leave both in the same state — every cell's character,
 * width, colours and styles, every line's wrap flag, the buffer's length and scroll position, the
 * cursor, and the attributes the next text is written with.
 */
import { Terminal } from "@xterm/headless";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { terminalTail } from "./terminal-tail.ts";

interface Shape {
  cols: number;
  rows: number;
  scrollback: number;
}

function write(text: string, shape: Shape): Promise<Terminal> {
  const terminal = new Terminal({ ...shape, convertEol: true, allowProposedApi: true });
  return new Promise((resolve) => terminal.write(text, () => resolve(terminal)));
}

function cellsOf(terminal: Terminal) {
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y)!;
    const cells: string[] = [line.isWrapped ? "wrapped" : "line"];
    for (let x = 0; x < terminal.cols; x++) {
      const c = line.getCell(x)!;
      cells.push(
        [
          JSON.stringify(c.getChars()),
          c.getWidth(),
          c.getFgColorMode(),
          c.getFgColor(),
          c.getBgColorMode(),
          c.getBgColor(),
          c.isBold(),
          c.isItalic(),
          c.isDim(),
          c.isUnderline(),
          c.isBlink(),
          c.isInverse(),
          c.isInvisible(),
          c.isStrikethrough(),
          c.isOverline(),
        ].join(","),
      );
    }
    lines.push(cells.join(" "));
  }
  return {
    length: buffer.length,
    baseY: buffer.baseY,
    viewportY: buffer.viewportY,
    cursorX: buffer.cursorX,
    cursorY: buffer.cursorY,
    lines,
  };
}

/** The state after `text`, and after more text written with the attributes it left. */
async function stateAfter(text: string, shape: Shape) {
  const terminal = await write(text, shape);
  const after = cellsOf(terminal);
  await new Promise<void>((resolve) => terminal.write("X\nY", resolve));
  const next = cellsOf(terminal);
  terminal.dispose();
  return { after, next };
}

async function expectSameState(text: string, shape: Shape): Promise<string> {
  const tail = terminalTail(text, shape);
  expect(await stateAfter(tail, shape)).toEqual(await stateAfter(text, shape));
  return tail;
}

const SMALL: Shape = { cols: 12, rows: 3, scrollback: 4 };
/** 2 × 3 rows + 4 + 1: the line feeds a cut keeps. */
const KEPT = 11;
const lines = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `line ${i + from}\n`).join("");

describe("terminalTail", () => {
  it("leaves text with no more line feeds than it keeps as it is", async () => {
    const text = lines(KEPT);
    expect(await expectSameState(text, SMALL)).toBe(text);
    expect(terminalTail("", SMALL)).toBe("");
    expect(terminalTail("\n".repeat(KEPT), SMALL)).toBe("\n".repeat(KEPT));
  });

  it("cuts the first line of text with one line feed more", async () => {
    expect(await expectSameState(lines(KEPT + 1), SMALL)).toBe(lines(KEPT, 1));
  });

  it("keeps the last lines of a long text, with or without a line after the last line feed", async () => {
    expect(await expectSameState(lines(1000), SMALL)).toBe(lines(KEPT, 1000 - KEPT));
    expect(await expectSameState(`${lines(1000)}Fetching…`, SMALL)).toBe(
      `${lines(KEPT, 1000 - KEPT)}Fetching…`,
    );
    expect(terminalTail("\n".repeat(100), SMALL)).toBe("\n".repeat(KEPT));
  });

  it("puts a colour set before the cut in front of what it keeps", async () => {
    const text = `\u001b[1;31m${lines(50)}\u001b[32mgreen\n${lines(50)}`;
    expect(await expectSameState(text, SMALL)).toBe(
      `\u001b[1;31m\u001b[32m${lines(KEPT, 50 - KEPT)}`,
    );
  });

  it("starts from the last full reset before the cut: ESC[0m, ESC[m, ESC[;1m, ESC[00;4m", async () => {
    for (const reset of ["\u001b[0m", "\u001b[m", "\u001b[;1m", "\u001b[00;4m"]) {
      const text = `\u001b[7;33m${lines(20)}${reset}\u001b[3m${lines(50)}`;
      const tail = await expectSameState(text, SMALL);
      expect(tail.startsWith(`${reset}\u001b[3mline`)).toBe(true);
    }
  });

  it("keeps the colours before an SGR that resets only later in its parameters", async () => {
    const text = `\u001b[4m\u001b[1;0;35m${lines(50)}`;
    expect((await expectSameState(text, SMALL)).startsWith("\u001b[4m\u001b[1;0;35mline")).toBe(
      true,
    );
  });

  it("keeps the attributes 256-colour and true-colour sequences set, with their colon forms", async () => {
    const text = `\u001b[38;5;196m\u001b[48;2;10;20;30m${lines(30)}\u001b[38:2::1:2:3m\u001b[4:3m${lines(30)}`;
    await expectSameState(text, SMALL);
  });

  it("fills the rows it scrolls in with the background colour set before the cut", async () => {
    const text = `\u001b[44m${lines(40)}\u001b[49m${lines(3)}\u001b[45m${lines(40)}`;
    await expectSameState(text, SMALL);
    await expectSameState(`\u001b[41m${"\n".repeat(60)}`, SMALL);
  });

  it("cuts only at line feeds, so lines that wrap and progress lines redrawn with \\r come out whole", async () => {
    const long = "a wrapped line, longer than twelve columns, by far";
    const progress = Array.from({ length: 20 }, (_, i) => `\r${i * 5}% done`).join("");
    await expectSameState(`${`${long}\n`.repeat(30)}${long}`, SMALL);
    await expectSameState(`${lines(30)}${progress}\n${lines(3)}${progress}`, SMALL);
    await expectSameState(`${`${progress}\n`.repeat(30)}`, SMALL);
  });

  it("is the same whatever the terminal's size, scrollback 0 included", async () => {
    const text = `\u001b[32m${lines(300)}\u001b[0m\u001b[43mend`;
    for (const shape of [
      { cols: 80, rows: 24, scrollback: 100 },
      { cols: 5, rows: 1, scrollback: 0 },
      { cols: 20, rows: 10, scrollback: 0 },
    ])
      await expectSameState(text, shape);
  });
});

describe("terminalTail, on random logs", () => {
  const word = fc.stringMatching(/^[a-z0-9 .:…é漢]{1,8}$/);
  const sgrParam = fc.oneof(
    fc.constantFrom(
      "",
      "0",
      "00",
      "1",
      "2",
      "3",
      "4",
      "7",
      "9",
      "22",
      "24",
      "27",
      "39",
      "49",
      "53",
    ),
    fc.integer({ min: 30, max: 37 }).map(String),
    fc.integer({ min: 40, max: 47 }).map(String),
    fc.integer({ min: 90, max: 107 }).map(String),
    fc.integer({ min: 0, max: 255 }).map((n) => `38;5;${n}`),
    fc.integer({ min: 0, max: 255 }).map((n) => `48;5;${n}`),
    fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([r, g, b]) => `48;2;${r};${g};${b}`),
  );
  const token = fc.oneof(
    { weight: 6, arbitrary: word },
    { weight: 5, arbitrary: fc.constant("\n") },
    { weight: 1, arbitrary: fc.constant("\r") },
    { weight: 1, arbitrary: fc.constant("\t") },
    {
      weight: 2,
      arbitrary: fc
        .array(sgrParam, { minLength: 1, maxLength: 3 })
        .map((p) => `\u001b[${p.join(";")}m`),
    },
    { weight: 1, arbitrary: fc.constant("a line longer than the terminal is wide, to wrap") },
  );
  const shape = fc.record({
    cols: fc.integer({ min: 5, max: 20 }),
    rows: fc.integer({ min: 1, max: 6 }),
    scrollback: fc.integer({ min: 0, max: 20 }),
  });

  it("leave xterm in the same state cut as whole, and are cut in most runs", async () => {
    let cut = 0;
    const runs = 300;
    await fc.assert(
      fc.asyncProperty(
        fc.array(token, { minLength: 30, maxLength: 300, size: "max" }),
        shape,
        async (tokens, size) => {
          const text = tokens.join("");
          const tail = terminalTail(text, size);
          if (tail.length < text.length) cut++;
          expect(await stateAfter(tail, size)).toEqual(await stateAfter(text, size));
        },
      ),
      { numRuns: runs },
    );
    // The property says something only where the text was cut.
    expect(cut).toBeGreaterThan(runs / 2);
  });
});
