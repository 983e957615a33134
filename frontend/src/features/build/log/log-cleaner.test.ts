import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanLogText, LogCleaner } from "./log-cleaner.ts";

const E = "\u001b";

/** What may remain: SGR sequences, and characters other than controls besides TAB, LF and CR. */
// eslint-disable-next-line no-control-regex -- the controls are what is checked
const ONLY_SAFE = /^(?:\u001b\[[0-9;:]*m|[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f])*$/;

describe("cleanLogText", () => {
  it.each([
    ["plain text, newlines, CR and tabs", "a\tb\r\nStep 1/3 : FROM x\rprogress 50%\n", null],
    [
      "colours and styles (SGR)",
      `${E}[1;31merror${E}[0m ${E}[38;5;208mo${E}[38:2::255:0:0mx${E}[m`,
      null,
    ],
    [
      "a screen clear and cursor home",
      `ok\n${E}[2J${E}[HBuild succeeded!\n`,
      "ok\nBuild succeeded!\n",
    ],
    ["scrollback clear, cursor up, erase line", `a${E}[3J${E}[5A${E}[2K${E}[1Gb`, "ab"],
    ["cursor save/restore and position", `${E}7${E}[10;20H${E}8x${E}[s${E}[u`, "x"],
    ["a full reset (RIS)", `before${E}cafter`, "beforeafter"],
    ["DECALN (fills the screen with E)", `${E}#8x`, "x"],
    ["charset designation and shift", `${E}(0lqk${E}(B\u000ex\u000f`, "lqkx"],
    ["OSC 0 window title, BEL-terminated", `${E}]0;pwned\u0007text`, "text"],
    ["OSC 2 title, ST-terminated", `${E}]2;pwned${E}\\text`, "text"],
    ["OSC 8 hyperlink", `${E}]8;;https://evil.example/${E}\\click${E}]8;;${E}\\`, "click"],
    ["OSC 52 clipboard write", `${E}]52;c;Y3VybCBldmlsIHwgc2g=\u0007after`, "after"],
    ["DCS (DECRQSS, sixel)", `${E}P$qm${E}\\${E}Pq#0;2;0;0;0~-${E}\\x`, "x"],
    ["APC, PM and SOS strings", `${E}_Gf=100;AAAA${E}\\${E}^pm${E}\\${E}Xsos${E}\\x`, "x"],
    ["an SGR with a private marker (xterm modifyOtherKeys)", `${E}[>4;2mx`, "x"],
    ["an SGR with an intermediate byte", `${E}[1 mx`, "x"],
    ["DECSET/DECRST (alternate screen, mouse)", `${E}[?1049h${E}[?1000hx${E}[?25l`, "x"],
    // xterm-terminal.ts relies on convertEol, which LNM reset (CSI 20 l) would turn off
    ["line feed/new line mode (LNM) set and reset", `a${E}[20l\nb${E}[20h`, "a\nb"],
    [
      "device status and attribute queries (answers would be typed)",
      `${E}[6n${E}[c${E}[>c${E}[21tx`,
      "x",
    ],
    [
      "lone ESCs: before another sequence, a newline, the end",
      `${E}${E}[1mx${E}\nb${E}`,
      `${E}[1mx\nb`,
    ],
    ["backspace, bell, vertical tab, form feed, DEL", "ab\bc\u0007\u000b\u000c\u007fd", "abcd"],
    ["8-bit C1 CSI, OSC and others", "\u009b2J\u009d0;t\u009cx\u0085\u008dy", "xy"],
    ["CAN and SUB cancel a sequence", `${E}[2\u0018J${E}]0;t\u001ax`, "Jx"],
    ["a CSI cut by a newline keeps the newline", `${E}[12\nnext`, "\nnext"],
    [
      "an unterminated OSC ends at the end of its line",
      `${E}]0;title...\nBuild failed\n`,
      "\nBuild failed\n",
    ],
    ["an SGR too long to be a colour", `${E}[${"1;".repeat(40)}mx`, "x"],
    ["an ESC inside an OSC starts a sequence of its own", `${E}]0;t${E}[31mred`, `${E}[31mred`],
  ])("%s", (_what, input, expected) => {
    const cleaned = cleanLogText(input);
    expect(cleaned).toBe(expected ?? input);
    expect(cleaned).toMatch(ONLY_SAFE);
  });

  it("keeps the real recorded build's text as it is, apart from cursor sequences", () => {
    // repo2docker pull progress: colour codes and `\r` redraws, which a log needs.
    const line = `${E}[32mPulling fs layer${E}[0m\r${E}[32mDownloading  12.3MB/40MB${E}[0m\n`;
    expect(cleanLogText(line)).toBe(line);
  });
});

/** Hostile pieces, mixed with text, in any order and cut anywhere. */
const fragment = fc.constantFrom(
  "text ",
  "\n",
  "\r",
  "\t",
  E,
  `${E}[`,
  `${E}[31m`,
  `${E}[2J`,
  `${E}[?1049h`,
  `${E}]0;x`,
  `${E}]8;;http://e/`,
  `${E}\\`,
  "\u0007",
  `${E}P`,
  `${E}_`,
  "\u009b",
  "\u009d",
  "\u009c",
  "\u0018",
  "\b",
  "1;2",
  "m",
  "H",
  "é",
  "😀",
);

describe("LogCleaner", () => {
  it("never lets anything but SGR, TAB, LF and CR through, whatever it is given", () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 40 }), (parts) => {
        expect(cleanLogText(parts.join(""))).toMatch(ONLY_SAFE);
      }),
    );
  });

  it("gives the same text when the log arrives in pieces, cut anywhere", () => {
    fc.assert(
      fc.property(
        fc.array(fragment, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (parts, cuts) => {
          const whole = parts.join("");
          const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort(
            (a, b) => a - b,
          );
          const cleaner = new LogCleaner();
          let pieces = "";
          let from = 0;
          for (const point of [...points, whole.length]) {
            pieces += cleaner.push(whole.slice(from, point));
            from = point;
          }
          expect(pieces).toBe(cleanLogText(whole));
        },
      ),
    );
  });

  it("holds a colour split across two events until it is complete", () => {
    const cleaner = new LogCleaner();
    expect(cleaner.push(`a${E}[3`)).toBe("a");
    expect(cleaner.push("1mred")).toBe(`${E}[31mred`);
  });

  it("drops an OSC split across events up to its terminator", () => {
    const cleaner = new LogCleaner();
    expect(cleaner.push(`a${E}]52;c;AAAA`)).toBe("a");
    expect(cleaner.push("BBBB\u0007b")).toBe("b");
  });
});
