import { describe, expect, it } from "vitest";

import { describeInvisibleCharacter, findInvisibleCharacters } from "./invisible-characters.ts";

function where(text: string, multiline = false): string[] {
  return findInvisibleCharacters(text, { multiline }).map(describeInvisibleCharacter);
}

describe("findInvisibleCharacters", () => {
  it("finds nothing in ordinary text, accents, emoji sequences and inner spaces", () => {
    expect(where("Python 3.12 — GPU (NVIDIA T4)")).toEqual([]);
    expect(where("Données · 数据 · Ελληνικά")).toEqual([]);
    expect(where("👩‍💻 Data science ❤️")).toEqual([]);
    expect(where("a\u00a0b")).toEqual([]);
  });

  it("reports spaces at either end with their positions", () => {
    expect(where(" Python ")).toEqual([
      "space at the start (U+0020) at character 1",
      "space at the end (U+0020) at character 8",
    ]);
    expect(where("quay.io/x:1\u00a0")).toEqual(["space at the end (U+00A0) at character 12"]);
    expect(where("\t")).toEqual(["tab (U+0009) at character 1"]);
  });

  it("reports zero-width, bidi and control characters, counting code points", () => {
    expect(where("py\u200bthon")).toEqual(["zero-width space (U+200B) at character 3"]);
    expect(where("😀\u200b")).toEqual(["zero-width space (U+200B) at character 2"]);
    expect(where("admin\u202eexe.txt")).toEqual(["right-to-left override (U+202E) at character 6"]);
    expect(where("\ufeffimage")).toEqual([
      "zero-width no-break space (byte order mark) (U+FEFF) at character 1",
    ]);
    expect(where("a\u0000b\u001bc")).toEqual([
      "control character (U+0000) at character 2",
      "control character (U+001B) at character 4",
    ]);
    expect(where("a\u200db")).toEqual(["zero-width joiner (U+200D) at character 2"]);
    expect(where("x\u3164")).toEqual(["Hangul filler (U+3164) at character 2"]);
    expect(where("x\u{e0041}")).toEqual(["invisible character (U+E0041) at character 2"]);
  });

  it("reports unpaired surrogates", () => {
    expect(where("a\ud800b")).toEqual([
      "broken character (an unpaired surrogate) (U+D800) at character 2",
    ]);
  });

  it("allows line breaks only in multi-line text", () => {
    expect(where("one\ntwo", true)).toEqual([]);
    expect(where("one\r\ntwo", true)).toEqual([]);
    expect(where("one\ntwo")).toEqual(["line break (U+000A) at character 4"]);
    expect(where("one\rtwo", true)).toEqual(["control character (U+000D) at character 4"]);
  });
});
