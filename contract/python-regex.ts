/**
 * Python's `re` for str patterns, from one parser: does Python accept a pattern
 * (`checkPythonRegex`, for the profile editor), and what does `re.match(pattern, value)` answer
 * (`compilePythonRegex`, for the spawn page and the local demo hub)? KubeSpawner checks an unlisted
 * choice with exactly that call, `if validation_regex and not re.match(validation_regex,
 * unlisted_choice): raise ValueError(…)` (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3718-L3722):
 * anchored at the start only, Unicode classes, Python's syntax and flags. A pattern Python refuses
 * breaks every spawn of that profile; the editor refuses it before publishing, and the hub glue
 * compiles it again with Python's `re` when it loads a version.
 *
 * The parser follows CPython 3.11-3.13 `Lib/re/_parser.py` (the Tokenizer, `_escape`,
 * `_class_escape`, `_parse_sub`, `_parse`, `_parse_flags`, `fix_flags`) and the look-behind width
 * check of `Lib/re/_compiler.py` (`_compile`, ASSERT with direction -1). Positions count code
 * points, as Python's `re.error.pos` does. Deliberate refusals where Python would accept: `\N{name}`
 * (Unicode names cannot be looked up here), nesting deeper than MAX_DEPTH, and nested sets or set
 * operations, which Python warns will change meaning.
 *
 * While parsing, each construct is translated into a JavaScript RegExp (flags `u` and `y`, never
 * JS's own `i`, `m` or `s`): `.` is `[^\n]`, `$` is `(?=\n?$)`, `\s` is Python's exact list, `\w` is
 * `[\p{L}\p{N}_]`, `(?i)` is an explicit pair of cases. What has no exact JS equivalent
 * (backreferences, possessive quantifiers, atomic groups, conditionals, `\B`, `(?i)` beyond ASCII)
 * makes the pattern untranslatable rather than approximated: the page then does not block, and
 * KubeSpawner decides. Both test files compare this module with CPython's own `re`.
 */

export interface PythonRegexProblem {
  /** Python's own `re.error` message where there is one. */
  message: string;
  /** 0-based code point index into the pattern, like `re.error.pos`. */
  position: number;
}

export interface PythonRegexReport {
  problem: PythonRegexProblem | null;
  /**
   * A repetition nested inside an unbounded repetition (`(a+)+`, `(a|aa)*`): Python's backtracking
   * matcher can take exponential time on a crafted value, and the hub matches users' text with it.
   */
  nestedRepeat: { position: number } | null;
}

export type PythonRegex =
  | {
      exact: true;
      /** `re.match(pattern, value) is not None`, or null when this value cannot be decided here. */
      test(value: string): boolean | null;
    }
  | {
      exact: false;
      /** Why not: the problem's message, or the construct that has no exact translation. */
      reason: string;
      /** Set when Python (or Launchpad's checker, see above) refuses the pattern. */
      problem: PythonRegexProblem | null;
    };

const MAXREPEAT = 4294967295;
const MAXGROUPS = 1073741823;
const MAXCODE = 4294967295;
/** Deeper nesting than this is refused (CPython itself stops at its recursion limit). */
export const MAX_DEPTH = 100;
/** Beyond this a JS engine may be slow to compile a counted repeat; only Python checks it. */
const MAX_TRANSLATED_COUNT = 65535;

const DIGITS = new Set("0123456789");
const OCTDIGITS = new Set("01234567");
const HEXDIGITS = new Set("0123456789abcdefABCDEF");
const ASCII_LETTERS = /^[A-Za-z]$/;
const WHITESPACE = new Set(" \t\n\r\v\f");
const SPECIAL_CHARS = new Set(".\\[{()*+?^$|");
const REPEAT_CHARS = new Set("*+?{");
/** Escapes that stand for one literal character, in and out of sets. */
const LITERAL_ESCAPES: Record<string, number> = {
  "\\a": 7,
  "\\b": 8,
  "\\f": 12,
  "\\n": 10,
  "\\r": 13,
  "\\t": 9,
  "\\v": 11,
  "\\\\": 92,
};
const CLASS_CATEGORIES = new Set(["\\d", "\\D", "\\s", "\\S", "\\w", "\\W"]);
/** Outside a set `\b` is a word boundary; the zero-width ones are AT codes. */
const AT_CATEGORIES = new Set(["\\A", "\\b", "\\B", "\\Z"]);
const FLAG_BITS: Record<string, number> = { i: 2, L: 4, m: 8, s: 16, x: 64, a: 256, t: 1, u: 32 };
const IGNORECASE = 2;
const MULTILINE = 8;
const DOTALL = 16;
const VERBOSE = 64;
const ASCII = 256;
const UNICODE = 32;
const TYPE_FLAGS = 256 | 4 | 32;
const GLOBAL_FLAGS = 1 | 128; // TEMPLATE | DEBUG
const IDENTIFIER = /^[\p{ID_Start}_][\p{ID_Continue}]*$/u;

// --- what the translation knows about Python's classes -----------------------------------------

type Ranges = readonly (readonly [number, number])[];
/** Python's `\s` for str patterns (`str.isspace()`): a set Unicode has not changed since 6.3. */
const SPACE: Ranges = [
  [0x09, 0x0d],
  [0x1c, 0x20],
  [0x85, 0x85],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];
/** With `(?a)`: C's isspace(), isalnum() and isdigit() on ASCII. */
const ASCII_SPACE: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
];
const ASCII_WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const ASCII_DIGIT: Ranges = [[0x30, 0x39]];
/** Python's `\w` for str patterns is `str.isalnum()` or `_`: exactly the categories L* and N*. */
const UNICODE_WORD = "\\p{L}\\p{N}_";
/**
 * Below U+0800 Unicode has assigned no letter or number since 11.0 (2018, DerivedAge.txt), older
 * than every Python JupyterHub runs on and every browser with `\p{…}`. Above it `\w`, `\d` and `\b`
 * depend on the Unicode versions of the hub's Python and of this JS engine, which may differ.
 */
const STABLE_UNICODE_BELOW = 0x800;

const hex = (code: number) => `\\u{${code.toString(16)}}`;
const isAsciiLetter = (code: number) =>
  (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);

function rangesJs(ranges: Ranges): string {
  return ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join("");
}

function complement(ranges: Ranges): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

/** A set being translated: JS class bodies it holds, and bodies whose complement it holds (`\W`). */
interface SetParts {
  pos: string[];
  neg: string[];
}

function setJs(parts: SetParts, negate: boolean): string {
  const body = parts.pos.join("");
  if (parts.neg.length === 0) return negate ? `[^${body}]` : `[${body}]`;
  const union = [...(body ? [`[${body}]`] : []), ...parts.neg.map((n) => `[^${n}]`)].join("|");
  return negate ? `(?:(?!${union})[\\s\\S])` : `(?:${union})`;
}

// --- the parser ----------------------------------------------------------------------------------

class RegexError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.position = position;
  }
}

interface Width {
  lo: number;
  hi: number;
}

/** What a parsed item is, as far as quantifiers and widths care. */
type ItemKind = "at" | "repeat" | "subpattern" | "assert" | "other";
interface Item {
  kind: ItemKind;
  width: Width;
  /** The item holds an unbounded repetition somewhere inside (for the nested-repeat warning). */
  hasRepeat: boolean;
  /** Its JavaScript translation (meaningless once the pattern is untranslatable). */
  js: string;
}

/** The tokenizer of `_parser.py`: `next` is one character, or a backslash and the one after it. */
class Source {
  private readonly chars: string[];
  private index = 0;
  next: string | null = null;

  constructor(pattern: string) {
    this.chars = Array.from(pattern);
    this.advance();
  }

  private advance(): void {
    let index = this.index;
    let char = this.chars[index];
    if (char === undefined) {
      this.next = null;
      return;
    }
    if (char === "\\") {
      index += 1;
      const escaped = this.chars[index];
      if (escaped === undefined) throw new RegexError("bad escape (end of pattern)", index - 1);
      char += escaped;
    }
    this.index = index + 1;
    this.next = char;
  }

  match(char: string): boolean {
    if (char === this.next) {
      this.advance();
      return true;
    }
    return false;
  }

  get(): string | null {
    const current = this.next;
    this.advance();
    return current;
  }

  getWhile(count: number, charset: Set<string>): string {
    let result = "";
    for (let i = 0; i < count; i++) {
      const c = this.next;
      if (c === null || !charset.has(c)) break;
      result += c;
      this.advance();
    }
    return result;
  }

  getUntil(terminator: string, name: string): string {
    let result = "";
    for (;;) {
      const c = this.next;
      this.advance();
      if (c === null) {
        if (!result) throw this.error(`missing ${name}`);
        throw this.error(`missing ${terminator}, unterminated name`, Array.from(result).length);
      }
      if (c === terminator) {
        if (!result) throw this.error(`missing ${name}`, 1);
        break;
      }
      result += c;
    }
    return result;
  }

  tell(): number {
    return this.index - (this.next === null ? 0 : Array.from(this.next).length);
  }

  seek(index: number): void {
    this.index = index;
    this.advance();
  }

  error(message: string, offset = 0): RegexError {
    return new RegexError(message, this.tell() - offset);
  }

  checkGroupName(name: string, offset: number): void {
    if (!IDENTIFIER.test(name))
      throw this.error(`bad character in group name ${pyRepr(name)}`, length(name) + offset);
  }
}

function length(text: string): number {
  return Array.from(text).length;
}

/** Python's repr() of a str, enough for the names that appear in messages. */
function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = "";
  for (const c of text) {
    if (c === "\\") out += "\\\\";
    else if (c === quote) out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (/\p{C}|\p{Z}/u.test(c) && c !== " ") {
      const code = c.codePointAt(0) ?? 0;
      out +=
        code <= 0xff
          ? `\\x${code.toString(16).padStart(2, "0")}`
          : code <= 0xffff
            ? `\\u${code.toString(16).padStart(4, "0")}`
            : `\\U${code.toString(16).padStart(8, "0")}`;
    } else out += c;
  }
  return quote + out + quote;
}

class State {
  flags = 0;
  readonly groupNames = new Map<string, number>();
  /** Index 0 is the whole match; `null` while a group is open. */
  readonly groupWidths: (Width | null)[] = [null];
  lookbehindGroups: number | null = null;
  readonly groupRefPositions = new Map<number, number>();
  nestedRepeat: { position: number } | null = null;
  /** The first construct with no exact JS translation. */
  untranslatable: string | null = null;
  /** A `(?i)` letter or `\w`: only ASCII values are decided. */
  caseFolds = false;
  /** A Unicode `\w`, `\d` or `\b`: only values below STABLE_UNICODE_BELOW are decided. */
  unicodeClasses = false;

  get groups(): number {
    return this.groupWidths.length;
  }

  openGroup(name: string | null): number {
    const gid = this.groups;
    this.groupWidths.push(null);
    if (this.groups > MAXGROUPS) throw new Error("too many groups");
    if (name !== null) {
      const previous = this.groupNames.get(name);
      if (previous !== undefined)
        throw new Error(
          `redefinition of group name ${pyRepr(name)} as group ${gid}; was group ${previous}`,
        );
      this.groupNames.set(name, gid);
    }
    return gid;
  }

  checkGroup(gid: number): boolean {
    return gid < this.groups && this.groupWidths[gid] !== null;
  }

  checkLookbehindGroup(gid: number, source: Source): void {
    if (this.lookbehindGroups === null) return;
    if (!this.checkGroup(gid)) throw source.error("cannot refer to an open group");
    if (gid >= this.lookbehindGroups)
      throw source.error("cannot refer to group defined in the same lookbehind subpattern");
  }

  cannotTranslate(what: string): void {
    this.untranslatable ??= what;
  }
}

const UNIT: Width = { lo: 1, hi: 1 };
const ZERO: Width = { lo: 0, hi: 0 };

function unit(js: string): Item {
  return { kind: "other", width: UNIT, hasRepeat: false, js };
}

function at(js: string): Item {
  return { kind: "at", width: ZERO, hasRepeat: false, js };
}

function sequenceWidth(items: readonly Item[]): Width {
  let lo = 0;
  let hi = 0;
  for (const item of items) {
    lo += item.width.lo;
    hi += item.width.hi;
  }
  return { lo, hi };
}

interface ParseContext {
  source: Source;
  state: State;
  depth: number;
  /** The flags in force: the global ones (`state.flags`) unless a scoped group changed them. */
  flags: () => number;
}

/** `_compiler.py` `_combine_flags`: a scoped type flag (a, u) replaces the enclosing one. */
function combineFlags(flags: number, add: number, del: number): number {
  const base = add & TYPE_FLAGS ? flags & ~TYPE_FLAGS : flags;
  return (base | add) & ~del;
}

/** One character matched literally, as `LITERAL` (or `LITERAL_UNI_IGNORE` under `(?i)`). */
function literalJs(ctx: ParseContext, code: number): string {
  const { state } = ctx;
  if (code >= 0xd800 && code <= 0xdfff) state.cannotTranslate("a surrogate code point");
  if (ctx.flags() & IGNORECASE) {
    foldable(state, code);
    if (isAsciiLetter(code)) {
      state.caseFolds = true;
      return `[${hex(code)}${hex(code ^ 0x20)}]`;
    }
  }
  return /^[A-Za-z0-9]$/.test(String.fromCodePoint(code)) ? String.fromCodePoint(code) : hex(code);
}

/**
 * Under `(?i)` only ASCII is translated: beyond it Python's rules (lower() and `_sre`'s extra
 * equivalences) and JS's simple case folding differ, and a non-ASCII character can match an ASCII
 * letter (U+212A KELVIN SIGN matches `k`).
 */
function foldable(state: State, highest: number): void {
  if (highest >= 0x80) state.cannotTranslate("a non-ASCII character under the i (IGNORECASE) flag");
}

/** A category escape `\d\D\s\S\w\W` added to a set being translated. */
function addCategory(ctx: ParseContext, escape: string, parts: SetParts): void {
  const { state } = ctx;
  const flags = ctx.flags();
  const letter = escape.slice(1);
  const lower = letter.toLowerCase();
  const negated = letter !== lower;
  // Python tests the lowered character: the same answer for digits and spaces, not for \w.
  if (flags & IGNORECASE && lower === "w") state.caseFolds = true;
  if (lower === "s") {
    const ranges = flags & ASCII ? ASCII_SPACE : SPACE;
    parts.pos.push(rangesJs(negated ? complement(ranges) : ranges));
  } else if (flags & ASCII) {
    const ranges = lower === "d" ? ASCII_DIGIT : ASCII_WORD;
    parts.pos.push(rangesJs(negated ? complement(ranges) : ranges));
  } else {
    state.unicodeClasses = true;
    if (lower === "d") parts.pos.push(negated ? "\\P{Nd}" : "\\p{Nd}");
    else if (negated) parts.neg.push(UNICODE_WORD);
    else parts.pos.push(UNICODE_WORD);
  }
}

/** A range of a set being translated; under `(?i)`, with the other case of its ASCII letters. */
function addRange(ctx: ParseContext, lo: number, hi: number, parts: SetParts): void {
  const { state } = ctx;
  if (hi >= 0xd800 && lo <= 0xdfff) state.cannotTranslate("a surrogate code point");
  parts.pos.push(lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`);
  if (!(ctx.flags() & IGNORECASE)) return;
  foldable(state, hi);
  // Python matches c when c or its other case is in the set (IN_UNI_IGNORE on the lowered
  // character, against the set closed under lower()); for ASCII that is this closure.
  for (const [a, z] of [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ] as const) {
    const from = Math.max(lo, a);
    const to = Math.min(hi, z);
    if (from > to) continue;
    state.caseFolds = true;
    parts.pos.push(`${hex(from ^ 0x20)}-${hex(to ^ 0x20)}`);
  }
}

/** `_class_escape`: an escape inside `[...]`; the character it stands for, or null for a category. */
function classEscape(ctx: ParseContext, escape: string, parts: SetParts): number | null {
  const { source } = ctx;
  const literal = LITERAL_ESCAPES[escape];
  if (literal !== undefined) return literal;
  if (CLASS_CATEGORIES.has(escape)) {
    addCategory(ctx, escape, parts);
    return null;
  }
  const c = escape.slice(1);
  const code = numericEscape(source, escape, c);
  if (code !== undefined) return code;
  if (OCTDIGITS.has(c)) {
    const digits = escape + source.getWhile(2, OCTDIGITS);
    const value = parseInt(digits.slice(1), 8);
    if (value > 0o377)
      throw source.error(`octal escape value ${digits} outside of range 0-0o377`, length(digits));
    return value;
  }
  if (DIGITS.has(c)) throw source.error(`bad escape ${escape}`, length(escape));
  if (ASCII_LETTERS.test(c)) throw source.error(`bad escape ${escape}`, length(escape));
  return c.codePointAt(0) ?? 0;
}

/** `\x`, `\u`, `\U` and `\N`, the same in and out of sets; undefined for any other escape. */
function numericEscape(source: Source, escape: string, c: string): number | undefined {
  const fixed = (count: number): number => {
    const full = escape + source.getWhile(count, HEXDIGITS);
    if (length(full) !== count + 2) throw source.error(`incomplete escape ${full}`, length(full));
    return parseInt(full.slice(2), 16);
  };
  if (c === "x") return fixed(2);
  if (c === "u") return fixed(4);
  if (c === "U") {
    const full = escape + source.getWhile(8, HEXDIGITS);
    if (length(full) !== 10) throw source.error(`incomplete escape ${full}`, length(full));
    const value = parseInt(full.slice(2), 16);
    if (value > 0x10ffff) throw source.error(`bad escape ${full}`, length(full));
    return value;
  }
  if (c === "N") {
    if (!source.match("{")) throw source.error("missing {");
    const name = source.getUntil("}", "character name");
    throw source.error(
      `\\N{${name}}: Launchpad cannot look up Unicode character names; write the character itself or \\uXXXX`,
      length(name) + 4,
    );
  }
  return undefined;
}

/** `_escape`: an escape outside a set. */
function escapeItem(ctx: ParseContext, escape: string): Item {
  const { source, state } = ctx;
  const flags = ctx.flags();
  if (AT_CATEGORIES.has(escape)) {
    if (escape === "\\A") return at("(?<![\\s\\S])");
    if (escape === "\\Z") return at("(?![\\s\\S])");
    // Python 3.14 made \B match the empty string; earlier versions never do.
    if (escape === "\\B") state.cannotTranslate("\\B");
    if (!(flags & ASCII)) state.unicodeClasses = true;
    const word = flags & ASCII ? `[${rangesJs(ASCII_WORD)}]` : `[${UNICODE_WORD}]`;
    return at(`(?:(?<=${word})(?!${word})|(?<!${word})(?=${word}))`);
  }
  if (CLASS_CATEGORIES.has(escape)) {
    const parts: SetParts = { pos: [], neg: [] };
    addCategory(ctx, escape, parts);
    return unit(setJs(parts, false));
  }
  const literal = LITERAL_ESCAPES[escape];
  if (literal !== undefined) return unit(literalJs(ctx, literal));
  const c = escape.slice(1);
  const code = numericEscape(source, escape, c);
  if (code !== undefined) return unit(literalJs(ctx, code));
  if (c === "0") return unit(literalJs(ctx, parseInt(c + source.getWhile(2, OCTDIGITS), 8)));
  if (DIGITS.has(c)) {
    let text = escape;
    if (source.next !== null && DIGITS.has(source.next)) {
      text += source.get() ?? "";
      const chars = Array.from(text);
      if (
        OCTDIGITS.has(chars[1] ?? "") &&
        OCTDIGITS.has(chars[2] ?? "") &&
        source.next !== null &&
        OCTDIGITS.has(source.next)
      ) {
        text += source.get() ?? "";
        const value = parseInt(text.slice(1), 8);
        if (value > 0o377)
          throw source.error(`octal escape value ${text} outside of range 0-0o377`, length(text));
        return unit(literalJs(ctx, value));
      }
    }
    const group = parseInt(text.slice(1), 10);
    if (group < state.groups) {
      if (!state.checkGroup(group))
        throw source.error("cannot refer to an open group", length(text));
      state.checkLookbehindGroup(group, source);
      state.cannotTranslate("a backreference");
      return { kind: "other", width: state.groupWidths[group] ?? ZERO, hasRepeat: false, js: "" };
    }
    throw source.error(`invalid group reference ${group}`, length(text) - 1);
  }
  if (ASCII_LETTERS.test(c)) throw source.error(`bad escape ${escape}`, length(escape));
  return unit(literalJs(ctx, c.codePointAt(0) ?? 0));
}

/** `_parse_sub`: alternatives separated by `|`. */
function parseSub(ctx: ParseContext, verbose: boolean, nested: number): Item {
  const items: Item[] = [];
  for (;;) {
    items.push(parseSequence(ctx, verbose, nested + 1, nested === 0 && items.length === 0));
    if (!ctx.source.match("|")) break;
    if (nested === 0) verbose = (ctx.state.flags & VERBOSE) !== 0;
  }
  if (items.length === 1) return items[0] as Item;
  let lo = Infinity;
  let hi = 0;
  for (const item of items) {
    lo = Math.min(lo, item.width.lo);
    hi = Math.max(hi, item.width.hi);
  }
  return {
    kind: "other",
    width: { lo, hi },
    hasRepeat: items.some((item) => item.hasRepeat),
    js: `(?:${items.map((item) => item.js).join("|")})`,
  };
}

/** `_parse_flags`: after `(?` and the first flag character. */
function parseFlags(
  source: Source,
  state: State,
  first: string,
): { add: number; del: number } | null {
  let char: string | null = first;
  let add = 0;
  let del = 0;
  if (char !== "-") {
    for (;;) {
      const flag = FLAG_BITS[char] ?? 0;
      if (char === "L")
        throw source.error("bad inline flags: cannot use 'L' flag with a str pattern");
      add |= flag;
      if (flag & TYPE_FLAGS && (add & TYPE_FLAGS) !== flag)
        throw source.error("bad inline flags: flags 'a', 'u' and 'L' are incompatible");
      char = source.get();
      if (char === null) throw source.error("missing -, : or )");
      if (")-:".includes(char)) break;
      if (!(char in FLAG_BITS))
        throw source.error(
          /^\p{L}$/u.test(char) ? "unknown flag" : "missing -, : or )",
          length(char),
        );
    }
  }
  if (char === ")") {
    state.flags |= add;
    return null;
  }
  if (add & GLOBAL_FLAGS) throw source.error("bad inline flags: cannot turn on global flag", 1);
  if (char === "-") {
    char = source.get();
    if (char === null) throw source.error("missing flag");
    if (!(char in FLAG_BITS))
      throw source.error(/^\p{L}$/u.test(char) ? "unknown flag" : "missing flag", length(char));
    for (;;) {
      const flag = FLAG_BITS[char] ?? 0;
      if (flag & TYPE_FLAGS)
        throw source.error("bad inline flags: cannot turn off flags 'a', 'u' and 'L'");
      del |= flag;
      char = source.get();
      if (char === null) throw source.error("missing :");
      if (char === ":") break;
      if (!(char in FLAG_BITS))
        throw source.error(/^\p{L}$/u.test(char) ? "unknown flag" : "missing :", length(char));
    }
  }
  if (del & GLOBAL_FLAGS) throw source.error("bad inline flags: cannot turn off global flag", 1);
  if (add & del) throw source.error("bad inline flags: flag turned on and off", 1);
  return { add, del };
}

/**
 * A character set after its `[`; `here` is the position of the `[`. Python warns (FutureWarning)
 * where a future version will read nested sets and set operations; those are refused here, since
 * the pattern would change meaning under a newer hub.
 */
function parseSet(ctx: ParseContext, here: number): string {
  const { source } = ctx;
  if (source.next === "[") throw futureChange("Possible nested set", source.tell());
  const negate = source.match("^");
  const parts: SetParts = { pos: [], neg: [] };
  let members = 0;
  for (;;) {
    const start = source.tell();
    const current = source.get();
    if (current === null) throw source.error("unterminated character set", source.tell() - here);
    if (current === "]" && members > 0) return setJs(parts, negate);
    let first: number | null;
    if (current.startsWith("\\")) first = classEscape(ctx, current, parts);
    else {
      if (members > 0 && SET_OPERATIONS[current] && source.next === current)
        throw futureChange(`Possible set ${SET_OPERATIONS[current]}`, source.tell() - 1);
      first = current.codePointAt(0) ?? 0;
    }
    if (source.match("-")) {
      const that = source.get();
      if (that === null) throw source.error("unterminated character set", source.tell() - here);
      if (that === "]") {
        if (first !== null) addRange(ctx, first, first, parts);
        addRange(ctx, 0x2d, 0x2d, parts);
        return setJs(parts, negate);
      }
      let second: number | null;
      if (that.startsWith("\\")) second = classEscape(ctx, that, { pos: [], neg: [] });
      else {
        if (that === "-") throw futureChange("Possible set difference", source.tell() - 2);
        second = that.codePointAt(0) ?? 0;
      }
      if (first === null || second === null || second < first)
        throw new RegexError(`bad character range ${current}-${that}`, start);
      addRange(ctx, first, second, parts);
    } else if (first !== null) {
      addRange(ctx, first, first, parts);
    }
    members += 1;
  }
}

const SET_OPERATIONS: Record<string, string> = {
  "-": "difference",
  "&": "intersection",
  "~": "symmetric difference",
  "|": "union",
};

function futureChange(what: string, position: number): RegexError {
  return new RegexError(
    `${what} at position ${position}: Python warns that a future version will read it differently; escape the character`,
    position,
  );
}

function quantifierJs(min: number, max: number): string {
  if (max === MAXREPEAT) return min === 0 ? "*" : min === 1 ? "+" : `{${min},}`;
  if (min === 0 && max === 1) return "?";
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

/** `_parse`: one alternative (a sequence of items) up to `|`, `)` or the end. */
function parseSequence(ctx: ParseContext, verbose: boolean, nested: number, first: boolean): Item {
  const { source, state } = ctx;
  const items: Item[] = [];
  for (;;) {
    const current = source.next;
    if (current === null || current === "|" || current === ")") break;
    source.get();

    if (verbose) {
      if (WHITESPACE.has(current)) continue;
      if (current === "#") {
        for (;;) {
          const skipped = source.get();
          if (skipped === null || skipped === "\n") break;
        }
        continue;
      }
    }

    if (current.startsWith("\\")) {
      items.push(escapeItem(ctx, current));
    } else if (!SPECIAL_CHARS.has(current)) {
      items.push(unit(literalJs(ctx, current.codePointAt(0) ?? 0)));
    } else if (current === "[") {
      items.push(unit(parseSet(ctx, source.tell() - 1)));
    } else if (REPEAT_CHARS.has(current)) {
      const here = source.tell();
      let min = 0;
      let max = MAXREPEAT;
      if (current === "?") max = 1;
      else if (current === "+") min = 1;
      else if (current === "{") {
        if (source.next === "}") {
          items.push(unit(literalJs(ctx, 0x7b)));
          continue;
        }
        let lo = "";
        let hi = "";
        while (source.next !== null && DIGITS.has(source.next)) lo += source.get() ?? "";
        if (source.match(",")) {
          while (source.next !== null && DIGITS.has(source.next)) hi += source.get() ?? "";
        } else hi = lo;
        if (!source.match("}")) {
          items.push(unit(literalJs(ctx, 0x7b)));
          source.seek(here);
          continue;
        }
        if (lo) {
          min = Number(lo);
          if (min >= MAXREPEAT)
            throw new RegexError("the repetition number is too large", here - 1);
        }
        if (hi) {
          max = Number(hi);
          if (max >= MAXREPEAT)
            throw new RegexError("the repetition number is too large", here - 1);
          if (max < min)
            throw source.error("min repeat greater than max repeat", source.tell() - here);
        }
      }
      const previous = items.at(-1);
      if (previous === undefined || previous.kind === "at")
        throw source.error("nothing to repeat", source.tell() - here + length(current));
      if (previous.kind === "repeat")
        throw source.error("multiple repeat", source.tell() - here + length(current));
      const lazy = source.match("?");
      if (!lazy && source.match("+")) state.cannotTranslate("a possessive quantifier");
      if (Math.max(min, max === MAXREPEAT ? 0 : max) > MAX_TRANSLATED_COUNT)
        state.cannotTranslate("a repetition count this large");
      const unbounded = max === MAXREPEAT;
      if (unbounded && previous.hasRepeat && state.nestedRepeat === null)
        state.nestedRepeat = { position: here - 1 };
      const inner = previous.width;
      // A quantified look-around is valid Python; JS wants it inside a group.
      const atom = previous.kind === "assert" ? `(?:${previous.js})` : previous.js;
      items[items.length - 1] = {
        kind: "repeat",
        width: {
          lo: inner.lo * min,
          hi: unbounded && inner.hi > 0 ? Infinity : inner.hi * max,
        },
        hasRepeat: previous.hasRepeat || (unbounded && inner.hi > 0),
        js: atom + quantifierJs(min, max) + (lazy ? "?" : ""),
      };
    } else if (current === ".") {
      items.push(unit(ctx.flags() & DOTALL ? "[\\s\\S]" : "[^\\n]"));
    } else if (current === "(") {
      const item = parseGroup(ctx, verbose, nested, first, items.length === 0);
      if (item === "global-flags") verbose = (state.flags & VERBOSE) !== 0;
      else if (item !== "comment") items.push(item);
    } else if (current === "^") {
      // Only "\n" starts a line in Python; JS's m flag would also take \r, U+2028 and U+2029.
      items.push(at(ctx.flags() & MULTILINE ? "(?<![^\\n])" : "^"));
    } else {
      // "$": at the end, or before a newline that ends the string (every newline with (?m)).
      items.push(at(ctx.flags() & MULTILINE ? "(?=\\n|$)" : "(?=\\n?$)"));
    }
  }
  return {
    kind: "other",
    width: sequenceWidth(items),
    hasRepeat: items.some((item) => item.hasRepeat),
    js: items.map((item) => item.js).join(""),
  };
}

/** Everything that starts with `(`; comments and global flags add no item. */
function parseGroup(
  ctx: ParseContext,
  verbose: boolean,
  nested: number,
  first: boolean,
  empty: boolean,
): Item | "comment" | "global-flags" {
  const { source, state } = ctx;
  const start = source.tell() - 1;
  if (ctx.depth >= MAX_DEPTH)
    throw new RegexError(`groups nested more than ${MAX_DEPTH} deep`, start);
  let capture = true;
  let name: string | null = null;
  let add = 0;
  let del = 0;
  if (source.match("?")) {
    const char = source.get();
    if (char === null) throw source.error("unexpected end of pattern");
    if (char === "P") {
      if (source.match("<")) {
        name = source.getUntil(">", "group name");
        source.checkGroupName(name, 1);
      } else if (source.match("=")) {
        const ref = source.getUntil(")", "group name");
        source.checkGroupName(ref, 1);
        const gid = state.groupNames.get(ref);
        if (gid === undefined)
          throw source.error(`unknown group name ${pyRepr(ref)}`, length(ref) + 1);
        if (!state.checkGroup(gid))
          throw source.error("cannot refer to an open group", length(ref) + 1);
        state.checkLookbehindGroup(gid, source);
        state.cannotTranslate("a backreference");
        return { kind: "other", width: state.groupWidths[gid] ?? ZERO, hasRepeat: false, js: "" };
      } else {
        const next = source.get();
        if (next === null) throw source.error("unexpected end of pattern");
        throw source.error(`unknown extension ?P${next}`, length(next) + 2);
      }
    } else if (char === ":") {
      capture = false;
    } else if (char === "#") {
      for (;;) {
        if (source.next === null)
          throw source.error("missing ), unterminated comment", source.tell() - start);
        if (source.get() === ")") break;
      }
      return "comment";
    } else if ("=!<".includes(char)) {
      let behind = false;
      let kind = char;
      let outerLookbehind: number | null = null;
      if (char === "<") {
        const next = source.get();
        if (next === null) throw source.error("unexpected end of pattern");
        if (!"=!".includes(next))
          throw source.error(`unknown extension ?<${next}`, length(next) + 2);
        behind = true;
        kind = next;
        outerLookbehind = state.lookbehindGroups;
        if (outerLookbehind === null) state.lookbehindGroups = state.groups;
      }
      const inner = parseSub({ ...ctx, depth: ctx.depth + 1 }, verbose, nested + 1);
      if (behind && outerLookbehind === null) state.lookbehindGroups = null;
      if (!source.match(")"))
        throw source.error("missing ), unterminated subpattern", source.tell() - start);
      if (behind) {
        // _compiler.py: a look-behind must have one fixed width.
        if (inner.width.lo > MAXCODE) throw new RegexError("looks too much behind", start);
        if (inner.width.lo !== inner.width.hi)
          throw new RegexError("look-behind requires fixed-width pattern", start);
      }
      const js = `(?${behind ? "<" : ""}${kind}${inner.js})`;
      return { kind: "assert", width: ZERO, hasRepeat: inner.hasRepeat, js };
    } else if (char === "(") {
      const condName = source.getUntil(")", "group name");
      let condGroup: number;
      if (IDENTIFIER.test(condName)) {
        const gid = state.groupNames.get(condName);
        if (gid === undefined)
          throw source.error(`unknown group name ${pyRepr(condName)}`, length(condName) + 1);
        condGroup = gid;
      } else {
        // Python 3.11 accepts other decimal digits with a DeprecationWarning; 3.12 refuses them.
        if (!/^[0-9]+$/.test(condName))
          throw source.error(
            `bad character in group name ${pyRepr(condName)}`,
            length(condName) + 1,
          );
        condGroup = Number.parseInt(condName, 10);
        if (condGroup === 0) throw source.error("bad group number", length(condName) + 1);
        if (condGroup >= MAXGROUPS)
          throw source.error(`invalid group reference ${condGroup}`, length(condName) + 1);
        if (!state.groupRefPositions.has(condGroup))
          state.groupRefPositions.set(condGroup, source.tell() - length(condName) - 1);
      }
      state.checkLookbehindGroup(condGroup, source);
      state.cannotTranslate("a conditional group");
      const innerCtx = { ...ctx, depth: ctx.depth + 1 };
      const yes = parseSequence(innerCtx, verbose, nested + 1, false);
      let no: Item | null = null;
      if (source.match("|")) {
        no = parseSequence(innerCtx, verbose, nested + 1, false);
        if (source.next === "|")
          throw source.error("conditional backref with more than two branches");
      }
      if (!source.match(")"))
        throw source.error("missing ), unterminated subpattern", source.tell() - start);
      const width = no
        ? { lo: Math.min(yes.width.lo, no.width.lo), hi: Math.max(yes.width.hi, no.width.hi) }
        : { lo: 0, hi: yes.width.hi };
      return {
        kind: "other",
        width,
        hasRepeat: yes.hasRepeat || Boolean(no?.hasRepeat),
        js: "",
      };
    } else if (char === ">") {
      capture = false;
      state.cannotTranslate("an atomic group");
    } else if (char in FLAG_BITS || char === "-") {
      const flags = parseFlags(source, state, char);
      if (flags === null) {
        if (!first || !empty)
          throw source.error(
            "global flags not at the start of the expression",
            source.tell() - start,
          );
        return "global-flags";
      }
      add = flags.add;
      del = flags.del;
      capture = false;
    } else {
      throw source.error(`unknown extension ?${char}`, length(char) + 1);
    }
  }
  let group: number | null = null;
  if (capture) {
    try {
      group = state.openGroup(name);
    } catch (error) {
      throw source.error((error as Error).message, name === null ? 1 : length(name) + 1);
    }
  }
  const subVerbose = (verbose || (add & VERBOSE) !== 0) && (del & VERBOSE) === 0;
  const outer = ctx.flags;
  const flags = add || del ? () => combineFlags(outer(), add, del) : outer;
  const inner = parseSub({ ...ctx, depth: ctx.depth + 1, flags }, subVerbose, nested + 1);
  if (!source.match(")"))
    throw source.error("missing ), unterminated subpattern", source.tell() - start);
  if (group !== null) state.groupWidths[group] = inner.width;
  return {
    kind: "subpattern",
    width: inner.width,
    hasRepeat: inner.hasRepeat,
    js: `(?:${inner.js})`,
  };
}

interface Parsed {
  state: State;
  problem: PythonRegexProblem | null;
  js: string;
}

function parse(pattern: string): Parsed {
  const state = new State();
  try {
    const source = new Source(pattern);
    const ctx: ParseContext = { source, state, depth: 0, flags: () => state.flags };
    const { js } = parseSub(ctx, false, 0);
    // fix_flags: a str pattern cannot be both ASCII and UNICODE.
    if (state.flags & ASCII && state.flags & UNICODE)
      throw new RegexError("ASCII and UNICODE flags are incompatible", 0);
    if (source.next !== null) throw source.error("unbalanced parenthesis");
    for (const [group, position] of state.groupRefPositions) {
      if (group >= state.groups) throw new RegexError(`invalid group reference ${group}`, position);
    }
    return { state, problem: null, js };
  } catch (error) {
    if (error instanceof RegexError)
      return { state, problem: { message: error.message, position: error.position }, js: "" };
    throw error;
  }
}

/** Checks a pattern as Python's `re.compile(pattern)` would. */
export function checkPythonRegex(pattern: string): PythonRegexReport {
  const { state, problem } = parse(pattern);
  return { problem, nestedRepeat: problem ? null : state.nestedRepeat };
}

const LONE_SURROGATE = /\p{Cs}/u;

function highestCodePoint(text: string): number {
  let highest = 0;
  for (const char of text) highest = Math.max(highest, char.codePointAt(0) ?? 0);
  return highest;
}

/** Parses and translates `pattern` once; use the result for every value. */
export function compilePythonRegex(pattern: string): PythonRegex {
  const { state, problem, js } = parse(pattern);
  if (problem) return { exact: false, reason: problem.message, problem };
  if (state.untranslatable) return { exact: false, reason: state.untranslatable, problem: null };
  let regex: RegExp;
  try {
    regex = new RegExp(js, "uy");
  } catch {
    // An engine without look-behind or \p{…}.
    return { exact: false, reason: "a pattern this browser cannot compile", problem: null };
  }
  const { caseFolds, unicodeClasses } = state;
  return {
    exact: true,
    test(value) {
      // A browser posts a lone surrogate as U+FFFD; the hub would check that, not this.
      if (LONE_SURROGATE.test(value)) return null;
      const highest = highestCodePoint(value);
      if (caseFolds && highest >= 0x80) return null;
      if (unicodeClasses && highest >= STABLE_UNICODE_BELOW) return null;
      regex.lastIndex = 0;
      return regex.test(value);
    },
  };
}

/** `re.match(pattern, value)`'s verdict where exact; null where only Python can tell. */
export function pythonReMatch(pattern: string, value: string): boolean | null {
  const compiled = compilePythonRegex(pattern);
  return compiled.exact ? compiled.test(value) : null;
}
