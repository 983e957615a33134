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
 * It never throws: any input is a sequence of lines, and a line that means nothing is dropped.
 */

export type SseItem =
  | { readonly type: "data"; readonly data: string }
  | { readonly type: "comment"; readonly text: string };

export interface SseReaderOptions {
  /**
   * A single line longer than this (in UTF-16 code units) is dropped rather than buffered, so a
   * peer that never sends a line break cannot grow memory without bound. Default 8 MiB.
   */
  maxLineLength?: number;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const BOM = 0xfeff;
const NOTHING: readonly SseItem[] = Object.freeze([]);

export class SseReader {
  private partial = "";
  private partialTooLong = false;
  /** The previous chunk ended in CR: a LF opening the next chunk belongs to the same line break. */
  private skipLeadingLf = false;
  private atStreamStart = true;
  private data = "";
  private hasData = false;
  private readonly maxLineLength: number;

  constructor(options: SseReaderOptions = {}) {
    this.maxLineLength = options.maxLineLength ?? 8 * 1024 * 1024;
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
    for (let i = start; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      let line: string | undefined;
      if (this.partialTooLong) {
        this.partialTooLong = false;
      } else if (this.partial === "") {
        line = chunk.slice(start, i);
      } else {
        line = this.partial + chunk.slice(start, i);
      }
      this.partial = "";
      if (line !== undefined && line.length <= this.maxLineLength) {
        const item = this.processLine(line);
        if (item !== undefined) (out ??= []).push(item);
      }
      if (c === CR) {
        if (i + 1 < n) {
          if (chunk.charCodeAt(i + 1) === LF) i += 1;
        } else {
          this.skipLeadingLf = true;
        }
      }
      start = i + 1;
    }
    if (start < n && !this.partialTooLong) {
      if (this.partial.length + (n - start) > this.maxLineLength) {
        this.partial = "";
        this.partialTooLong = true;
      } else {
        this.partial += start === 0 ? chunk : chunk.slice(start);
      }
    }
    return out ?? NOTHING;
  }

  /** Forgets everything buffered, as at the start of a new stream. */
  reset(): void {
    this.partial = "";
    this.partialTooLong = false;
    this.skipLeadingLf = false;
    this.atStreamStart = true;
    this.data = "";
    this.hasData = false;
  }

  private processLine(line: string): SseItem | undefined {
    if (line.length === 0) {
      if (!this.hasData) return undefined;
      const data = this.data;
      this.data = "";
      this.hasData = false;
      return { type: "data", data };
    }
    if (line.charCodeAt(0) === COLON) return { type: "comment", text: line.slice(1) };
    const colon = line.indexOf(":");
    // Only `data` matters here; any other field (event, id, retry, or nonsense) is ignored.
    if (colon === -1) {
      if (line === "data") this.appendData("");
      return undefined;
    }
    if (colon !== 4 || !line.startsWith("data")) return undefined;
    const valueStart = line.charCodeAt(5) === SPACE ? 6 : 5;
    this.appendData(line.slice(valueStart));
    return undefined;
  }

  private appendData(value: string): void {
    if (this.hasData) {
      this.data = this.data + "\n" + value;
    } else {
      this.data = value;
      this.hasData = true;
    }
  }
}
