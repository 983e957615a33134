import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SseReader, utf8Length, type SseItem } from "./sse.ts";

function readAll(chunks: readonly string[]): SseItem[] {
  const reader = new SseReader();
  const items: SseItem[] = [];
  for (const chunk of chunks) items.push(...reader.feed(chunk));
  return items;
}

describe("SseReader", () => {
  it("reads BinderHub's framing: data lines and keepalive comments", () => {
    const items = readAll([
      'data: {"phase":"waiting","message":"Waiting for build to start...\\n"}\n\n:keepalive\n\n',
      'data: {"phase":"ready"}\n\n',
    ]);
    expect(items).toEqual([
      { type: "data", data: '{"phase":"waiting","message":"Waiting for build to start...\\n"}' },
      { type: "comment", text: "keepalive" },
      { type: "data", data: '{"phase":"ready"}' },
    ]);
  });

  it("joins several data lines of one event with LF and removes one leading space only", () => {
    expect(readAll(["data:a\ndata:  b\ndata\n\n"])).toEqual([{ type: "data", data: "a\n b\n" }]);
  });

  it("treats CRLF, CR and LF alike, including a CRLF split across chunks", () => {
    expect(readAll(["data: a\r", "\n\r", "\ndata: b\r\r", "data: c\n", "\n"])).toEqual([
      { type: "data", data: "a" },
      { type: "data", data: "b" },
      { type: "data", data: "c" },
    ]);
  });

  it("ignores event, id, retry and unknown fields without dispatching on them", () => {
    expect(readAll(["event: x\nid: 7\nretry: 10\nfoo: bar\ndata: a\nid\n\nevent: y\n\n"])).toEqual([
      { type: "data", data: "a" },
    ]);
  });

  it("dispatches an empty data field and drops a blank line with no data", () => {
    expect(readAll(["\n\ndata:\n\n"])).toEqual([{ type: "data", data: "" }]);
  });

  it("strips one byte-order mark at the very start only", () => {
    expect(readAll(["\uFEFFdata: a\n\n\uFEFFdata: b\n\n"])).toEqual([{ type: "data", data: "a" }]);
  });

  it("holds an unterminated event until its blank line arrives", () => {
    const reader = new SseReader();
    expect(reader.feed("data: partial")).toEqual([]);
    expect(reader.feed(" more\n")).toEqual([]);
    expect(reader.feed("\n")).toEqual([{ type: "data", data: "partial more" }]);
  });

  it("keeps the first part of an over-long line, counts the rest in UTF-8 bytes, and recovers", () => {
    const reader = new SseReader({ maxEventLength: 8 });
    expect(reader.feed("data: " + "x".repeat(10))).toEqual([]);
    expect(reader.feed("é".repeat(10) + "\n\n")).toEqual([
      { type: "data", data: "xxxxxxxx", omitted: 2 + 2 * 10 },
    ]);
    expect(reader.feed("data: ok\n\n")).toEqual([{ type: "data", data: "ok" }]);
  });

  it("caps an event of many lines as a whole", () => {
    const reader = new SseReader({ maxEventLength: 10 });
    expect(reader.feed("data: abcd\ndata: efgh\ndata: ijkl\ndata: mnop\n\n")).toEqual([
      // "abcd\nefgh" fills 9 of 10 units; no room for "\nijkl" or "\nmnop" (5 bytes each).
      { type: "data", data: "abcd\nefgh", omitted: 5 + 5 },
    ]);
  });

  it("never splits a surrogate pair where it cuts", () => {
    const reader = new SseReader({ maxEventLength: 3 });
    expect(reader.feed("data: ab\u{1F600}c\n\n")).toEqual([
      { type: "data", data: "ab", omitted: 4 + 1 },
    ]);
  });

  it("holds at most the cap of a line that never ends, however much arrives", () => {
    const reader = new SseReader({ maxEventLength: 1024 });
    const megabyte = "y".repeat(1024 * 1024);
    reader.feed("data: ");
    for (let i = 0; i < 10; i++) expect(reader.feed(megabyte)).toEqual([]);
    const [item] = reader.feed("\n\n");
    expect(item).toEqual({
      type: "data",
      data: "y".repeat(1024),
      omitted: 10 * 1024 * 1024 - 1024,
    });
  });

  it("reset forgets partial input", () => {
    const reader = new SseReader();
    reader.feed("data: stale\n");
    reader.reset();
    expect(reader.feed("\ndata: fresh\n\n")).toEqual([{ type: "data", data: "fresh" }]);
  });
});

const TERMINATORS = ["\n", "\r", "\r\n"] as const;
/** Any UTF-16 text, with line breaks, colons and spaces over-represented. */
const anyText = fc.string({
  unit: fc.oneof(
    fc.constantFrom("\n", "\r", ":", " ", "d", "a", "t", "\uFEFF"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});
const lineText = anyText.map((s) => s.replace(/[\r\n]/g, ""));

type Event =
  | { kind: "data"; value: string; noSpace: boolean }
  | { kind: "comment"; text: string }
  | { kind: "ignored"; line: string };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ kind: fc.constant("data" as const), value: anyText, noSpace: fc.boolean() }),
  fc.record({ kind: fc.constant("comment" as const), text: lineText }),
  fc.record({
    kind: fc.constant("ignored" as const),
    line: fc.oneof(
      fc.constantFrom("event: build", "id: 42", "retry: 1000", "id", "event"),
      lineText.map((s) => "x" + s.replace(/^data/, "")),
    ),
  }),
);

/** Writes events as a server would, with a random terminator per line, and the items expected back. */
function encode(
  events: readonly Event[],
  terminators: readonly number[],
): { text: string; expected: SseItem[] } {
  let text = "";
  let k = 0;
  let previous = "";
  const line = (content: string) => {
    let t = TERMINATORS[(terminators[k++ % terminators.length] ?? 0) % 3] ?? "\n";
    // A lone CR followed by an empty LF-terminated line reads as one CRLF: inherent to the format.
    if (content === "" && previous === "\r" && t === "\n") t = "\r\n";
    text += content + t;
    previous = t;
  };
  const expected: SseItem[] = [];
  for (const event of events) {
    if (event.kind === "data") {
      for (const part of event.value.split(/\r\n|\r|\n/)) {
        line(event.noSpace && !part.startsWith(" ") ? `data:${part}` : `data: ${part}`);
      }
      line("");
      expected.push({ type: "data", data: event.value.replace(/\r\n|\r|\n/g, "\n") });
    } else if (event.kind === "comment") {
      line(`:${event.text}`);
      expected.push({ type: "comment", text: event.text });
    } else {
      line(event.line);
    }
  }
  return { text, expected };
}

function splitAt(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(text.slice(last, p));
    last = p;
  }
  chunks.push(text.slice(last));
  return chunks;
}

describe("utf8Length", () => {
  it("counts as TextEncoder does, lone surrogates as U+FFFD", () => {
    for (const text of ["", "ascii", "é", "€", "\u{1F600}", "a\uD800b", "\uDC00", "x\uD83D"]) {
      expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
});

describe("SseReader properties", () => {
  it("random chunk boundaries never lose, add or alter an event", () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 30 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (events, terminators, cuts) => {
          const { text, expected } = encode(events, terminators);
          expect(readAll(splitAt(text, cuts))).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("a capped reader keeps a prefix of each event within the cap and counts every byte it cut", () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 20 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 30 }),
        (events, terminators, cap) => {
          const { text, expected } = encode(events, terminators);
          const reader = new SseReader({ maxEventLength: cap });
          const items = reader.feed(text);
          expect(items.map((i) => i.type)).toEqual(expected.map((i) => i.type));
          items.forEach((item, k) => {
            const want = expected[k];
            if (item.type !== "data" || want?.type !== "data") return;
            expect(item.data.length).toBeLessThanOrEqual(cap);
            expect(want.data.startsWith(item.data)).toBe(true);
            expect(utf8Length(item.data) + (item.omitted ?? 0)).toBe(utf8Length(want.data));
            expect(item.omitted === undefined).toBe(want.data === item.data);
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it("random garbage in random chunks never throws and yields only well-formed items", () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 30 }), (chunks) => {
        for (const item of readAll(chunks)) {
          if (item.type === "data") expect(typeof item.data).toBe("string");
          else expect(item.text).not.toMatch(/[\r\n]/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
