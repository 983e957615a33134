/**
 * The entry point as a process: the socket and signals are the point here, so no inject().
 */
import { describe, expect, it } from "vitest";
import { SseReader, type SseItem } from "../../contract/sse.ts";
import { BinderHubDouble } from "../test-support/binderhub-double.ts";
import {
  hubModeEnv,
  listening,
  startCompanion as start,
} from "../test-support/companion-process.ts";
import { RECONNECT_EVENT } from "./builds/service.ts";

// Each test starts a Node process: seconds on a loaded shared machine, whatever the code does.
describe("server.ts", { timeout: 30_000 }, () => {
  it("listens in local mode, answers the health check, and exits 0 on SIGTERM", async () => {
    const { child, exited } = start(["--local"], { LAUNCHPAD_PORT: "0" });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const address = await listening(child);
    const health = await fetch(`${address}/services/launchpad/api/health`);
    expect(await health.json()).toEqual({ status: "ok" });
    child.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
    // The bound port, in words, for whoever ran `npm start`.
    expect(stderr).toContain(`Launchpad's local demo is ready: open ${address}/hub/spawn\n`);
  });

  it(
    "on SIGTERM ends each build stream with a reconnect event, then exits 0 at once",
    { timeout: 60_000 },
    async () => {
      const binder = await new BinderHubDouble().start();
      try {
        const { child, exited } = start(["--local"], {
          LAUNCHPAD_PORT: "0",
          LAUNCHPAD_BINDERHUB_URL: binder.buildEndpoint,
          LAUNCHPAD_BINDERHUB_TOKEN: binder.token,
          // Past this the old entry point gave up and exited 1 with the streams still open.
          LAUNCHPAD_SHUTDOWN_DEADLINE_SECONDS: "20",
        });
        const address = await listening(child);
        const login = await fetch(`${address}/services/launchpad/oauth_login`, {
          redirect: "manual",
        });
        const cookie = (login.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
        const stream = await fetch(
          `${address}/services/launchpad/api/builds/gh/org/keepalive-only/HEAD`,
          { headers: { cookie, "sec-fetch-site": "same-origin" } },
        );
        expect(stream.status).toBe(200);
        const reader = new SseReader();
        const decoder = new TextDecoder();
        const body = stream.body!.getReader();
        const first = await body.read();
        expect(reader.feed(decoder.decode(first.value))).toEqual([
          { type: "data", data: expect.stringContaining('"phase": "waiting"') },
        ]);
        const killedAt = Date.now();
        child.kill("SIGTERM");
        const rest: SseItem[] = [];
        for (;;) {
          const { done, value } = await body.read();
          if (done) break;
          rest.push(...reader.feed(decoder.decode(value, { stream: true })));
        }
        const [code] = await exited;
        expect(code).toBe(0);
        expect(Date.now() - killedAt).toBeLessThan(10_000);
        const last = rest.filter((i) => i.type === "data").at(-1);
        expect(last?.type === "data" && JSON.parse(last.data)).toEqual(RECONNECT_EVENT);
      } finally {
        await binder.close();
      }
    },
  );

  it("says which port is taken, and how to choose another, when it cannot listen", async () => {
    const first = start(["--local"], { LAUNCHPAD_PORT: "0" });
    const port = new URL(await listening(first.child)).port;
    try {
      const second = start(["--local"], { LAUNCHPAD_PORT: port });
      let stderr = "";
      second.child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = await second.exited;
      expect(code).toBe(2);
      expect(stderr).toBe(
        `Launchpad cannot listen on 127.0.0.1:${port}: another program is using that port. Stop it, or set LAUNCHPAD_PORT to another port (0 takes any free one).\n`,
      );
    } finally {
      first.child.kill("SIGTERM");
      await first.exited;
    }
  });

  it("loads neither @kubernetes/client-node nor Ajv (Fastify's JSON-schema validator), in either mode", async () => {
    const watched = ["@kubernetes/client-node", "ajv"];
    const imported = async (args: string[], env: Record<string, string>) => {
      const { child, exited } = start(args, env, { reportImports: watched });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      await listening(child);
      child.kill("SIGTERM");
      await exited;
      return watched.filter((name) => stderr.includes(`imported ${name}\n`));
    };
    expect(await imported(["--local"], { LAUNCHPAD_PORT: "0" })).toEqual([]);
    expect(await imported([], { ...hubModeEnv(), LAUNCHPAD_PORT: "0" })).toEqual([]);
  });

  it("refuses to start with exit code 2 and lists every bad variable", async () => {
    const { child, exited } = start([], { LAUNCHPAD_PORT: "x" });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await exited;
    expect(code).toBe(2);
    for (const name of [
      "LAUNCHPAD_PORT",
      "JUPYTERHUB_API_URL",
      "JUPYTERHUB_API_TOKEN",
      "LAUNCHPAD_COOKIE_SECRET",
    ]) {
      expect(stderr).toContain(name);
    }
  });
});
