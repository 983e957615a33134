/**
 * One HTTP/1.1 GET whose answer is read as a stream, on a connection of its own (TCP, or TLS for
 * `https:`), for BinderHub's build streams.
 *
 * Why not `node:http`: its parser hands every chunk of a chunked body to JavaScript on its own (a
 * Buffer, a stream push, a string decode each), and BinderHub sends one chunk per event (Tornado
 * writes and flushes each: https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L180-L194).
 * Read here, a socket read of many chunks is one pass over its bytes and one decode: reading
 * 200,000 events cost 740 ms of CPU through `node:http` and 290 ms this way (same machine, same
 * server), most of what the companion spent relaying them.
 *
 * The answer is framed as RFC 9112 says (https://www.rfc-editor.org/rfc/rfc9112#section-6.3):
 * chunked transfer coding, else Content-Length, else the body runs until the server closes;
 * 1xx answers are skipped, a 204/304 has no body. What is kept of the server's bytes is bounded
 * (a head, a chunk-size line, a trailer line); how long a server may send interim answers or
 * trailers is the caller's watchdog's to judge (binderhub-client.ts counts only body text and the
 * head as signs of life). Anything malformed, or framed in a way llhttp refuses, is an error,
 * never a guess.
 */
import { connect as tcpConnect, isIP, type Socket } from "node:net";
import { StringDecoder } from "node:string_decoder";
import { connect as tlsConnect } from "node:tls";

/** The most of a status line and headers kept (Node's own default, --max-http-header-size). */
export const MAX_HEAD_BYTES = 16 * 1024;
/** The most of one chunk-size line (with its extensions) or of the trailers. */
const MAX_LINE_BYTES = 4 * 1024;

export interface StreamHandlers {
  /** The answer's status and headers (names in lower case; repeated ones joined with ", "). */
  head(status: number, headers: ReadonlyMap<string, string>): void;
  /** Body text, in order: UTF-8 decoded, a character split between reads kept whole. */
  body(text: string): void;
  /** The body is complete as its framing says. */
  end(): void;
  /** A failed connect, a reset, the connection closing mid-answer, or a malformed answer. */
  error(error: Error): void;
}

/** A GET in flight. */
export interface HttpStream {
  /**
   * Stops reading from the connection (the server's writes wait in the socket buffers), from the
   * next read on: the rest of the read being handled is still handed over.
   */
  pause(): void;
  resume(): void;
  /** Closes the connection; no handler is called after this. */
  destroy(): void;
}

/** Bytes a request line or header may hold: visible ASCII (path), and no CR, LF or NUL (values). */
const PATH_CHARS = /^[\x21-\x7e]+$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const CHUNKED_LAST = /(^|,)[ \t]*chunked[ \t]*$/i;

/** Whether `line` holds a control character other than tab (no header or trailer line may). */
function hasControl(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return true;
  }
  return false;
}

class MalformedAnswer extends Error {
  constructor(what: string) {
    super(`malformed HTTP answer: ${what}`);
  }
}

/**
 * Sends `GET url` with `headers` (and `Host`, `Connection: close`). Throws at once, before any
 * connection, for a URL or header that cannot be sent as it is (no request splitting).
 */
export function getStream(
  url: URL,
  headers: Readonly<Record<string, string>>,
  handlers: StreamHandlers,
): HttpStream {
  const tls = url.protocol === "https:";
  if (!tls && url.protocol !== "http:") throw new Error(`not an http(s) URL: ${url.protocol}`);
  const path = url.pathname + url.search;
  if (!PATH_CHARS.test(path)) throw new Error("the URL's path has characters HTTP cannot carry");
  let head = `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value))
      throw new Error(`header ${JSON.stringify(name)} cannot be sent as it is`);
    head += `${name}: ${value}\r\n`;
  }
  head += "Connection: close\r\n\r\n";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (tls ? 443 : 80));
  const socket = tls
    ? // Certificates are checked as node:https does (rejectUnauthorized, the host's name).
      tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }) })
    : tcpConnect({ host, port });
  return new Exchange(socket, Buffer.from(head, "latin1"), handlers);
}

const State = {
  Head: 0,
  ChunkSize: 1,
  ChunkData: 2,
  ChunkDataEnd: 3,
  Trailers: 4,
  Length: 5,
  UntilClose: 6,
  Done: 7,
} as const;
type State = (typeof State)[keyof typeof State];

class Exchange implements HttpStream {
  private readonly socket: Socket;
  private readonly handlers: StreamHandlers;
  private state: State = State.Head;
  /** Bytes of a head, chunk-size line or trailer not yet complete. */
  private carry: Buffer | undefined;
  /** Body bytes still due: of this chunk (ChunkData) or of the whole body (Length). */
  private remaining = 0;
  /** ChunkDataEnd: how many of the CRLF after a chunk's data were read. */
  private crlfSeen = 0;
  private readonly decoder = new StringDecoder("utf8");
  /** No more reading or handing over. */
  private over = false;
  /** The caller destroyed the stream: no handler is called any more. */
  private abandoned = false;
  private headSearchFrom = 0;

  constructor(socket: Socket, request: Buffer, handlers: StreamHandlers) {
    this.socket = socket;
    this.handlers = handlers;
    socket.setNoDelay(true);
    socket.write(request);
    socket.on("data", (data: Buffer) => this.data(data));
    socket.on("end", () => this.closed());
    socket.on("error", (error) => this.fail(error));
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    if (!this.over) this.socket.resume();
  }

  destroy(): void {
    this.abandoned = true;
    this.close();
  }

  private close(): void {
    this.over = true;
    this.socket.destroy();
  }

  private fail(error: Error): void {
    if (this.over) return;
    this.close();
    this.handlers.error(error);
  }

  private closed(): void {
    if (this.over) return;
    if (this.state === State.UntilClose) {
      this.finish();
      return;
    }
    this.fail(new Error("the connection closed before the answer was complete"));
  }

  private finish(): void {
    if (this.over) return;
    this.state = State.Done;
    const rest = this.decoder.end();
    this.close();
    if (rest) this.handlers.body(rest);
    if (!this.abandoned) this.handlers.end();
  }

  private data(input: Buffer): void {
    if (this.over) return;
    let data = input;
    // Where a head's end may be, in bytes already searched once (a head sent a byte at a time).
    this.headSearchFrom = 0;
    if (this.carry) {
      if (this.state === State.Head) this.headSearchFrom = Math.max(0, this.carry.length - 3);
      data = Buffer.concat([this.carry, input]);
      this.carry = undefined;
    }
    let pieces: Buffer[] | undefined;
    try {
      pieces = this.parse(data);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (pieces && pieces.length > 0 && !this.over) {
      const text = this.decoder.write(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));
      if (text) this.handlers.body(text);
    }
    if (this.state === State.Done && !this.over) this.finish();
  }

  /** Walks one read's bytes; returns the body bytes found in it. */
  private parse(data: Buffer): Buffer[] | undefined {
    let pos = 0;
    const length = data.length;
    const pieces: Buffer[] = [];
    while (pos < length && !this.over) {
      switch (this.state) {
        case State.Head: {
          const end = data.indexOf("\r\n\r\n", Math.max(pos, this.headSearchFrom), "latin1");
          this.headSearchFrom = 0;
          if (end === -1) {
            if (length - pos > MAX_HEAD_BYTES) throw new MalformedAnswer("the head is too large");
            // A copy, as in lineEnd.
            this.carry = Buffer.from(data.subarray(pos));
            return pieces;
          }
          if (end - pos > MAX_HEAD_BYTES) throw new MalformedAnswer("the head is too large");
          this.head(data.toString("latin1", pos, end));
          pos = end + 4;
          break;
        }
        case State.ChunkSize: {
          // The size in hex, then optional extensions (ignored), then CRLF.
          const end = this.lineEnd(data, pos, "a chunk size line");
          if (end === -1) return pieces;
          let size = 0;
          let i = pos;
          for (; i < end - 1; i++) {
            const c = data[i]!;
            const digit =
              c >= 48 && c <= 57
                ? c - 48
                : c >= 97 && c <= 102
                  ? c - 87
                  : c >= 65 && c <= 70
                    ? c - 55
                    : -1;
            if (digit === -1) break;
            size = size * 16 + digit;
            if (size > Number.MAX_SAFE_INTEGER / 16) throw new MalformedAnswer("a chunk too large");
          }
          // Then optional spaces or tabs, then nothing or `;` and extensions, without a bare CR or
          // other control characters (RFC 9112 §7.1.1's BWS and chunk-ext).
          let j = i;
          while (j < end - 1 && (data[j] === 32 || data[j] === 9)) j++;
          if (i === pos || (j < end - 1 && data[j] !== 59))
            throw new MalformedAnswer("a chunk size line");
          for (let k = j; k < end - 1; k++) {
            const c = data[k]!;
            if ((c < 32 && c !== 9) || c === 127) throw new MalformedAnswer("a chunk size line");
          }
          pos = end + 1;
          if (size === 0) this.state = State.Trailers;
          else {
            this.remaining = size;
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData:
        case State.Length: {
          const take = Math.min(this.remaining, length - pos);
          pieces.push(data.subarray(pos, pos + take));
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            if (this.state === State.Length) this.state = State.Done;
            else {
              this.state = State.ChunkDataEnd;
              this.crlfSeen = 0;
            }
          }
          break;
        }
        case State.ChunkDataEnd: {
          if (data[pos] !== (this.crlfSeen === 0 ? 13 : 10))
            throw new MalformedAnswer("a chunk not followed by CRLF");
          pos++;
          if (++this.crlfSeen === 2) this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          // Trailer fields (ignored), then an empty line.
          const end = this.lineEnd(data, pos, "a trailer line");
          if (end === -1) return pieces;
          if (end === pos + 1) this.state = State.Done;
          else {
            const line = data.toString("latin1", pos, end - 1);
            if (line.indexOf(":") <= 0 || hasControl(line))
              throw new MalformedAnswer("a trailer line");
          }
          pos = end + 1;
          break;
        }
        case State.UntilClose:
          pieces.push(pos === 0 ? data : data.subarray(pos));
          pos = length;
          break;
        case State.Done:
          // Nothing may follow a complete answer on a connection we asked to close.
          return pieces;
      }
    }
    return pieces;
  }

  /**
   * Where the CRLF-ended line at `pos` ends (its LF), or -1 when this read holds only its start,
   * which is kept for the next read. A line longer than MAX_LINE_BYTES, or ended by a bare LF, is
   * malformed.
   */
  private lineEnd(data: Buffer, pos: number, what: string): number {
    const end = data.indexOf(10, pos);
    if ((end === -1 ? data.length : end) - pos > MAX_LINE_BYTES)
      throw new MalformedAnswer(`${what} is too long`);
    if (end === -1) {
      // A copy: a slice would keep the whole read's buffer for as long as the carry waits.
      this.carry = Buffer.from(data.subarray(pos));
      return -1;
    }
    if (end === pos || data[end - 1] !== 13) throw new MalformedAnswer(what);
    return end;
  }

  /** The status line and headers; picks the body's framing (RFC 9112 §6.3). */
  private head(text: string): void {
    const lines = text.split("\r\n");
    const status = STATUS_LINE.exec(lines[0]!);
    if (!status) throw new MalformedAnswer("the status line");
    const minor = status[1];
    const code = Number(status[2]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).toLowerCase();
      if (colon <= 0 || !HEADER_NAME.test(name) || hasControl(line))
        throw new MalformedAnswer("a header line");
      // Only spaces and tabs around a value (RFC 9112 §5.1's OWS), as llhttp reads it.
      const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
      const before = headers.get(name);
      headers.set(name, before === undefined ? value : `${before}, ${value}`);
    }
    // No upgrade was asked for, so a 101 is no interim answer: what follows is not HTTP.
    if (code === 101) throw new MalformedAnswer("a 101 answer to a request that asked for none");
    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
    if (code >= 100 && code < 200) return;
    const coding = headers.get("transfer-encoding");
    const contentLength = headers.get("content-length");
    // Framing a server could mean two ways (RFC 9112 §6.1, §6.3): refused, as llhttp does.
    if (coding !== undefined && contentLength !== undefined)
      throw new MalformedAnswer("both Transfer-Encoding and Content-Length");
    if (coding !== undefined && minor === "0")
      throw new MalformedAnswer("Transfer-Encoding in an HTTP/1.0 answer");
    if (code === 204 || code === 304) this.state = State.Done;
    else if (coding !== undefined)
      this.state = CHUNKED_LAST.test(coding) ? State.ChunkSize : State.UntilClose;
    else if (contentLength !== undefined) {
      if (!/^\d{1,15}$/.test(contentLength)) throw new MalformedAnswer("the Content-Length");
      this.remaining = Number(contentLength);
      this.state = this.remaining === 0 ? State.Done : State.Length;
    } else this.state = State.UntilClose;
    this.handlers.head(code, headers);
  }
}
