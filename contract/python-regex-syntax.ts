/**
 * Does Python's `re` accept this pattern? KubeSpawner checks an unlisted choice with
 * `re.match(validation_regex, value)` in the hub (kubespawner/spawner.py `_validate_user_options`),
 * so a pattern Python refuses breaks every spawn of that profile. The editor checks it here, with
 * Python's own messages and positions, before anything is published; the hub glue compiles it again
 * with Python's `re` when it loads a version and refuses the version if it does not compile.
 *
 * This follows the grammar of CPython 3.11-3.13 `Lib/re/_parser.py` (the Tokenizer, `_escape`,
 * `_class_escape`, `_parse`, `_parse_flags`, `fix_flags`) and the look-behind width check of
 * `Lib/re/_compiler.py` (`_compile`, ASSERT with direction -1). Positions count code points, as
 * Python's `re.error.pos` does. The test suite compares this module with the real `re.compile` on
 * a table of patterns and on random ones.
 *
 * Two deliberate refusals where Python would accept: `\N{name}` (Unicode names cannot be looked up
 * here; write the character or `\uXXXX`) and nesting deeper than MAX_DEPTH groups.
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

const MAXREPEAT = 4294967295;
const MAXGROUPS = 1073741823;
const MAXCODE = 4294967295;
/** Deeper nesting than this is refused (CPython itself stops at its recursion limit). */
export const MAX_DEPTH = 100;

const DIGITS = new Set("0123456789");
const OCTDIGITS = new Set("01234567");
const HEXDIGITS = new Set("0123456789abcdefABCDEF");
const ASCII_LETTERS = /^[A-Za-z]$/;
const WHITESPACE = new Set(" \t\n\r\v\f");
const SPECIAL_CHARS = new Set(".\\[{()*+?^$|");
const REPEAT_CHARS = new Set("*+?{");
/** Escapes that stand for one literal character, in and out of sets. */
const LITERAL_ESCAPES = new Set(["\\a", "\\b", "\\f", "\\n", "\\r", "\\t", "\\v", "\\\\"]);
const CLASS_CATEGORIES = new Set(["\\d", "\\D", "\\s", "\\S", "\\w", "\\W"]);
/** Outside a set `\b` is a word boundary; the zero-width ones are AT codes. */
const AT_CATEGORIES = new Set(["\\A", "\\b", "\\B", "\\Z"]);
const FLAG_BITS: Record<string, number> = { i: 2, L: 4, m: 8, s: 16, x: 64, a: 256, t: 1, u: 32 };
const VERBOSE = 64;
const TYPE_FLAGS = 256 | 4 | 32;
const GLOBAL_FLAGS = 1 | 128; // TEMPLATE | DEBUG
const IDENTIFIER = /^[\p{ID_Start}_][\p{ID_Continue}]*$/u;

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
type ItemKind = "at" | "repeat" | "subpattern" | "other";
interface Item {
  kind: ItemKind;
  width: Width;
  /** The item holds an unbounded repetition somewhere inside (for the nested-repeat warning). */
  hasRepeat: boolean;
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
}

const UNIT: Width = { lo: 1, hi: 1 };
const ZERO: Width = { lo: 0, hi: 0 };

function unit(): Item {
  return { kind: "other", width: UNIT, hasRepeat: false };
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

/** `_class_escape`: an escape inside `[...]`; returns whether it is one literal character. */
function classEscape(source: Source, escape: string): { literal: number | null } {
  if (LITERAL_ESCAPES.has(escape)) return { literal: literalEscapeCode(escape) };
  if (CLASS_CATEGORIES.has(escape)) return { literal: null };
  const c = escape.slice(1);
  const code = numericEscape(source, escape, c);
  if (code !== undefined) return { literal: code };
  if (OCTDIGITS.has(c)) {
    const digits = escape + source.getWhile(2, OCTDIGITS);
    const value = parseInt(digits.slice(1), 8);
    if (value > 0o377)
      throw source.error(`octal escape value ${digits} outside of range 0-0o377`, length(digits));
    return { literal: value };
  }
  if (DIGITS.has(c)) throw source.error(`bad escape ${escape}`, length(escape));
  if (ASCII_LETTERS.test(c)) throw source.error(`bad escape ${escape}`, length(escape));
  return { literal: c.codePointAt(0) ?? 0 };
}

function literalEscapeCode(escape: string): number {
  const map: Record<string, number> = {
    "\\a": 7,
    "\\b": 8,
    "\\f": 12,
    "\\n": 10,
    "\\r": 13,
    "\\t": 9,
    "\\v": 11,
    "\\\\": 92,
  };
  return map[escape] ?? 0;
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
function escapeItem(source: Source, escape: string, state: State): Item {
  if (AT_CATEGORIES.has(escape)) return { kind: "at", width: ZERO, hasRepeat: false };
  if (CLASS_CATEGORIES.has(escape) || LITERAL_ESCAPES.has(escape)) return unit();
  const c = escape.slice(1);
  if (numericEscape(source, escape, c) !== undefined) return unit();
  if (c === "0") {
    source.getWhile(2, OCTDIGITS);
    return unit();
  }
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
        return unit();
      }
    }
    const group = parseInt(text.slice(1), 10);
    if (group < state.groups) {
      if (!state.checkGroup(group))
        throw source.error("cannot refer to an open group", length(text));
      state.checkLookbehindGroup(group, source);
      return { kind: "other", width: state.groupWidths[group] ?? ZERO, hasRepeat: false };
    }
    throw source.error(`invalid group reference ${group}`, length(text) - 1);
  }
  if (ASCII_LETTERS.test(c)) throw source.error(`bad escape ${escape}`, length(escape));
  return unit();
}

interface ParseContext {
  source: Source;
  state: State;
  depth: number;
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
function parseSet(source: Source, here: number): void {
  if (source.next === "[") throw futureChange("Possible nested set", source.tell());
  source.match("^");
  let members = 0;
  for (;;) {
    const start = source.tell();
    const current = source.get();
    if (current === null) throw source.error("unterminated character set", source.tell() - here);
    if (current === "]" && members > 0) return;
    let first: { literal: number | null };
    if (current.startsWith("\\")) first = classEscape(source, current);
    else {
      if (members > 0 && SET_OPERATIONS[current] && source.next === current)
        throw futureChange(`Possible set ${SET_OPERATIONS[current]}`, source.tell() - 1);
      first = { literal: current.codePointAt(0) ?? 0 };
    }
    if (source.match("-")) {
      const that = source.get();
      if (that === null) throw source.error("unterminated character set", source.tell() - here);
      if (that === "]") return;
      let second: { literal: number | null };
      if (that.startsWith("\\")) second = classEscape(source, that);
      else {
        if (that === "-") throw futureChange("Possible set difference", source.tell() - 2);
        second = { literal: that.codePointAt(0) ?? 0 };
      }
      if (first.literal === null || second.literal === null || second.literal < first.literal)
        throw new RegexError(`bad character range ${current}-${that}`, start);
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
      items.push(escapeItem(source, current, state));
    } else if (!SPECIAL_CHARS.has(current)) {
      items.push(unit());
    } else if (current === "[") {
      parseSet(source, source.tell() - 1);
      items.push(unit());
    } else if (REPEAT_CHARS.has(current)) {
      const here = source.tell();
      let min = 0;
      let max = MAXREPEAT;
      if (current === "?") max = 1;
      else if (current === "+") min = 1;
      else if (current === "{") {
        if (source.next === "}") {
          items.push(unit());
          continue;
        }
        let lo = "";
        let hi = "";
        while (source.next !== null && DIGITS.has(source.next)) lo += source.get() ?? "";
        if (source.match(",")) {
          while (source.next !== null && DIGITS.has(source.next)) hi += source.get() ?? "";
        } else hi = lo;
        if (!source.match("}")) {
          items.push(unit());
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
      if (!source.match("?")) source.match("+");
      const unbounded = max === MAXREPEAT;
      if (unbounded && previous.hasRepeat && state.nestedRepeat === null)
        state.nestedRepeat = { position: here - 1 };
      const inner = previous.width;
      items[items.length - 1] = {
        kind: "repeat",
        width: {
          lo: inner.lo * min,
          hi: unbounded && inner.hi > 0 ? Infinity : inner.hi * max,
        },
        hasRepeat: previous.hasRepeat || (unbounded && inner.hi > 0),
      };
    } else if (current === ".") {
      items.push(unit());
    } else if (current === "(") {
      const item = parseGroup(ctx, verbose, nested, first, items.length === 0);
      if (item === "global-flags") verbose = (state.flags & VERBOSE) !== 0;
      else if (item !== "comment") items.push(item);
    } else {
      // "^" and "$"
      items.push({ kind: "at", width: ZERO, hasRepeat: false });
    }
  }
  return {
    kind: "other",
    width: sequenceWidth(items),
    hasRepeat: items.some((item) => item.hasRepeat),
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
        return { kind: "other", width: state.groupWidths[gid] ?? ZERO, hasRepeat: false };
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
      let outerLookbehind: number | null = null;
      if (char === "<") {
        const next = source.get();
        if (next === null) throw source.error("unexpected end of pattern");
        if (!"=!".includes(next))
          throw source.error(`unknown extension ?<${next}`, length(next) + 2);
        behind = true;
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
      return { kind: "other", width: ZERO, hasRepeat: inner.hasRepeat };
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
      return { kind: "other", width, hasRepeat: yes.hasRepeat || Boolean(no?.hasRepeat) };
    } else if (char === ">") {
      capture = false;
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
  const inner = parseSub({ ...ctx, depth: ctx.depth + 1 }, subVerbose, nested + 1);
  if (!source.match(")"))
    throw source.error("missing ), unterminated subpattern", source.tell() - start);
  if (group !== null) state.groupWidths[group] = inner.width;
  return { kind: "subpattern", width: inner.width, hasRepeat: inner.hasRepeat };
}

/** Checks a pattern as Python's `re.compile(pattern)` would. */
export function checkPythonRegex(pattern: string): PythonRegexReport {
  const state = new State();
  try {
    const source = new Source(pattern);
    const ctx: ParseContext = { source, state, depth: 0 };
    parseSub(ctx, false, 0);
    // fix_flags: a str pattern cannot be both ASCII and UNICODE.
    if (state.flags & 256 && state.flags & 32)
      throw new RegexError("ASCII and UNICODE flags are incompatible", 0);
    if (source.next !== null) throw source.error("unbalanced parenthesis");
    for (const [group, position] of state.groupRefPositions) {
      if (group >= state.groups) throw new RegexError(`invalid group reference ${group}`, position);
    }
  } catch (error) {
    if (error instanceof RegexError)
      return {
        problem: { message: error.message, position: error.position },
        nestedRepeat: null,
      };
    throw error;
  }
  return { problem: null, nestedRepeat: state.nestedRepeat };
}
