/**
 * http-stream.ts against servers that write exact bytes (a raw TCP server), beside Node's own
 * HTTP client (llhttp) reading the same bytes: where an answer is well formed, both must read the
 * same body; where it is not, ours must say so and never guess.
 */
import { execFile, execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { get as httpGet, createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { getStream, MAX_HEAD_BYTES, type StreamHandlers } from "./http-stream.ts";

const execFileAsync = promisify(execFile);
const servers: { close(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A TCP server that answers every connection with `pieces`, written apart (a pause between). */
async function rawServer(
  pieces: readonly (string | Buffer)[],
  { close = true, requests = [] as string[] } = {},
): Promise<{ url: string; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let request = "";
    socket.on("data", (data: Buffer) => {
      request += data.toString("latin1");
      if (!request.includes("\r\n\r\n")) return;
      requests.push(request);
      void (async () => {
        for (const piece of pieces) {
          if (socket.destroyed) return;
          socket.write(piece);
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (close) socket.end();
      })();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  servers.push({
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

interface Outcome {
  status?: number;
  headers?: ReadonlyMap<string, string>;
  body: string;
  bodyCalls: number;
  ended: boolean;
  error?: string;
}

/** Reads `url` with getStream to its end or error. */
function read(url: string, headers: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { body: "", bodyCalls: 0, ended: false };
    const handlers: StreamHandlers = {
      head(status, h) {
        outcome.status = status;
        outcome.headers = h;
      },
      body(text) {
        outcome.body += text;
        outcome.bodyCalls++;
      },
      end() {
        outcome.ended = true;
        resolve(outcome);
      },
      error(error) {
        outcome.error = error.message;
        resolve(outcome);
      },
    };
    getStream(new URL(url), headers, handlers);
  });
}

/** Node's own client on the same URL: its body, or its error. */
function readWithNode(url: string): Promise<{ body?: string; error?: string }> {
  return new Promise((resolve) => {
    const request = httpGet(url, (response) => {
      response.setEncoding("utf8");
      let body = "";
      response.on("data", (text: string) => (body += text));
      response.on("end", () => resolve({ body }));
      response.on("error", (error) => resolve({ error: error.message }));
      response.on("aborted", () => resolve({ error: "aborted" }));
    });
    request.on("error", (error) => resolve({ error: error.message }));
  });
}

const HEAD_200 =
  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

function chunked(parts: readonly string[], { extension = "", trailer = "" } = {}): string {
  return (
    parts.map((p) => `${Buffer.byteLength(p).toString(16)}${extension}\r\n${p}\r\n`).join("") +
    `0\r\n${trailer}\r\n`
  );
}

/** Splits bytes at the given cut points (as TCP may). */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const point of [...points, bytes.length]) {
    if (point > last) out.push(bytes.subarray(last, point));
    last = point;
  }
  return out;
}

describe("getStream reads what Node's own client reads", () => {
  it("chunked bodies of any text, extensions and trailers, split anywhere", async () => {
    const text = fc.string({ unit: "binary", maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          text.filter((t) => t.length > 0),
          { maxLength: 12 },
        ),
        fc.constantFrom("", ";name=value", ';a;b="c"'),
        fc.constantFrom("", "X-Checksum: 1\r\n"),
        fc.array(fc.nat(), { maxLength: 30 }),
        async (parts, extension, trailer, cuts) => {
          const bytes = Buffer.from(HEAD_200 + chunked(parts, { extension, trailer }));
          const { url } = await rawServer(split(bytes, cuts));
          const [ours, node] = await Promise.all([read(url), readWithNode(url)]);
          // As sent: a lone surrogate goes out as U+FFFD.
          const sent = Buffer.from(parts.join("")).toString();
          expect(ours).toMatchObject({ status: 200, ended: true, body: sent });
          expect(ours.error).toBeUndefined();
          expect(node.body).toBe(ours.body);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);

  it("a Content-Length body, a body that runs until the server closes, and no body", async () => {
    const body = 'data: {"phase": "ready"}\n\né😀';
    const length = Buffer.byteLength(body);
    for (const [answer, expected] of [
      [`HTTP/1.1 200 OK\r\nContent-Length: ${length}\r\n\r\n${body}`, body],
      [`HTTP/1.1 200 OK\r\n\r\n${body}`, body],
      [`HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n${body}`, body],
      [`HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n`, ""],
    ] as const) {
      const { url } = await rawServer(split(Buffer.from(answer), [17, 40, 41]));
      const ours = await read(url);
      expect(ours, answer).toMatchObject({ ended: true, body: expected });
      expect((await readWithNode(url)).body, answer).toBe(expected);
    }
    // Bytes past the Content-Length are not the answer's (llhttp calls them an error; here the
    // answer ends where its length says, and the connection is closed).
    const { url } = await rawServer([`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n${body}`]);
    expect(await read(url)).toMatchObject({ ended: true, body: body.slice(0, 5) });
  });

  it("skips interim answers (100, 103) and reads the real one", async () => {
    const { url } = await rawServer([
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n",
      HEAD_200 + chunked(["one"]),
    ]);
    expect(await read(url)).toMatchObject({ status: 200, body: "one", ended: true });
  });

  it("hands over headers in lower case, repeated ones joined", async () => {
    const { url } = await rawServer([
      "HTTP/1.1 429 Too Many\r\nRetry-After: 5\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0\r\n\r\n",
    ]);
    const ours = await read(url);
    expect(ours.status).toBe(429);
    expect(ours.headers?.get("retry-after")).toBe("5");
    expect(ours.headers?.get("x-a")).toBe("1, 2");
  });

  it("reads a Node HTTP server's chunked answer over plain TCP the same as it was written", async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (let i = 0; i < 100; i++) res.write(`data: {"n": ${i}, "é": "😀"}\n\n`);
      res.end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    const ours = await read(`http://127.0.0.1:${port}/`);
    expect(ours.ended).toBe(true);
    expect(ours.body).toBe(
      Array.from({ length: 100 }, (_, i) => `data: {"n": ${i}, "é": "😀"}\n\n`).join(""),
    );
  });

  it("decodes a read of many chunks in one piece", async () => {
    const parts = Array.from({ length: 500 }, (_, i) => `data: {"n": ${i}}\n\n`);
    const { url } = await rawServer([HEAD_200 + chunked(parts)]);
    const ours = await read(url);
    expect(ours.body).toBe(parts.join(""));
    // One write of 500 chunks arrives in a few reads, not 500 calls.
    expect(ours.bodyCalls).toBeLessThan(10);
  });
});

describe("getStream refuses what is malformed, where llhttp does too", () => {
  it.each([
    ["a chunk size that is not hex", `${HEAD_200}zz\r\nabc\r\n0\r\n\r\n`],
    ["a chunk not followed by CRLF", `${HEAD_200}3\r\nabcd\r\n0\r\n\r\n`],
    ["a chunk size line ended by LF alone", `${HEAD_200}3\nabc\r\n0\r\n\r\n`],
    ["a bad status line", "HTTP/2 200 OK\r\n\r\nhello"],
    ["a header without a colon", "HTTP/1.1 200 OK\r\nbroken\r\n\r\n"],
    ["a bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nabc"],
    ["a chunk size too large", `${HEAD_200}fffffffffffffffff\r\n`],
    ["a chunk size followed by more than an extension", `${HEAD_200}3 zz\r\nabc\r\n0\r\n\r\n`],
    ["a bare CR in a chunk extension", `${HEAD_200}3;a\rb\r\nabc\r\n0\r\n\r\n`],
    ["a trailer line without a colon", `${HEAD_200}3\r\nabc\r\n0\r\nbroken\r\n\r\n`],
    [
      "a control character in a header",
      "HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 0\r\n\r\n",
    ],
    [
      "both Transfer-Encoding and Content-Length",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    ],
    [
      "a Content-Length with a no-break space",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\xa0\r\n\r\nabc",
    ],
  ])("%s", async (_what, answer) => {
    const { url } = await rawServer([answer]);
    const ours = await read(url);
    expect(ours.error).toMatch(/^malformed HTTP answer/);
    expect(ours.ended).toBe(false);
    expect((await readWithNode(url)).error).toBeDefined();
  });

  it.each([
    [
      "Transfer-Encoding in an HTTP/1.0 answer",
      "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ],
    [
      "a 101 nobody asked for",
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
    ],
  ])("%s, which llhttp lets by, is refused too", async (_what, answer) => {
    const { url } = await rawServer([answer]);
    const ours = await read(url);
    expect(ours.error).toMatch(/^malformed HTTP answer/);
    expect(ours.ended).toBe(false);
  });

  it("a head larger than MAX_HEAD_BYTES, sent slowly, is refused without waiting for its end", async () => {
    const line = `X-Filler: ${"a".repeat(1000)}\r\n`;
    const { url } = await rawServer(
      [
        "HTTP/1.1 200 OK\r\n",
        ...Array<string>(Math.ceil(MAX_HEAD_BYTES / line.length) + 2).fill(line),
      ],
      { close: false },
    );
    expect((await read(url)).error).toBe("malformed HTTP answer: the head is too large");
  });

  it("a connection closed mid-chunk, or before the head, is an error, not an end", async () => {
    for (const answer of [
      `${HEAD_200}10\r\nonly part`,
      `${HEAD_200}${chunked(["a"]).slice(0, -5)}`,
      "HTTP/1.1 200",
    ]) {
      const { url } = await rawServer([answer]);
      const ours = await read(url);
      expect(ours.ended, answer).toBe(false);
      expect(ours.error, answer).toBe("the connection closed before the answer was complete");
    }
  });

  it("a server that is not there is an error", async () => {
    const { url, server } = await rawServer([]);
    server.close();
    await once(server, "close");
    expect((await read(url)).error).toMatch(/ECONNREFUSED/);
  });
});

describe("getStream's request", () => {
  it("is a GET with Host, the headers given and Connection: close", async () => {
    const requests: string[] = [];
    const { url } = await rawServer([HEAD_200 + chunked(["x"])], { requests });
    await read(`${url}/build/gh/a%2Fb/HEAD?build_only=true`, {
      accept: "text/event-stream",
      authorization: "token abc",
    });
    const port = new URL(url).port;
    expect(requests).toEqual([
      `GET /build/gh/a%2Fb/HEAD?build_only=true HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        "accept: text/event-stream\r\nauthorization: token abc\r\nConnection: close\r\n\r\n",
    ]);
  });

  it("cannot be split: a path or header that HTTP cannot carry throws before connecting", () => {
    const handlers = { head() {}, body() {}, end() {}, error() {} };
    const url = new URL("http://127.0.0.1:1/build/gh/x/HEAD");
    // WHATWG URL percent-encodes spaces and strips CR/LF, so the dangerous bytes come in raw.
    Object.defineProperty(url, "pathname", { value: "/a b" });
    expect(() => getStream(url, {}, handlers)).toThrow(/path/);
    const ok = new URL("http://127.0.0.1:1/");
    expect(() => getStream(ok, { authorization: "token a\r\nX-Evil: 1" }, handlers)).toThrow(
      /authorization/,
    );
    expect(() => getStream(ok, { "bad name": "x" }, handlers)).toThrow(/bad name/);
    expect(() => getStream(new URL("ftp://127.0.0.1/"), {}, handlers)).toThrow(/ftp/);
  });

  it("pausing stops the body until resumed, while the server keeps writing", async () => {
    const parts = Array.from({ length: 2000 }, (_, i) => `data: ${"x".repeat(500)} ${i}\n\n`);
    const { url } = await rawServer([HEAD_200 + chunked(parts)]);
    let got = "";
    let calls = 0;
    const done = new Promise<void>((resolve, reject) => {
      const stream = getStream(
        new URL(url),
        {},
        {
          head() {},
          body(text) {
            got += text;
            calls++;
            if (calls === 1) {
              stream.pause();
              setTimeout(() => {
                // Nothing arrived while paused.
                if (calls !== 1) reject(new Error(`${calls} body calls while paused`));
                stream.resume();
              }, 100);
            }
          },
          end: () => resolve(),
          error: reject,
        },
      );
    });
    await done;
    expect(got).toBe(parts.join(""));
  });

  it("a destroy while the last, cut character is handed over is the end: no end() after it", async () => {
    const { url } = await rawServer(["HTTP/1.1 200 OK\r\n\r\nab", Buffer.from([0xe2, 0x82])]);
    const calls: string[] = [];
    const stream = getStream(
      new URL(url),
      {},
      {
        head: () => calls.push("head"),
        body: (text) => {
          calls.push(`body ${text}`);
          if (text === "\ufffd") stream.destroy();
        },
        end: () => calls.push("end"),
        error: () => calls.push("error"),
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toEqual(["head", "body ab", "body \ufffd"]);
  });

  it("destroy closes the connection and nothing is called after it", async () => {
    const { url, server } = await rawServer([HEAD_200, "5\r\nhello\r\n"], { close: false });
    const calls: string[] = [];
    const stream = getStream(
      new URL(url),
      {},
      {
        head: () => calls.push("head"),
        body: () => {
          calls.push("body");
          stream.destroy();
        },
        end: () => calls.push("end"),
        error: () => calls.push("error"),
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toEqual(["head", "body"]);
    const connections = await new Promise<number>((resolve) =>
      server.getConnections((_e, n) => resolve(n)),
    );
    expect(connections).toBe(0);
  });
});

describe("getStream over TLS", () => {
  function certificate(): { key: string; cert: string } {
    const dir = mkdtempSync(join(tmpdir(), "http-stream-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  }

  async function httpsServer(pair: { key: string; cert: string }) {
    const server = createHttpsServer(pair, (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end("data: {}\n\n");
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  it("checks the server's certificate as node:https does: one it does not trust is an error", async () => {
    const port = await httpsServer(certificate());
    const ours = await read(`https://localhost:${port}/`);
    expect(ours.ended).toBe(false);
    expect(ours.error).toMatch(/self.signed/i);
  });

  it("reads from a server whose CA is trusted the way admins trust one (NODE_EXTRA_CA_CERTS)", async () => {
    const pair = certificate();
    const port = await httpsServer(pair);
    const dir = mkdtempSync(join(tmpdir(), "http-stream-ca-"));
    writeFileSync(join(dir, "ca.pem"), pair.cert);
    const script = `
      import { getStream } from ${JSON.stringify(join(import.meta.dirname, "http-stream.ts"))};
      let body = "";
      getStream(new URL("https://localhost:${port}/"), {}, {
        head(status) { body += status + " "; },
        body(text) { body += text; },
        end() { process.stdout.write(body); },
        error(e) { process.stdout.write("error " + e.message); },
      });`;
    const { stdout } = await execFileAsync(
      process.execPath,
      ["--input-type=module", "-e", script],
      {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, "ca.pem") },
      },
    );
    expect(stdout).toBe("200 data: {}\n\n");
  });
});
