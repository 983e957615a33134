/**
 * The entry point as a process: the socket and signals are the point here, so no inject().
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";

const ENTRY = new URL("./server.ts", import.meta.url).pathname;

function start(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [ENTRY, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      LAUNCHPAD_STATIC_DIR: "/nonexistent-launchpad-static",
      LAUNCHPAD_LOCAL_DATA_DIR: mkdtempSync(join(tmpdir(), "launchpad-server-")),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited };
}

// Each test starts a Node process: seconds on a loaded shared machine, whatever the code does.
describe("server.ts", { timeout: 30_000 }, () => {
  it("listens in local mode, answers the health check, and exits 0 on SIGTERM", async () => {
    const { child, exited } = start(["--local"], { LAUNCHPAD_PORT: "0" });
    let address: string | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      const entry = JSON.parse(line) as { msg?: string };
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(entry.msg ?? "");
      if (match?.[1]) {
        address = match[1];
        break;
      }
    }
    expect(address).toBeDefined();
    const health = await fetch(`${address}/services/launchpad/api/health`);
    expect(await health.json()).toEqual({ status: "ok" });
    child.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
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
