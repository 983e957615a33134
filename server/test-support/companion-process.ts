/**
 * The companion's entry point (server/src/server.ts) as a child process, for tests and the bench
 * where the process itself is the point: its socket, its signals, its memory.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

const ENTRY = new URL("../src/server.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;
const REPORT_IMPORTS = new URL("./report-imports.ts", import.meta.url).pathname;

/**
 * Hub mode with no hub and no cluster behind it: enough for the process to start and listen
 * (nothing is asked of the hub or Kubernetes before a request needs it).
 */
export function hubModeEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "launchpad-hub-mode-"));
  const kubeconfig = join(dir, "kubeconfig");
  // An API server nobody answers at (port 9, discard): the client is made, never answered.
  writeFileSync(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{name: none, cluster: {server: 'https://127.0.0.1:9'}}]",
      "users: [{name: none, user: {token: none}}]",
      "contexts: [{name: none, context: {cluster: none, user: none, namespace: hub}}]",
      "current-context: none",
      "",
    ].join("\n"),
  );
  return {
    LAUNCHPAD_HOST: "127.0.0.1",
    JUPYTERHUB_API_URL: "http://127.0.0.1:9/hub/api",
    JUPYTERHUB_API_TOKEN: "test-token",
    LAUNCHPAD_COOKIE_SECRET: "0123456789abcdef0123456789abcdef",
    LAUNCHPAD_HUB_NAMESPACE: "hub",
    LAUNCHPAD_BINDERHUB_URL: "http://127.0.0.1:9/services/binder/",
    LAUNCHPAD_KUBECONFIG: kubeconfig,
  };
}

/**
 * The command the image runs the companion with (the Dockerfile's `CMD`, an exec-form JSON array),
 * relative to the repository's root: `["node", ...flags, entry]`.
 */
export function imageCommand(): string[] {
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const cmd = /^CMD (\[.*\])\s*$/m.exec(dockerfile)?.[1];
  if (!cmd) throw new Error("the Dockerfile has no exec-form CMD");
  const command = JSON.parse(cmd) as unknown;
  if (!Array.isArray(command) || command[0] !== "node" || command.length < 2)
    throw new Error(`the Dockerfile's CMD is not ["node", …]: ${cmd}`);
  return command as string[];
}

export interface StartOptions {
  /** Packages to report on stderr as `imported <name>` when the process loads them. */
  reportImports?: string[];
  /**
   * Run the built companion (scripts/build-server.ts, already built into dist/server) as the
   * image does, with the Dockerfile's node flags, instead of the TypeScript entry.
   */
  asImage?: boolean;
}

export type CompanionProcess = ChildProcessByStdio<null, Readable, Readable>;

export function startCompanion(
  args: string[],
  env: Record<string, string>,
  options: StartOptions = {},
) {
  const report = options.reportImports ?? [];
  const [, ...image] = imageCommand();
  const entry = options.asImage ? image : [ENTRY];
  const child = spawn(
    process.execPath,
    [...(report.length > 0 ? ["--import", REPORT_IMPORTS] : []), ...entry, ...args],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        LAUNCHPAD_STATIC_DIR: "/nonexistent-launchpad-static",
        LAUNCHPAD_LOCAL_DATA_DIR: mkdtempSync(join(tmpdir(), "launchpad-server-")),
        ...(report.length > 0 ? { LAUNCHPAD_REPORT_IMPORTS: report.join(",") } : {}),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited };
}

/** The address the process logs once it listens. */
export async function listening(child: CompanionProcess): Promise<string> {
  for await (const line of createInterface({ input: child.stdout })) {
    const entry = JSON.parse(line) as { msg?: string };
    const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(entry.msg ?? "");
    if (match?.[1]) return match[1];
  }
  throw new Error("the companion exited before listening");
}
