/**
 * An incremental reader for `text/event-stream` bodies, shared by the page (reading the companion)
 * and the companion (reading BinderHub). It follows the WHATWG "event stream interpretation"
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * lines end in CRLF, LF or CR; `data:` lines of one event are joined with "\n"; a blank line
 * dispatches; `event:`, `id:` and `retry:` are read and ignored, because neither BinderHub
 * (`emit()` writes only `data:` lines, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L150-L158) nor the companion
 * sends them.
 *
 * Unlike EventSource it surfaces comments, because BinderHub's only sign of life during a quiet
 * build step is `:keepalive` every 25 s (`keep_alive()`, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L178-L194),
 * and a watchdog needs it.
 *
 * It never throws: any input is a sequence of lines, and a line that means nothing is dropped. Its
 * memory is bounded: an event longer than `maxEventLength` keeps its first part and says how much
 * of it was not kept (`omitted`), so the reader of the event can say so to people.
 */

export type SseItem =
  | {
      readonly type: "data";
      readonly data: string;
      /**
       * UTF-8 bytes of this event's data that were not kept, because the event was longer than
       * `maxEventLength`: `data` is then its first part. Absent when nothing was cut.
       */
      readonly omitted?: number;
    }
  | { readonly type: "comment"; readonly text: string };

export interface SseReaderOptions {
  /**
   * The most of one event's data kept, in UTF-16 code units; the rest of the event (and of any
   * line longer than this) is counted, not buffered, so a peer that never ends a line or an event
   * cannot grow memory without bound. Default 1 MiB.
   */
  maxEventLength?: number;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const BOM = 0xfeff;
const NOTHING: readonly SseItem[] = Object.freeze([]);
/** `data: ` and a little more: a line may be this much longer than the data it carries. */
const LINE_OVERHEAD = 8;

const encoder = new TextEncoder();
const scratch = new Uint8Array(64 * 1024);

/** UTF-8 length of `text[from, to)` (a lone surrogate counts as U+FFFD), without keeping it. */
export function utf8Length(text: string, from = 0, to = text.length): number {
  let bytes = 0;
  let rest = from === 0 && to === text.length ? text : text.slice(from, to);
  while (rest.length > 0) {
    const { read, written } = encoder.encodeInto(rest, scratch);
    bytes += written;
    rest = rest.slice(read);
  }
  return bytes;
}

/** Where to cut `text` at most at `end` without splitting a surrogate pair. */
function cutPoint(text: string, from: number, end: number): number {
  if (end <= from) return from;
  const last = text.charCodeAt(end - 1);
  return last >= 0xd800 && last <= 0xdbff ? end - 1 : end;
}

export class SseReader {
  private partial = "";
  /** UTF-8 bytes of the current line past `maxLineLength`, counted instead of kept. */
  private partialOmitted = 0;
  /** The previous chunk ended in CR: a LF opening the next chunk belongs to the same line break. */
  private skipLeadingLf = false;
  private atStreamStart = true;
  private data = "";
  private hasData = false;
  private dataOmitted = 0;
  private readonly maxEventLength: number;
  private readonly maxLineLength: number;

  constructor(options: SseReaderOptions = {}) {
    this.maxEventLength = options.maxEventLength ?? 1024 * 1024;
    this.maxLineLength = this.maxEventLength + LINE_OVERHEAD;
  }

  /**
   * Reads the next piece of the stream and returns the items it completes, in order. The array
   * is shared and frozen when empty; callers must not mutate what they get.
   */
  feed(chunk: string): readonly SseItem[] {
    const n = chunk.length;
    if (n === 0) return NOTHING;
    let out: SseItem[] | undefined;
    let start = 0;
    if (this.atStreamStart) {
      this.atStreamStart = false;
      if (chunk.charCodeAt(0) === BOM) start = 1;
    }
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (chunk.charCodeAt(start) === LF) start += 1;
    }
    const max = this.maxLineLength;
    // indexOf is the engine's own scan, many times faster than a loop over charCodeAt.
    let lf = chunk.indexOf("\n", start);
    let cr = chunk.indexOf("\r", start);
    while (lf !== -1 || cr !== -1) {
      let i = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      const c = i === lf ? LF : CR;
      let line: string;
      let omitted = this.partialOmitted;
      if (omitted === 0 && this.partial.length + (i - start) <= max) {
        line = this.partial === "" ? chunk.slice(start, i) : this.partial + chunk.slice(start, i);
      } else {
        const keep = cutPoint(chunk, start, Math.min(i, start + max - this.partial.length));
        line = this.partial + chunk.slice(start, keep);
        omitted += utf8Length(chunk, keep, i);
      }
      this.partial = "";
      this.partialOmitted = 0;
      const item = this.processLine(line, omitted);
      if (item !== undefined) (out ??= []).push(item);
      if (c === CR) {
        if (i + 1 < n) {
          if (chunk.charCodeAt(i + 1) === LF) i += 1;
        } else {
          this.skipLeadingLf = true;
        }
      }
      start = i + 1;
      if (lf !== -1 && lf < start) lf = chunk.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = chunk.indexOf("\r", start);
    }
    if (start < n) {
      if (this.partialOmitted === 0 && this.partial.length + (n - start) <= max) {
        this.partial += start === 0 ? chunk : chunk.slice(start);
      } else {
        const keep = cutPoint(chunk, start, Math.min(n, start + max - this.partial.length));
        if (keep > start) this.partial += chunk.slice(start, keep);
        this.partialOmitted += utf8Length(chunk, keep, n);
      }
    }
    return out ?? NOTHING;
  }

  /** Forgets everything buffered, as at the start of a new stream. */
  reset(): void {
    this.partial = "";
    this.partialOmitted = 0;
    this.skipLeadingLf = false;
    this.atStreamStart = true;
    this.data = "";
    this.hasData = false;
    this.dataOmitted = 0;
  }

  private processLine(line: string, omitted: number): SseItem | undefined {
    if (line.length === 0) {
      if (!this.hasData) return undefined;
      const data = this.data;
      const dropped = this.dataOmitted;
      this.data = "";
      this.hasData = false;
      this.dataOmitted = 0;
      return dropped === 0 ? { type: "data", data } : { type: "data", data, omitted: dropped };
    }
    if (line.charCodeAt(0) === COLON) return { type: "comment", text: line.slice(1) };
    const colon = line.indexOf(":");
    // Only `data` matters here; any other field (event, id, retry, or nonsense) is ignored.
    if (colon === -1) {
      if (line === "data") this.appendData("", 0);
      return undefined;
    }
    if (colon !== 4 || !line.startsWith("data")) return undefined;
    const valueStart = line.charCodeAt(5) === SPACE ? 6 : 5;
    this.appendData(line.slice(valueStart), omitted);
    return undefined;
  }

  /** `omitted`: bytes of this very line already cut. Once an event is cut, the rest of it is too. */
  private appendData(value: string, omitted: number): void {
    const separator = this.hasData ? 1 : 0;
    const room = this.maxEventLength - this.data.length - separator;
    if (this.dataOmitted === 0 && omitted === 0 && value.length <= room) {
      this.data = separator === 1 ? this.data + "\n" + value : value;
      this.hasData = true;
      return;
    }
    let kept = 0;
    if (this.dataOmitted === 0 && room > 0) {
      kept = cutPoint(value, 0, Math.min(value.length, room));
      this.data = separator === 1 ? this.data + "\n" + value.slice(0, kept) : value.slice(0, kept);
    } else {
      omitted += separator;
    }
    this.hasData = true;
    this.dataOmitted += omitted + utf8Length(value, kept);
  }
}
