/**
 * compilePythonRegex against CPython's own `re`: a long-lived Python process answers batches of
 * (pattern, values) over stdin/stdout, so thousands of generated cases run in seconds. Wherever the
 * TypeScript side claims exactness (a boolean from `test`), Python must agree. Whether a pattern
 * compiles at all is python-regex-syntax.test.ts's subject.
 *
 * Python is the e2e venv's (scripts/setup-e2e.sh), else `python3`; LAUNCHPAD_TEST_PYTHON picks
 * another (e.g. a 3.9 or 3.13 build, to check the claims hold across the versions hubs run).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePythonRegex, pythonReMatch, type PythonRegex } from "./python-regex.ts";

const ROOT = join(import.meta.dirname, "..");

function pythonExecutable(): string {
  const chosen = process.env.LAUNCHPAD_TEST_PYTHON;
  if (chosen) return chosen;
  const venv = join(ROOT, ".cache/venv-jh5/bin/python");
  return existsSync(venv) ? venv : "python3";
}

/** Python's time for one request; a generated pattern can backtrack for ever on a value. */
const PYTHON_SECONDS = 2;

/**
 * Says its version, then answers one JSON request per line: {"p": pattern, "v": [values]} →
 * {"m": [bool…]}, {"error": "…"} when the pattern does not compile, or {"slow": seconds} when the
 * matches took longer than PYTHON_SECONDS. re's matcher checks for signals as it backtracks
 * (CPython Modules/_sre/sre_lib.h, SRE_ERROR_INTERRUPTED), so a timer's signal stops it.
 */
const SERVER = String.raw`
import json, re, signal, sys, warnings
warnings.simplefilter("ignore")
class Slow(Exception):
    pass
def too_slow(signum, frame):
    raise Slow()
signal.signal(signal.SIGALRM, too_slow)
print(json.dumps({"version": sys.version.split()[0]}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    try:
        compiled = re.compile(request["p"])
    except Exception as error:
        answer = {"error": type(error).__name__ + ": " + str(error)}
    else:
        signal.setitimer(signal.ITIMER_REAL, ${PYTHON_SECONDS})
        try:
            answer = {"m": [compiled.match(value) is not None for value in request["v"]]}
        except Slow:
            answer = {"slow": ${PYTHON_SECONDS}}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    print(json.dumps(answer), flush=True)
`;

type PythonAnswer = { m: boolean[] } | { error: string } | { slow: number };

class PythonRe {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  private readonly fail: (error: Error) => void;
  readonly version: Promise<string>;

  constructor(executable: string) {
    this.child = spawn(executable, ["-X", "utf8", "-c", SERVER], { stdio: "pipe" });
    let stderr = "";
    this.child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
    };
    this.fail = fail;
    this.child.on("error", fail);
    // Writes to a process that has gone fail here, not as an uncaught EPIPE.
    this.child.stdin.on("error", fail);
    this.child.on("exit", (code) => fail(new Error(`${executable} exited (${code}): ${stderr}`)));
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      this.waiting.shift()?.resolve(line);
    });
    this.version = this.next().then((line) => (JSON.parse(line) as { version: string }).version);
  }

  private next(): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.waiting.push({ resolve, reject });
    });
  }

  /**
   * Python's answer. Should none come well after the time limit (a match that does not see the
   * timer's signal), the process is ended: every later question fails at once with this reason
   * instead of each test waiting out its own timeout.
   */
  async ask(pattern: string, values: readonly string[]): Promise<PythonAnswer> {
    const answer = this.next();
    this.child.stdin.write(`${JSON.stringify({ p: pattern, v: values })}\n`);
    const silent = setTimeout(() => {
      this.fail(
        new Error(
          `Python gave no answer in ${5 * PYTHON_SECONDS} s for ${JSON.stringify(pattern)}`,
        ),
      );
      this.child.kill("SIGKILL");
    }, 5_000 * PYTHON_SECONDS);
    try {
      return JSON.parse(await answer) as PythonAnswer;
    } finally {
      clearTimeout(silent);
    }
  }

  /**
   * Ends the process and resolves once it has exited: end of input stops its loop, and a process
   * still busy after a second (a pattern that backtracks for ever) is killed, so none outlives the file.
   */
  close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    const kill = setTimeout(() => this.child.kill("SIGKILL"), 1000);
    this.child.stdin.end();
    return exited.finally(() => clearTimeout(kill));
  }
}

let python: PythonRe;
beforeAll(async () => {
  python = new PythonRe(pythonExecutable());
  // Fails here, not in every test, when there is no Python at all.
  expect(await python.version).toMatch(/^3\.\d+/);
});
afterAll(() => python.close());

/** Where the two sides disagree although TypeScript claims to know; empty when they agree. */
function disagreements(
  pattern: string,
  values: readonly string[],
  compiled: PythonRegex,
  answer: PythonAnswer,
): string[] {
  const problems: string[] = [];
  if ("slow" in answer) return [`${JSON.stringify(pattern)}: Python took over ${answer.slow} s`];
  if (compiled.exact) {
    if ("error" in answer)
      return [`${JSON.stringify(pattern)}: exact here, but Python refuses it (${answer.error})`];
    values.forEach((value, i) => {
      const here = compiled.test(value);
      if (here !== null && here !== answer.m[i])
        problems.push(
          `re.match(${JSON.stringify(pattern)}, ${JSON.stringify(value)}): Python ${answer.m[i]}, here ${here}`,
        );
    });
  }
  return problems;
}

async function check(pattern: string, values: readonly string[]): Promise<PythonRegex> {
  const compiled = compilePythonRegex(pattern);
  expect(disagreements(pattern, values, compiled, await python.ask(pattern, values))).toEqual([]);
  return compiled;
}

/** Generated patterns Python took too long to match (see PYTHON_SECONDS). */
const slowPatterns: string[] = [];
/** At most this share of a property's runs may go unanswered (and so unchecked). */
const MAX_SLOW_SHARE = 0.01;

/**
 * check() for a generated pattern, or null when Python took too long. A generated pattern can
 * backtrack for ever on a generated value (nested repeats): there is then nothing to compare, and
 * trying the value here would hold up the rest of the file just as long.
 */
async function checkGenerated(pattern: string, values: readonly string[]) {
  const answer = await python.ask(pattern, values);
  if ("slow" in answer) {
    slowPatterns.push(pattern);
    return null;
  }
  const compiled = compilePythonRegex(pattern);
  expect(disagreements(pattern, values, compiled, answer)).toEqual([]);
  return compiled;
}

/** Runs a property of checkGenerated over runs cases; few of them may go unanswered. */
async function assertGenerated(
  cases: fc.Arbitrary<[string, string[]]>,
  runs: number,
  onChecked: (compiled: PythonRegex, values: readonly string[]) => void,
): Promise<void> {
  const slowBefore = slowPatterns.length;
  await fc.assert(
    fc.asyncProperty(cases, async ([text, values]) => {
      const compiled = await checkGenerated(text, values);
      if (compiled) onChecked(compiled, values);
    }),
    { numRuns: runs },
  );
  const slow = slowPatterns.slice(slowBefore);
  expect(slow.length, `unanswered in time: ${slow.join(", ")}`).toBeLessThanOrEqual(
    runs * MAX_SLOW_SHARE,
  );
}

// --- generated patterns ------------------------------------------------------------------------

/** Characters where Python and JS regexes are known to differ, plus ordinary ones. */
const CHARS = [
  ..."aAbBkKsSzZ_09-.,:/@ ",
  "\n",
  "\r",
  "\t",
  "\v",
  "\f",
  "\x1c",
  "\x1f",
  "\x85",
  "\xa0",
  "\u2028",
  "\u2029",
  "\u3000",
  "\ufeff",
  "é",
  "É",
  "ß",
  "ſ", // long s: folds to s
  "ı", // dotless i
  "İ", // dotted capital I
  "\u212a", // Kelvin sign: folds to k
  "µ",
  "μ",
  "ǅ",
  "٣", // Arabic-Indic digit three (Nd)
  "²", // superscript two (No)
  "Ⅻ", // Roman numeral (Nl)
  "\u0345",
  "中",
  "\u{1d7d8}", // mathematical double-struck digit zero (Nd, astral)
  "😀",
  "\u{11f50}", // Kawi digit zero: Unicode 15, newer than Python 3.11's database
];

const char = fc.constantFrom(...CHARS);

/** A pattern fragment and a value it is likely to match (assertions aside). */
interface Fragment {
  text: string;
  sample: fc.Arbitrary<string>;
  /** Anchors mostly stay unquantified (Python: "nothing to repeat"). */
  anchor?: boolean;
}

const fragment = (text: string, sample: fc.Arbitrary<string> = fc.constant("")): Fragment => ({
  text,
  sample,
});

function escapeLiteral(c: string): fc.Arbitrary<string> {
  const code = c.codePointAt(0)!;
  const forms = [fc.constant(/[.^$*+?{}[\]\\|()]/.test(c) ? `\\${c}` : c)];
  if (code < 0x100) forms.push(fc.constant(`\\x${code.toString(16).padStart(2, "0")}`));
  if (code < 0x10000) forms.push(fc.constant(`\\u${code.toString(16).padStart(4, "0")}`));
  forms.push(fc.constant(`\\U${code.toString(16).padStart(8, "0")}`));
  if (code < 0o400) forms.push(fc.constant(`\\0${code.toString(8)}`.slice(0, 4)));
  if (!/[A-Za-z0-9]/.test(c)) forms.push(fc.constant(`\\${c}`));
  return fc.oneof(...forms);
}

const literal: fc.Arbitrary<Fragment> = char.chain((c) =>
  escapeLiteral(c).map((text) => fragment(text, fc.constant(c))),
);

interface ClassItem {
  text: string;
  members: readonly string[];
}

const classItem: fc.Arbitrary<ClassItem> = fc.oneof(
  char.chain((c) =>
    escapeLiteral(c).map((text) => ({ text: text === "-" ? "\\-" : text, members: [c] })),
  ),
  fc.tuple(char, char).map(([x, y]) => {
    const [lo = x, hi = y] = [x, y].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    const esc = (c: string) => `\\U${c.codePointAt(0)!.toString(16).padStart(8, "0")}`;
    return { text: `${esc(lo)}-${esc(hi)}`, members: [lo, hi] };
  }),
  fc.constantFrom("\\d", "\\D", "\\s", "\\S", "\\w", "\\W").map((text) => ({
    text,
    members: {
      "\\d": ["1", "٣"],
      "\\D": ["a"],
      "\\s": [" ", "\x85"],
      "\\S": ["x"],
      "\\w": ["é"],
      "\\W": ["-"],
    }[text],
  })),
  fc.constantFrom<ClassItem>(
    { text: "a-z", members: ["a", "q", "z"] },
    { text: "A-Z", members: ["A", "K"] },
    { text: "0-9", members: ["0", "7"] },
    { text: "Z-a", members: ["Z", "_", "a", "z"] },
    { text: "-", members: ["-"] },
    { text: "\\]", members: ["]"] },
  ),
);

const charClass: fc.Arbitrary<Fragment> = fc
  .tuple(fc.boolean(), fc.array(classItem, { minLength: 1, maxLength: 3 }))
  .map(([negate, items]) =>
    fragment(
      `[${negate ? "^" : ""}${items.map((i) => i.text).join("")}]`,
      negate ? char : fc.constantFrom(...items.flatMap((i) => i.members)),
    ),
  );

const simpleAtom: fc.Arbitrary<Fragment> = fc.oneof(
  { weight: 5, arbitrary: literal },
  { weight: 3, arbitrary: charClass },
  { weight: 2, arbitrary: fc.constant(fragment(".", char)) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom("\\d", "\\D", "\\s", "\\S", "\\w", "\\W")
      .map((text) => fragment(text, char)),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom("^", "$", "\\A", "\\Z", "\\b")
      .map((text) => ({ ...fragment(text), anchor: true })),
  },
);

const quantifier = fc.constantFrom(
  "",
  "",
  "",
  "",
  "",
  "",
  "*",
  "+",
  "?",
  "*?",
  "+?",
  "??",
  "{2}",
  "{1,3}",
  "{,2}",
  "{2,}",
  "{,}",
  "{0}",
  "{}",
  "{1",
  "{x}",
  "{1,2}?",
);
const badQuantifier = fc.constantFrom("*", "{3,1}", "**", "+*");

function repeatSample(sample: fc.Arbitrary<string>, q: string): fc.Arbitrary<string> {
  if (q === "") return sample;
  return fc.array(sample, { minLength: 0, maxLength: 3 }).map((parts) => parts.join(""));
}

const pattern: fc.Arbitrary<Fragment> = fc.letrec<{ alt: Fragment; seq: Fragment; atom: Fragment }>(
  (tie) => ({
    atom: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { weight: 6, arbitrary: simpleAtom },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.constantFrom(
              "(",
              "(?:",
              "(?P<g>",
              "(?=",
              "(?!",
              "(?<=",
              "(?<!",
              "(?i:",
              "(?-i:",
              "(?s:",
              "(?m:",
              "(?x:",
              "(?a:",
              "(?u:",
            ),
            tie("alt"),
          )
          .map(([open, inner]) =>
            fragment(
              `${open}${inner.text})`,
              open.startsWith("(?<") || open.startsWith("(?=") || open.startsWith("(?!")
                ? fc.constant("")
                : inner.sample,
            ),
          ),
      },
      { weight: 1, arbitrary: fc.constant({ ...fragment("(?#note)"), anchor: true }) },
    ),
    seq: fc
      .array(
        fc.tuple(
          tie("atom"),
          fc.oneof({ weight: 30, arbitrary: quantifier }, { weight: 1, arbitrary: badQuantifier }),
        ),
        { maxLength: 3 },
      )
      .map((parts) => parts.map(([atom, q]) => [atom, atom.anchor && q !== "*" ? "" : q] as const))
      .chain((parts) =>
        fc
          .tuple(...parts.map(([atom, q]) => repeatSample(atom.sample, q)))
          .map((samples) => samples.join(""))
          .map((sample) => ({ parts, sample })),
      )
      .map(({ parts, sample }) =>
        fragment(parts.map(([atom, q]) => atom.text + q).join(""), fc.constant(sample)),
      ),
    alt: fc
      .array(tie("seq"), { minLength: 1, maxLength: 2 })
      .map((alternatives) =>
        fragment(
          alternatives.map((a) => a.text).join("|"),
          fc.oneof(...alternatives.map((a) => a.sample)),
        ),
      ),
  }),
).alt;

const globalFlags = fc.constantFrom(
  ...Array<string>(12).fill(""),
  ...["(?i)", "(?x)", "(?s)", "(?m)", "(?a)", "(?u)", "(?ix)", "(?ms)", "(?ai)"].flatMap((f) => [
    f,
    f,
  ]),
  "(?au)",
  "(?L)",
  "(?a)(?u)",
);

/** A pattern with its flags, and values: likely matches, their variations, and arbitrary text. */
const generated = fc.tuple(globalFlags, pattern, fc.boolean()).chain(([flags, body, spaced]) => {
  // Under (?x), whitespace and comments between items are ignored: sprinkle some in.
  const text = flags.includes("x") && spaced ? body.text.replace(/\)/g, ") #c\n") : body.text;
  const value = fc.oneof(
    body.sample,
    body.sample.chain((s) => char.map((c) => s + c)),
    body.sample.map((s) => `${s}\n`),
    fc.array(char, { maxLength: 5 }).map((cs) => cs.join("")),
  );
  return fc.tuple(fc.constant(flags + text), fc.array(value, { minLength: 4, maxLength: 8 }));
});

/** Raw text from Python's syntax characters: most is invalid, all of it must be judged right. */
const noise = fc.tuple(
  fc
    .array(fc.constantFrom(..."()[]{}*+?|^$\\.-,:=!<>#P0123aAbBdDsSwWzZxuU ", "\n"), {
      maxLength: 12,
    })
    .map((cs) => cs.join("")),
  fc.array(
    fc.array(char, { maxLength: 4 }).map((cs) => cs.join("")),
    {
      minLength: 2,
      maxLength: 4,
    },
  ),
);

/** Sequences of meaningful pieces, so that flags, escapes and groups meet in odd orders. */
const SNIPPETS = [
  ..."abKé_1\n #[]^-\\{},0*+?|.$()",
  "(?x)",
  "(?i)",
  "(?s)",
  "(?m)",
  "(?a)",
  "(?-i:",
  "(?i:",
  "(?a:",
  "(?u:",
  "(?x:",
  "(?-x:",
  "(?m-s:",
  "(?P<n>",
  "(?P<m>",
  "(?P=n)",
  "(?<=",
  "(?<!",
  "(?=",
  "(?!",
  "(?:",
  "(?#c)",
  "\\b",
  "\\A",
  "\\Z",
  "\\w",
  "\\W",
  "\\d",
  "\\s",
  "\\S",
  "\\x41",
  "\\x4",
  "\\101",
  "\\400",
  "\\0",
  "\\07",
  "\\8",
  "\\u00e9",
  "\\U0001F600",
  "\\U00110000",
  "\\q",
  "\\-",
  "\\ ",
  "\\#",
  "{1,2}",
  "{,2}",
  "{2}",
  "{1, 2}",
  "a-z",
  "Z-a",
];
const soup = fc.tuple(
  fc.array(fc.constantFrom(...SNIPPETS), { maxLength: 10 }).map((parts) => parts.join("")),
  fc.array(
    fc
      .array(fc.constantFrom(..."abAKé_1 #-\n", "\u212a", "ſ", "\x85"), { maxLength: 5 })
      .map((cs) => cs.join("")),
    { minLength: 3, maxLength: 6 },
  ),
);

describe("compilePythonRegex agrees with Python's re wherever it claims to know", () => {
  it("gets an answer in time even for a pattern that backtracks for ever", async () => {
    // What a generated case may be: without the time limit, Python's answer never comes.
    expect(await python.ask("(a*)*b", ["a".repeat(64)])).toEqual({ slow: PYTHON_SECONDS });
    expect(await checkGenerated("(a*)*b", ["a".repeat(64)])).toBeNull();
    expect(await python.ask("(a*)*b", ["aab"])).toEqual({ m: [true] });
  });

  it("on generated patterns and values", async () => {
    let decided = 0;
    let matched = 0;
    let exact = 0;
    let total = 0;
    await assertGenerated(generated, 3000, (compiled, values) => {
      total++;
      if (!compiled.exact) return;
      exact++;
      for (const value of values) {
        const verdict = compiled.test(value);
        if (verdict !== null) decided++;
        if (verdict === true) matched++;
      }
    });
    // The test must be able to fail: most patterns are checked here, with both verdicts.
    expect(exact / total).toBeGreaterThan(0.5);
    expect(matched).toBeGreaterThan(decided * 0.2);
    expect(decided - matched).toBeGreaterThan(decided * 0.2);
  }, 120_000);

  it("on random syntax (mostly refused patterns)", async () => {
    let exact = 0;
    await assertGenerated(noise, 3000, (compiled) => {
      if (compiled.exact) exact++;
    });
    expect(exact).toBeGreaterThan(300);
  }, 120_000);

  it("on sequences of flags, groups, escapes and quantifiers", async () => {
    let exact = 0;
    await assertGenerated(soup, 3000, (compiled) => {
      if (compiled.exact) exact++;
    });
    expect(exact).toBeGreaterThan(300);
  }, 120_000);

  it("classifies every code point below U+0800 as Python does for \\w, \\d, \\s and \\b", async () => {
    const values = Array.from({ length: 0x800 }, (_, c) => String.fromCodePoint(c));
    for (const text of [
      "\\w",
      "\\W",
      "\\d",
      "\\D",
      "\\s",
      "\\S",
      ".",
      "\\b",
      "(?s).",
      "a\\b",
      "(?a)\\w",
    ]) {
      const compiled = await check(
        text,
        values.map((v) => (text === "a\\b" ? `a${v}` : v)),
      );
      expect(compiled.exact).toBe(true);
    }
  });

  it("has Python's whitespace for \\s over all of Unicode", async () => {
    const values: string[] = [];
    for (let c = 0; c <= 0x10ffff; c += c < 0x3100 ? 1 : 97)
      if (c < 0xd800 || c > 0xdfff) values.push(String.fromCodePoint(c));
    expect((await check("\\s", values)).exact).toBe(true);
  });
});

describe("what the page used to get wrong (issue 11)", () => {
  it("honours (?x), (?s), (?m) and (?i) instead of dropping them", async () => {
    await check("(?x) quay\\.io / [a-z]+  # registry and name", ["quay.io/abc", "quay.io / abc"]);
    expect(pythonReMatch("(?x) quay\\.io / [a-z]+", "quay.io/abc")).toBe(true);
    expect(pythonReMatch("(?s)a.b", "a\nb")).toBe(true);
    expect(pythonReMatch("(?m)^b", "a\nb")).toBe(false); // re.match: at the start only
    expect(pythonReMatch("a(?m)$", "a")).toBeNull(); // flags after the start: version-dependent
    expect(pythonReMatch("(?i)QUAY", "quay")).toBe(true);
  });

  it("matches \\w and \\d on Unicode text, as Python 3 str patterns do", async () => {
    await check("^\\w+$", ["café", "naïve_2", "a-b"]);
    expect(pythonReMatch("^\\w+$", "café")).toBe(true);
    expect(pythonReMatch("^\\d+$", "٣٤")).toBe(true);
    expect(pythonReMatch("(?a)^\\w+$", "café")).toBe(false);
    // Beyond U+0800 the answer depends on Unicode versions: not decided here.
    expect(pythonReMatch("^\\w+$", "名前")).toBeNull();
  });

  it("understands a{,3}", async () => {
    await check("^a{,3}$", ["", "aaa", "aaaa"]);
    expect(pythonReMatch("^a{,3}$", "aaa")).toBe(true);
    expect(pythonReMatch("^a{,3}$", "aaaa")).toBe(false);
  });

  it("lets . match U+2028 and U+2029 (only \\n ends a line in Python)", async () => {
    await check("^a.b$", ["a\u2028b", "a\u2029b", "a\rb", "a\nb"]);
    expect(pythonReMatch("^a.b$", "a\u2028b")).toBe(true);
  });

  it("counts U+0085 and U+001C as \\s and U+FEFF not", async () => {
    await check("^\\s$", ["\x85", "\x1c", "\ufeff"]);
    expect(pythonReMatch("^\\s$", "\x85")).toBe(true);
    expect(pythonReMatch("^\\s$", "\ufeff")).toBe(false);
  });

  it("lets $ match before a final newline, as Python's does", async () => {
    await check("^quay\\.io/.+$", ["quay.io/x\n", "quay.io/x\n\n"]);
    expect(pythonReMatch("^quay\\.io/.+$", "quay.io/x\n")).toBe(true);
  });
});

describe("what only Python can decide", () => {
  it.each([
    ["(a)\\1", "a backreference"],
    ["(?P<n>a)(?P=n)", "a backreference"],
    ["a++", "a possessive quantifier"],
    ["(?>a)", "an atomic group"],
    ["(a)(?(1)a|b)", "a conditional group"],
    ["\\Bb", "\\B"],
    ["(?i)é", "a non-ASCII character under the i (IGNORECASE) flag"],
    ["a{70000}", "a repetition count this large"],
  ])("does not translate %j (%s): Python accepts it, KubeSpawner decides", async (text, reason) => {
    const compiled = await check(text, ["a", "aa", "é"]);
    expect(compiled).toEqual({ exact: false, reason, problem: null });
  });

  it.each([
    ["\\N{EM DASH}", 0],
    ["a(?m)$", 1],
    ["[[a]", 1],
    ["(", 0],
    ["a{3,1}", 2],
  ])("does not decide %j, a pattern the checker refuses", async (text, position) => {
    const compiled = await check(text, ["a"]);
    expect(compiled).toMatchObject({ exact: false, problem: { position } });
    expect(pythonReMatch(text, "a")).toBeNull();
  });

  it("does not decide (?i) on non-ASCII values: Python and JS fold case differently", async () => {
    const compiled = await check("(?i)^[a-z]+$", ["Kelvin", "\u212aelvin", "ſ"]);
    expect(compiled.exact && compiled.test("\u212aelvin")).toBeNull();
    expect(compiled.exact && compiled.test("Kelvin")).toBe(true);
  });
});
