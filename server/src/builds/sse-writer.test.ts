import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SseWriter } from "./sse-writer.ts";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** A server whose one response is handed to `use`, and the raw bytes a client socket reads. */
async function serve(use: (writer: SseWriter, res: ServerResponse) => void | Promise<void>) {
  const server = createServer((_req, res) => {
    const writer = new SseWriter(res);
    writer.open();
    void use(writer, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  close = () => new Promise((resolve) => server.close(() => resolve()));
  const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
  socket.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  let raw = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => (raw += chunk));
  return { socket, raw: () => raw };
}

describe("SseWriter", () => {
  it("writes the frames of one turn as one HTTP chunk, headers first", async () => {
    const { socket, raw } = await serve((writer) => {
      setTimeout(() => {
        void writer.event({ phase: "building", message: "one\n" });
        void writer.keepalive();
        void writer.event({ phase: "building" }, '{"phase": "building", "message": "two\\n"}');
        setTimeout(() => writer.end(), 20);
      }, 20);
    });
    await once(socket, "end");
    const text = raw();
    const head = text.slice(0, text.indexOf("\r\n\r\n"));
    const body = text.slice(head.length + 4);
    expect(head).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    expect(head).toContain("content-type: text/event-stream; charset=utf-8");
    expect(head).toContain("x-accel-buffering: no");
    const frames =
      'data: {"phase":"building","message":"one\\n"}\n\n' +
      ":keepalive\n\n" +
      'data: {"phase": "building", "message": "two\\n"}\n\n';
    // chunked encoding: one size line for all three frames, then the terminating 0 chunk
    expect(body).toBe(`${frames.length.toString(16)}\r\n${frames}\r\n0\r\n\r\n`);
  });

  it("asks the caller to wait while the socket buffer is full, and says when it drained", async () => {
    let blocked: () => void = () => {};
    const full = new Promise<void>((resolve) => (blocked = resolve));
    let outcome: { sent: number; resumed: boolean } | undefined;
    const finished = new Promise<void>((resolve) => {
      const started = serve(async (writer) => {
        const line = `${"x".repeat(1000)}\n`;
        let wait: Promise<void> | undefined;
        let sent = 0;
        // The client reads nothing until told: the socket and the response's buffer fill up.
        while (wait === undefined && sent < 1_000_000) {
          wait = writer.event({ phase: "building", message: line });
          sent++;
          if (sent % 50 === 0) await new Promise((r) => setImmediate(r));
        }
        expect(writer.blocked).toBe(true);
        blocked();
        await wait;
        outcome = { sent, resumed: !writer.blocked };
        writer.end();
        resolve();
      });
      void started.then(async ({ socket }) => {
        socket.pause();
        await full;
        socket.resume();
      });
    });
    await finished;
    expect(outcome!.sent).toBeLessThan(1_000_000);
    expect(outcome!.resumed).toBe(true);
  });

  it("writes nothing once the browser is gone", async () => {
    let open: () => void = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    let leave: (seen: { closed: boolean; late: unknown }) => void = () => {};
    const gone = new Promise<{ closed: boolean; late: unknown }>((resolve) => (leave = resolve));
    const { socket } = await serve((writer, res) => {
      res.on("close", () => {
        const late = writer.event({ phase: "building", message: "late\n" });
        leave({ closed: writer.closed, late });
        writer.end();
      });
      open();
    });
    await opened;
    socket.destroy();
    expect(await gone).toEqual({ closed: true, late: undefined });
  });
});
