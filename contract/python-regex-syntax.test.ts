import { execFileSync } from "node:child_process";

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { checkPythonRegex, MAX_DEPTH } from "./python-regex.ts";

interface Verdict {
  /** null: compiles. */
  error: { message: string; position: number | null; kind: string } | null;
}

/**
 * The oracle: the machine's own CPython `re.compile`, with warnings as errors (a FutureWarning
 * or DeprecationWarning means the pattern changes meaning or stops working in a newer Python, and
 * the checker refuses those). `re.purge()` first, because the pattern cache skips the warnings.
 */
function python(patterns: readonly string[]): Verdict[] {
  const script = String.raw`
import json, re, sys, warnings
out = []
for pattern in json.load(sys.stdin):
    re.purge()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            re.compile(pattern)
        out.append({"error": None})
    except re.error as e:
        out.append({"error": {"message": e.msg, "position": e.pos, "kind": "re.error"}})
    except Warning as w:
        out.append({"error": {"message": str(w), "position": None, "kind": type(w).__name__}})
    except (OverflowError, ValueError, RecursionError) as e:
        out.append({"error": {"message": str(e), "position": None, "kind": type(e).__name__}})
json.dump(out, sys.stdout)
`;
  const output = execFileSync("python3", ["-c", script], {
    input: JSON.stringify(patterns),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output) as Verdict[];
}

/** Messages the checker words itself: Python's are warnings or have no position. */
function pythonWordsIt(verdict: Verdict): boolean {
  return verdict.error?.kind === "re.error" && verdict.error.position !== null;
}

const TABLE = [
  // compiles
  "^quay\\.io/jupyter/.+:.+$",
  "(?P<reg>quay|ghcr)\\.io/(?P=reg)",
  "\\Apangeo/.*\\Z",
  "(?i)quay\\.io/",
  "(?x) a # comment",
  "(?x)(?i) a",
  "(?#c)(?i)a",
  "a{,3}",
  "a{3",
  "a{}",
  "x{a}",
  "(?>a)+",
  "a++",
  "a*?",
  "[]a]",
  "[^]]",
  "[a-]",
  "[\\d]",
  "[\\b]",
  "\\b",
  "(a)(?(1)a|b)",
  "(?P<n>a)(?(n)a)",
  "(?<=ab)c",
  "(?<!a|b)c",
  "(?<=(a))\\1",
  "(?=a)*",
  "(?:a*)*",
  "(?:^)*",
  "()*",
  "\\0\\01\\012",
  "\\x41\\u0041\\U00000041",
  "(?i:a)(?-i:b)(?s-i:c)",
  "(?a)\\w",
  "[\\u0041-\\u005a]",
  "\\1",
  "(a)\\1\\10",
  "(a)\\11",
  "x\\\\A",
  "é+",
  "😀+[😀-😎]",
  "(?P<é>x)",
  "$",
  "a|",
  "|a",
  "(?u)a",
  "[a-z--]",
  // refused
  "(?<n>a)",
  "a**",
  "a{2}{3}",
  "a*??",
  "\\q",
  "a(?i)b",
  "a|(?i)b",
  "[z-a]",
  "(?<=a+)b",
  "(?<=a|bc)d",
  "a{2,1}",
  "(?P<1>a)",
  "\\1(a)",
  "(a)\\2",
  "(a\\1)",
  "\\u12",
  "\\x4",
  "\\U00110000",
  "[]",
  "[",
  "[a",
  "[\\d-z]",
  "[a-\\w]",
  "[\\Z]",
  "(?P<a>x)(?P<a>y)",
  "(?(1)a|b)",
  "(?(2)a|b)(b)",
  "(?(0)a)",
  "(?(-1)a)",
  "(?(x)a)",
  "(a)(?(1)a|b|c)",
  "(?L)a",
  "(?au)a",
  "(?a)(?u)a",
  "(?-a:b)",
  "(?i-i:a)",
  "(?z)",
  "(?i",
  "(?",
  "(?P",
  "(?Px)",
  "(?P=x)",
  "(?P<x>(?P=x))",
  "(?P<",
  "(?P<>a)",
  "(?P<x",
  "(?<x",
  "(?#unterminated",
  "(a",
  "a)",
  "())",
  "*",
  "+a",
  "?",
  "{3}",
  "^*",
  "\\b*",
  "(?i)*",
  "a{99999999999}",
  "a{4294967295}",
  "\\",
  "a\\",
  "[\\",
  "\\400",
  "[\\400]",
  "\\8",
  "[\\8]",
  "(?<=\\1)(a)",
  "(?x)a{1, 2}",
  "[[a]",
  "[a&&b]",
  "[a||b]",
  "[a~~b]",
  "[a-b--c]",
  "\\N{DIGIT ONE}",
];

describe("checkPythonRegex agrees with CPython's re.compile", () => {
  it("on a table of patterns admins write and patterns that go wrong", () => {
    const verdicts = python(TABLE);
    const mismatches = TABLE.flatMap((pattern, index) => {
      const verdict = verdicts[index] as Verdict;
      const ours = checkPythonRegex(pattern).problem;
      if (pattern.startsWith("\\N{")) return ours ? [] : [{ pattern, verdict, ours }];
      if ((ours === null) !== (verdict.error === null)) return [{ pattern, verdict, ours }];
      if (ours && pythonWordsIt(verdict)) {
        if (ours.message !== verdict.error?.message || ours.position !== verdict.error.position)
          return [{ pattern, verdict, ours }];
      }
      return [];
    });
    expect(mismatches).toEqual([]);
  });

  it("on random patterns over the characters that matter", () => {
    const alphabet = [
      ..."()[]{}|*+?.^$\\-:,=!<>#PLaiumsx01239AZbBdDswWnNuUx'é ",
      "(?",
      "(?P<",
      "(?P=",
      "(?<",
      "(?(",
      "\\x4",
      "{2,3}",
    ];
    const patterns = fc.sample(
      fc.array(fc.constantFrom(...alphabet), { maxLength: 14 }).map((parts) => parts.join("")),
      { numRuns: 4000, seed: 13 },
    );
    const verdicts = python(patterns);
    const mismatches = patterns.flatMap((pattern, index) => {
      const verdict = verdicts[index] as Verdict;
      const ours = checkPythonRegex(pattern).problem;
      const agree = pattern.includes("\\N")
        ? ours !== null || verdict.error === null
        : (ours === null) === (verdict.error === null) &&
          (!ours ||
            !pythonWordsIt(verdict) ||
            (ours.message === verdict.error?.message && ours.position === verdict.error.position));
      return agree ? [] : [{ pattern, python: verdict.error, ours }];
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});

describe("checkPythonRegex's own refusals and warnings", () => {
  it("refuses \\N{…}, which it cannot check, and says what to write instead", () => {
    expect(checkPythonRegex("a\\N{EM DASH}").problem).toEqual({
      message: expect.stringContaining("\\uXXXX"),
      position: 1,
    });
  });

  it(`refuses groups nested deeper than ${MAX_DEPTH}`, () => {
    const deep = "(".repeat(MAX_DEPTH + 1) + ")".repeat(MAX_DEPTH + 1);
    expect(checkPythonRegex(deep).problem?.position).toBe(MAX_DEPTH);
    expect(checkPythonRegex("(".repeat(MAX_DEPTH) + ")".repeat(MAX_DEPTH)).problem).toBeNull();
  });

  it("points at an unbounded repeat of something that already repeats", () => {
    expect(checkPythonRegex("^(a+)+$").nestedRepeat).toEqual({ position: 5 });
    expect(checkPythonRegex("(?:x*y)*").nestedRepeat).toEqual({ position: 7 });
    expect(checkPythonRegex("^quay\\.io/[a-z]+/[a-z-]+:.+$").nestedRepeat).toBeNull();
    expect(checkPythonRegex("(a{2})+").nestedRepeat).toBeNull();
    expect(checkPythonRegex("(a+){2}").nestedRepeat).toBeNull();
  });
});
