/**
 * Build log text is untrusted: BinderHub relays what a repository's build prints. Before it
 * reaches the terminal, the copy or the download, only what a log needs survives — text, colours
 * and styles (SGR, `CSI … m`), newlines, carriage returns (progress lines) and tabs. Every other
 * control is dropped with its whole sequence: cursor movement and screen clears (a repository
 * could wipe the log and print a fake "Build succeeded!"), OSC (titles, OSC 8 links, OSC 52
 * clipboard writes), DCS, SOS, PM and APC strings, other escape sequences (`ESC c` resets the
 * terminal), lone ESCs, and the other C0 and C1 controls (backspace overwrites, SO switches the
 * character set). Sequences follow ECMA-48 (5th edition, §5.3-5.6) as xterm.js parses them
 * (https://github.com/xtermjs/xterm.js/blob/master/src/common/parser/EscapeSequenceParser.ts).
 *
 * One pass over the characters, keeping runs of plain text as slices (found by one regex search
 * each, the fastest way through a long log). Events can end in the
 * middle of a sequence, so the cleaner keeps its state from one `push` to the next: pushing a log
 * in pieces gives the same text as pushing it whole.
 */

// The scanner's states (numbers rather than an enum: the project's TypeScript is erasable-only).
const GROUND = 0;
/** After ESC. */
const ESCAPE = 1;
/** After ESC and intermediate bytes (0x20-0x2F): an nF sequence, waiting for its final byte. */
const ESCAPE_INTERMEDIATE = 2;
/** In a CSI sequence that may still turn out to be SGR; its text so far is in `#sequence`. */
const CSI = 3;
/** In a CSI sequence that is dropped whatever its final byte. */
const CSI_IGNORE = 4;
/** In an OSC, DCS, SOS, PM or APC string: dropped up to its terminator. */
const CONTROL_STRING = 5;
/** ESC inside a control string: `ESC \` (ST) ends it. */
const CONTROL_STRING_ESCAPE = 6;
type State =
  | typeof GROUND
  | typeof ESCAPE
  | typeof ESCAPE_INTERMEDIATE
  | typeof CSI
  | typeof CSI_IGNORE
  | typeof CONTROL_STRING
  | typeof CONTROL_STRING_ESCAPE;

const ESC = 0x1b;
const BEL = 0x07;
const LF = 0x0a;
/** CAN and SUB cancel any sequence in progress (ECMA-48 §8.3.6, §8.3.148). */
const CAN = 0x18;
const SUB = 0x1a;
/** C1 string terminator ST, and C1 introducers (8-bit forms, one UTF-16 unit each). */
const C1_ST = 0x9c;
const C1_CSI = 0x9b;

/**
 * A CSI longer than this is no colour: longer SGR sequences do not occur in logs, and a sequence
 * that never ends must not swallow what follows it.
 */
const MAX_SEQUENCE = 64;

function isControlStringIntroducer(code: number): boolean {
  // ESC ] OSC, ESC P DCS, ESC X SOS, ESC ^ PM, ESC _ APC
  return code === 0x5d || code === 0x50 || code === 0x58 || code === 0x5e || code === 0x5f;
}

function isC1ControlStringIntroducer(code: number): boolean {
  // OSC 0x9D, DCS 0x90, SOS 0x98, PM 0x9E, APC 0x9F
  return code === 0x9d || code === 0x90 || code === 0x98 || code === 0x9e || code === 0x9f;
}

/** Every character that is not kept as text: C0 controls but TAB, LF and CR; DEL; C1 controls. */
// eslint-disable-next-line no-control-regex -- the controls are what it finds
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

export class LogCleaner {
  #state: State = GROUND;
  /** The CSI being read (from its ESC), emitted only if it ends as SGR. */
  #sequence = "";

  /** The part of `text` that may reach a terminal, given what came before it. */
  push(text: string): string {
    let out = "";
    const length = text.length;
    let i = 0;
    while (i < length) {
      if (this.#state === GROUND) {
        // Plain text is most of a log: the regex engine finds the next control character,
        // and everything before it is kept as one slice.
        CONTROL.lastIndex = i;
        const found = CONTROL.exec(text);
        if (found === null) {
          out += i === 0 ? text : text.slice(i);
          break;
        }
        if (found.index > i) out += text.slice(i, found.index);
        i = found.index;
        const code = text.charCodeAt(i);
        if (code === ESC) this.#state = ESCAPE;
        else if (code === C1_CSI) this.#state = CSI_IGNORE;
        else if (isC1ControlStringIntroducer(code)) this.#state = CONTROL_STRING;
        // any other C0 or C1 control, and DEL, is dropped
        i++;
        continue;
      }
      out += this.#inSequence(text.charCodeAt(i));
      // A character that ended a sequence without belonging to it is read again as text.
      if (this.#reread) this.#reread = false;
      else i++;
    }
    return out;
  }

  /** Set when the character just seen ended a sequence and must be read again in Ground. */
  #reread = false;

  #abort(): void {
    this.#state = GROUND;
    this.#sequence = "";
    this.#reread = true;
  }

  /** One character inside a sequence: what to emit (an SGR sequence, once complete, else ""). */
  #inSequence(code: number): string {
    switch (this.#state) {
      case ESCAPE:
        if (code === 0x5b) {
          this.#state = CSI;
          this.#sequence = "\u001b[";
        } else if (isControlStringIntroducer(code)) {
          this.#state = CONTROL_STRING;
        } else if (code !== ESC) {
          // ESC then intermediates (0x20-0x2F) is an nF sequence; a final byte alone is a
          // two-character escape (ESC c, ESC 7, ESC M…). A lone ESC before another is dropped.
          this.#continueOrEnd(code, ESCAPE_INTERMEDIATE, 0x20, 0x2f, 0x30);
        }
        return "";
      case ESCAPE_INTERMEDIATE:
        this.#continueOrEnd(code, ESCAPE_INTERMEDIATE, 0x20, 0x2f, 0x30);
        return "";
      case CSI:
        // SGR: parameters of digits, `;` and `:` (ITU T.416 sub-parameters), no private marker
        // (`CSI > … m` sets xterm key modifiers) and no intermediate bytes.
        if (code >= 0x30 && code <= 0x3b && this.#sequence.length < MAX_SEQUENCE) {
          this.#sequence += String.fromCharCode(code);
          return "";
        }
        if (code === 0x6d) {
          const sgr = `${this.#sequence}m`;
          this.#state = GROUND;
          this.#sequence = "";
          return sgr;
        }
        this.#sequence = "";
        this.#state = CSI_IGNORE;
        return this.#inSequence(code);
      case CSI_IGNORE:
        // parameters and intermediates, then the final byte
        this.#continueOrEnd(code, CSI_IGNORE, 0x20, 0x3f, 0x40);
        return "";
      case CONTROL_STRING:
        if (code === BEL || code === C1_ST || code === CAN || code === SUB) {
          this.#state = GROUND;
        } else if (code === ESC) {
          this.#state = CONTROL_STRING_ESCAPE;
        } else if (code === LF) {
          // Not a terminator to a terminal, but one here: an unterminated string must not
          // swallow the rest of the log (its introducer is gone, so nothing after it is a string).
          this.#abort();
        }
        return "";
      case CONTROL_STRING_ESCAPE:
        if (code === 0x5c) {
          this.#state = GROUND; // ESC \ (ST)
          return "";
        }
        // ESC then anything else ends the string; the ESC starts a sequence of its own.
        this.#state = ESCAPE;
        return this.#inSequence(code);
      default:
        return "";
    }
  }

  /**
   * The shape ESC's intermediates and a CSI's parameters share: characters in
   * `[continueFrom, continueTo]` keep the sequence going (in `next`), a final byte from
   * `finalFrom` to 0x7E ends it, CAN and SUB cancel it, and anything else aborts it and is read
   * again as text.
   */
  #continueOrEnd(
    code: number,
    next: State,
    continueFrom: number,
    continueTo: number,
    finalFrom: number,
  ): void {
    if (code >= continueFrom && code <= continueTo) this.#state = next;
    else if ((code >= finalFrom && code <= 0x7e) || code === CAN || code === SUB)
      this.#state = GROUND;
    else this.#abort();
  }
}

/** `text` cleaned as a whole (tests, and text that does not arrive in pieces). */
export function cleanLogText(text: string): string {
  return new LogCleaner().push(text);
}
