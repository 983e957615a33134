/**
 * Characters a person cannot see in what they typed: spaces at either end, zero-width and bidi
 * format characters, control characters, unpaired surrogates. In a profile list they make two
 * slugs that look alike differ, an image name that looks right unpullable, or a display name that
 * reads one way and sorts another. The editor refuses them and says where they are.
 */

export interface InvisibleCharacter {
  /** 0-based code point index. */
  index: number;
  /** `U+200B`. */
  codePoint: string;
  /** "zero-width space", "space at the end", … */
  what: string;
}

const NAMES: Record<number, string> = {
  0x00ad: "soft hyphen",
  0x061c: "Arabic letter mark",
  0x115f: "Hangul choseong filler",
  0x1160: "Hangul jungseong filler",
  0x180e: "Mongolian vowel separator",
  0x200b: "zero-width space",
  0x200c: "zero-width non-joiner",
  0x200d: "zero-width joiner",
  0x200e: "left-to-right mark",
  0x200f: "right-to-left mark",
  0x202a: "left-to-right embedding",
  0x202b: "right-to-left embedding",
  0x202c: "pop directional formatting",
  0x202d: "left-to-right override",
  0x202e: "right-to-left override",
  0x2060: "word joiner",
  0x2066: "left-to-right isolate",
  0x2067: "right-to-left isolate",
  0x2068: "first strong isolate",
  0x2069: "pop directional isolate",
  0x3164: "Hangul filler",
  0xfeff: "zero-width no-break space (byte order mark)",
  0xffa0: "halfwidth Hangul filler",
};

/** Default-ignorable code points (zero-width, bidi, variation selectors…) and controls. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}]/u;
const EMOJI = /\p{Extended_Pictographic}/u;
/** Variation selectors: ignorable, but they choose how the character before them looks. */
const VARIATION_SELECTOR = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;
const SPACE = /\s/u;

function hex(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

function describe(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
    if (char === "\n") return "line break";
    if (char === "\t") return "tab";
    return "control character";
  }
  return NAMES[code] ?? "invisible character";
}

export interface InvisibleCharacterOptions {
  /** Descriptions may span lines: allow `\n` (and `\r\n`) inside the text. */
  multiline?: boolean;
}

/** Every invisible character in `text`, in order. Empty when the text is clean. */
export function findInvisibleCharacters(
  text: string,
  options: InvisibleCharacterOptions = {},
): InvisibleCharacter[] {
  const chars = Array.from(text);
  const found: InvisibleCharacter[] = [];
  const report = (index: number, what: string) => {
    const code = chars[index]?.codePointAt(0) ?? 0;
    found.push({ index, codePoint: hex(code), what });
  };
  let start = 0;
  while (start < chars.length && SPACE.test(chars[start] ?? "")) {
    report(
      start,
      INVISIBLE.test(chars[start] ?? "") ? describe(chars[start] ?? "") : "space at the start",
    );
    start++;
  }
  let end = chars.length;
  while (end > start && SPACE.test(chars[end - 1] ?? "")) end--;
  for (let i = start; i < end; i++) {
    const char = chars[i] ?? "";
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      report(i, "broken character (an unpaired surrogate)");
      continue;
    }
    if (options.multiline && (char === "\n" || (char === "\r" && chars[i + 1] === "\n"))) continue;
    if (!INVISIBLE.test(char)) continue;
    // An emoji sequence (👩‍💻) joins pictographs with U+200D; a variation selector picks the
    // emoji or text form of the character before it. Both are part of what people see.
    if (code === 0x200d && EMOJI.test(chars[i - 1] ?? "") && EMOJI.test(chars[i + 1] ?? ""))
      continue;
    if (VARIATION_SELECTOR.test(char) && i > 0 && !SPACE.test(chars[i - 1] ?? "")) continue;
    report(i, describe(char));
  }
  for (let i = end; i < chars.length; i++)
    report(i, INVISIBLE.test(chars[i] ?? "") ? describe(chars[i] ?? "") : "space at the end");
  return found;
}

/** "zero-width space (U+200B) at character 7": 1-based, as a person counts. */
export function describeInvisibleCharacter(found: InvisibleCharacter): string {
  return `${found.what} (${found.codePoint}) at character ${found.index + 1}`;
}
