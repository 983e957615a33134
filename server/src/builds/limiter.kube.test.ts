/**
 * The build limiter across two companion processes against the real API server, each running
 * the companion's limiter and Kubernetes client as the chart's ServiceAccount.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { testCluster } from "../../test-support/kube/test-cluster.ts";
import type { AcquireResult, BuildRef, BuildStart, RunningBuildRef } from "./limiter.ts";

const CLI = join(import.meta.dirname, "../../test-support/kube/limiter-replica-cli.ts");
const cluster = testCluster();
let namespace: string;
let kubeconfig: string;

beforeAll(async () => {
  namespace = await cluster.namespace("limiter");
  const companion = await cluster.installCompanion({ namespace, buildNamespace: namespace });
  kubeconfig = cluster.writeKubeconfig(
    mkdtempSync(join(tmpdir(), "limiter-")),
    companion.token,
    namespace,
  );
});

type Acquired =
  Extract<AcquireResult, { ok: false }> | { ok: true; ticket: string; reattached: boolean };

/** A companion replica's limiter in a process of its own (limiter-replica-cli.ts). */
class Replica {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<
    number,
    (message: { result?: unknown; error?: string }) => void
  >();
  private next = 0;
  readonly cancelled: string[] = [];

  constructor(name: string, flags: Record<string, number> = {}) {
    this.proc = spawn(process.execPath, [
      CLI,
      `--kubeconfig=${kubeconfig}`,
      `--namespace=${namespace}`,
      `--replica=${name}`,
      ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`),
    ]);
    this.proc.stderr.pipe(process.stderr);
    createInterface({ input: this.proc.stdout }).on("line", (line) => {
      const message = JSON.parse(line) as {
        id?: number;
        event?: string;
        ticket?: string;
        result?: unknown;
        error?: string;
      };
      if (message.event === "cancelled") this.cancelled.push(message.ticket!);
      else this.pending.get(message.id!)?.(message);
    });
  }

  private async call<T>(op: string, payload: object): Promise<T> {
    const id = ++this.next;
    const answer = new Promise<{ result?: unknown; error?: string }>((resolve) =>
      this.pending.set(id, resolve),
    );
    this.proc.stdin.write(`${JSON.stringify({ id, op, ...payload })}\n`);
    const { result, error } = await answer;
    if (error) throw new Error(error);
    return result as T;
  }

  acquire = (build: BuildRef) => this.call<Acquired>("acquire", { build });
  release = (ticket: string) => this.call<unknown>("release", { ticket });
  /** The stream left (its page went, or this replica shuts down) while the build goes on. */
  detach = (ticket: string) => this.call<unknown>("detach", { ticket });
  running = (user: string) => this.call<RunningBuildRef[]>("running", { user });
  cancel = (build: BuildRef) => this.call<number>("cancel", { build });
  starts = (build: BuildRef) => this.call<BuildStart[]>("starts", { build });

  /** Stops as a rolled pod does: renewals end, nothing is released. */
  stop(): void {
    this.proc.stdin.end();
  }

  /** A crash: SIGKILL. */
  kill(): void {
    this.proc.kill("SIGKILL");
  }
}

const replicas: Replica[] = [];
function replica(name: string, flags?: Record<string, number>): Replica {
  const r = new Replica(name, flags);
  replicas.push(r);
  return r;
}
afterEach(() => {
  for (const r of replicas.splice(0)) r.kill();
});

let users = 0;
function buildOf(spec = "o/r/HEAD"): BuildRef {
  return {
    user: `user-${++users}@example.org`,
    provider: "gh",
    spec,
    repoUrl: `https://github.com/${spec.split("/").slice(0, 2).join("/")}`,
  };
}

describe("the build limiter across two companion processes (real API server)", () => {
  it("shares the count of running builds; a third is refused; another user is not", async () => {
    const a = replica("a", { concurrent: 2 });
    const b = replica("b", { concurrent: 2 });
    const build = buildOf();
    expect((await a.acquire(build)).ok).toBe(true);
    expect((await b.acquire({ ...build, spec: "o/s/HEAD" })).ok).toBe(true);
    expect(await a.acquire({ ...build, spec: "o/t/HEAD" })).toMatchObject({
      ok: false,
      reason: "concurrent",
    });
    expect((await b.acquire(buildOf())).ok).toBe(true);
  });

  it("racing for the last slot: exactly one of the two processes wins, every round", async () => {
    const a = replica("a", { concurrent: 1 });
    const b = replica("b", { concurrent: 1 });
    const build = buildOf();
    const other = { ...build, spec: "o/s/HEAD", repoUrl: "https://github.com/o/s" };
    for (let round = 0; round < 6; round++) {
      // Two different builds: two streams of one build are the same build (a re-attach).
      const results = await Promise.all([a.acquire(build), b.acquire(other)]);
      const winners = results.flatMap((r) => (r.ok ? [r.ticket] : []));
      expect(winners, `round ${round}`).toHaveLength(1);
      await (results[0].ok ? a : b).release(winners[0]!);
    }
  });

  it("counts builds per hour across processes, finished ones included", async () => {
    const a = replica("a", { hourly: 2 });
    const b = replica("b", { hourly: 2 });
    const build = buildOf();
    for (const r of [a, b]) {
      const acquired = await r.acquire(build);
      if (!acquired.ok) throw new Error(acquired.message);
      await r.release(acquired.ticket);
    }
    expect(await a.acquire(build)).toMatchObject({ ok: false, reason: "hourly" });
  });

  it("a killed process's build re-attaches on the survivor at once; another build waits for its Lease to expire", async () => {
    const crashed = replica("crashed", { concurrent: 1, "lease-seconds": 2 });
    const survivor = replica("survivor", { concurrent: 1, "lease-seconds": 2 });
    const build = buildOf();
    const another = { ...build, spec: "o/s/HEAD", repoUrl: "https://github.com/o/s" };
    expect((await crashed.acquire(build)).ok).toBe(true);
    crashed.kill();
    // Before: "You already have 1 build running" until the dead replica's Lease expired.
    expect(await survivor.acquire(build)).toMatchObject({ ok: true, reattached: true });
    expect(await survivor.acquire(another)).toMatchObject({ ok: false, reason: "concurrent" });
  });

  it("a stream detached by a shutdown gives its Lease up; its re-attach elsewhere is the same build", async () => {
    const leaving = replica("leaving", { concurrent: 1, hourly: 1 });
    const staying = replica("staying", { concurrent: 1, hourly: 1 });
    const build = buildOf();
    const first = await leaving.acquire(build);
    if (!first.ok) throw new Error(first.message);
    await leaving.detach(first.ticket);
    expect(await staying.running(build.user)).toEqual([
      expect.objectContaining({ provider: "gh", spec: build.spec }),
    ]);
    // Neither the concurrent limit nor the hourly one counts it twice (before: refused, hourly).
    const again = await staying.acquire(build);
    expect(again).toMatchObject({ ok: true, reattached: true });
    expect(
      await staying.acquire({ ...build, spec: "o/s/HEAD", repoUrl: "https://github.com/o/s" }),
    ).toMatchObject({ ok: false });
    if (again.ok) await staying.release(again.ticket);
    expect(await staying.running(build.user)).toEqual([]);
  });

  it("cancels a build held by the other process through its Lease", async () => {
    const holder = replica("holder", { "lease-seconds": 3 });
    const other = replica("other", { "lease-seconds": 3 });
    const build = buildOf();
    const acquired = await holder.acquire(build);
    if (!acquired.ok) throw new Error(acquired.message);
    expect(await other.cancel(build)).toBe(1);
    await expect.poll(() => holder.cancelled).toEqual([acquired.ticket]);
  });

  it("knows on every process who started a build, and when their stream ended or died", async () => {
    const a = replica("a", { "lease-seconds": 2 });
    const b = replica("b", { "lease-seconds": 2 });
    const build = buildOf("o/started/HEAD"); // no other test builds it in this namespace
    const other = buildOf("o/started/HEAD");
    const first = await a.acquire(build);
    if (!first.ok) throw new Error(first.message);
    const before = Date.now();
    expect((await a.acquire(other)).ok).toBe(true);
    expect((await b.acquire({ ...build, spec: "o/elsewhere/HEAD" })).ok).toBe(true);
    expect(await b.starts(build)).toEqual(
      expect.arrayContaining([
        { user: build.user, startedAt: expect.any(Number), endedAt: undefined },
        { user: other.user, startedAt: expect.any(Number), endedAt: undefined },
      ]),
    );
    expect(await b.starts(build)).toHaveLength(2);
    await a.release(first.ticket);
    a.kill(); // other's stream dies with its process, never ended
    const ended = (starts: BuildStart[], user: string) =>
      starts.find((s) => s.user === user)?.endedAt;
    expect(ended(await b.starts(build), build.user)).toBeGreaterThanOrEqual(before);
    await expect
      .poll(async () => ended(await b.starts(build), other.user), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(before);
  });
});
