/**
 * What leaves the companion when a request goes wrong before any route runs: a URL that does not
 * decode, a parameter over the router's limit, headers over Node's limit, a request line that does
 * not parse, a client too slow to send its request. Each answers `{status, message}`, with a
 * message a person can act on, like every other error. Real sockets: the point is the wire.
 */
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "./app.ts";
import { hubTestConfig, NO_FEATURES } from "./testing/test-app.ts";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function listening(env: Record<string, string> = {}): Promise<number> {
  app = await buildApp(hubTestConfig(env), {
    features: NO_FEATURES,
    extraRoutes: [
      async (instance) => {
        instance.get("/api/things/:id", () => ({ ok: true }));
        instance.post("/api/things", () => ({ ok: true }));
        // A stream as the build routes write one: headers at once, then a comment now and then.
        instance.get("/api/stream", (request, reply) => {
          reply.hijack();
          reply.raw.writeHead(200, { "content-type": "text/event-stream" });
          const timer = setInterval(() => reply.raw.write(":keepalive\n\n"), 200);
          setTimeout(() => {
            clearInterval(timer);
            reply.raw.end("data: {}\n\n");
          }, 3000);
          request.raw.on("close", () => clearInterval(timer));
        });
        return Promise.resolve();
      },
    ],
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("not listening");
  return address.port;
}

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
  /** Whether the server closed the connection. */
  closed: boolean;
}

/** Sends `request` (and then `trickle`, a byte per interval), reads until close or `waitMs`. */
async function raw(
  port: number,
  request: string,
  { trickle = "", everyMs = 100, waitMs = 2000 } = {},
): Promise<RawAnswer> {
  const socket: Socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  let received = "";
  let closed = false;
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  const ended = new Promise<void>((resolve) =>
    socket.on("close", () => {
      closed = true;
      resolve();
    }),
  );
  socket.on("error", () => {});
  socket.write(request);
  let sent = 0;
  const dripping = setInterval(() => {
    if (sent < trickle.length && !socket.destroyed) socket.write(trickle[sent++] ?? "");
  }, everyMs);
  await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, waitMs))]);
  clearInterval(dripping);
  socket.destroy();
  const [head = "", body = ""] = received.split("\r\n\r\n", 2);
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
    headers: head,
    body,
    closed,
  };
}

function expectErrorShape(answer: RawAnswer, status: number, says: RegExp): void {
  expect(answer.status).toBe(status);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(["message", "status"]);
  expect(body.status).toBe(status);
  expect(body.message).toMatch(says);
}

describe("errors Fastify and Node raise themselves", () => {
  it("answers a URL that does not decode with 400 {status, message}", async () => {
    const port = await listening();
    const answer = await raw(
      port,
      "GET /services/launchpad/api/things/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expectErrorShape(answer, 400, /percent-encoding|address/i);
  });

  it("answers a parameter over the router's limit with 414 {status, message}", async () => {
    const port = await listening();
    const answer = await raw(
      port,
      `GET /services/launchpad/api/things/${"a".repeat(2100)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expectErrorShape(answer, 414, /too long/i);
  });

  it("answers headers over Node's limit with 431 {status, message}", async () => {
    const port = await listening();
    const answer = await raw(
      port,
      `GET /services/launchpad/api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expectErrorShape(answer, 431, /cookies|headers/i);
    expect(answer.closed).toBe(true);
  });

  it("answers a request that does not parse with 400 {status, message}", async () => {
    const port = await listening();
    const answer = await raw(
      port,
      "GET /services/launchpad/api/health HTTP/1.1\r\nBad Header\r\n\r\n",
    );
    expectErrorShape(answer, 400, /not a valid HTTP request/i);
  });

  it.each([
    ["application/xml", "<a/>", 415, /send JSON/],
    ["application/json", "", 400, /body is empty/],
    ["application/json", "{not json", 400, /not valid JSON/],
  ])("answers a %s body %j with %i and what to send instead", async (type, body, status, says) => {
    const port = await listening();
    const answer = await raw(
      port,
      `POST /services/launchpad/api/things HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expectErrorShape(answer, status, says);
  });

  it("does not echo a long path back in a 404", async () => {
    const port = await listening();
    const answer = await raw(
      port,
      `GET /services/launchpad/api/${"b".repeat(3000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expectErrorShape(answer, 404, /No such Launchpad endpoint/);
    expect(answer.body.length).toBeLessThan(400);
  });
});

describe("slow clients", { timeout: 20_000 }, () => {
  it("closes connections that trickle a body, with 408 {status, message}", async () => {
    const port = await listening({ LAUNCHPAD_REQUEST_DEADLINE_SECONDS: "1" });
    const head =
      "POST /services/launchpad/api/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n";
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        raw(port, head, { trickle: "x".repeat(200), everyMs: 100, waitMs: 8000 }),
      ),
    );
    for (const answer of answers) {
      expect(answer.closed).toBe(true);
      expectErrorShape(answer, 408, /too long to send/i);
    }
  });

  it("closes connections that trickle their headers", async () => {
    const port = await listening({ LAUNCHPAD_REQUEST_DEADLINE_SECONDS: "1" });
    const answer = await raw(port, "GET /services/launchpad/api/health HTTP/1.1\r\n", {
      trickle:
        "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      everyMs: 100,
      waitMs: 8000,
    });
    expect(answer.closed).toBe(true);
    expectErrorShape(answer, 408, /too long to send/i);
  });

  it("lets an event stream run past the request deadline", async () => {
    const port = await listening({ LAUNCHPAD_REQUEST_DEADLINE_SECONDS: "1" });
    const answer = await raw(
      port,
      "GET /services/launchpad/api/stream HTTP/1.1\r\nHost: x\r\n\r\n",
      {
        waitMs: 5000,
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("data: {}");
  });
});
