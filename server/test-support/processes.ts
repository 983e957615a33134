/**
 * Child processes for test stacks (etcd, kube-apiserver, the hub, the companion…): free loopback
 * ports, a log file per process, readiness polling with the log's tail in the error, and a stop
 * that escalates from SIGTERM to SIGKILL.
 *
 * Each process is started through util-linux's `setpriv --pdeathsig KILL`, so it dies with the
 * test runner that started it even when the runner is killed outright: no stray etcd holds a port
 * or a gigabyte on a machine that others share.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { randomInt } from "node:crypto";
import { createServer, type AddressInfo, type Server } from "node:net";

/**
 * Linux hands out `listen(0)` ports and the local ports of outbound connections from one range
 * (net.ipv4.ip_local_port_range, 32768–60999 by default). A port probed there is free only until
 * the probe closes: before the child binds it, any connection on the machine (etcd ↔
 * kube-apiserver, a watch, the browser) may take it as its local port, and the hub then failed to
 * start with EADDRINUSE. So ports come from below that range, where only other probes compete.
 */
function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/)[0],
    );
    if (Number.isInteger(low) && low > 12_000) return low;
  } catch {
    // Not Linux, or no /proc: keep the kernel's default.
  }
  return 32_768;
}

function tryListen(port: number): Promise<Server | null> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(null));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/**
 * `count` distinct free loopback ports below the ephemeral range (see above), picked at random so
 * that stacks started at once rarely try the same ones; each is held open until all are found, so
 * none is handed out twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const high = ephemeralLow() - 1;
  const low = high - 10_000;
  const held: Server[] = [];
  try {
    for (let tries = 0; held.length < count; tries++) {
      if (tries > 2_000) throw new Error(`no ${count} free loopback ports in ${low}–${high}`);
      const server = await tryListen(randomInt(low, high + 1));
      if (server) held.push(server);
    }
    return held.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export interface TestProcess {
  readonly proc: ChildProcess;
  readonly name: string;
  readonly logFile: string;
  /** Throws, with the log's tail, if the process has exited. */
  assertRunning(): void;
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string },
): TestProcess {
  const log = createWriteStream(options.logFile, { flags: "a" });
  // Its own process group, so that stopping it reaches anything it started.
  const proc = spawn("setpriv", ["--pdeathsig", "KILL", "--", command, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const running = () => proc.exitCode === null && proc.signalCode === null;
  return {
    proc,
    name,
    logFile: options.logFile,
    assertRunning() {
      if (!running())
        throw new Error(
          `${name} exited (${proc.exitCode ?? proc.signalCode}). Log ${options.logFile}:\n${tail(options.logFile)}`,
        );
    },
    async stop(graceMs = 15_000) {
      if (!running() || proc.pid === undefined) return;
      proc.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const gone = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ]);
      clearTimeout(timer);
      if (!gone) {
        try {
          process.kill(-proc.pid, "SIGKILL");
        } catch {
          // already gone
        }
        await exited;
      }
    },
  };
}

/**
 * Polls `probe` until it returns true, the process exits, or the deadline passes; the error says
 * what the last probe saw and shows the log's tail.
 */
export async function waitUntilReady(
  process: TestProcess,
  what: string,
  probe: () => Promise<true | string>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    process.assertRunning();
    try {
      const result = await probe();
      if (result === true) return;
      last = result;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `${what} was not ready within ${timeoutMs / 1000} s (${last}). Log ${process.logFile}:\n${tail(process.logFile)}`,
  );
}
