/**
 * The Kubernetes limiter on the double, for what a real API server does not show: resourceVersions
 * that are opaque strings, as the API conventions allow (a real etcd-backed server hands out
 * increasing integers, so code comparing them passes there; limiter.kube.test.ts runs the rest
 * against the real one).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { KubernetesDouble } from "../../test-support/kubernetes-double.ts";
import { createKubernetesClient, loadConnection } from "../kubernetes/rest-client.ts";
import {
  createKubernetesBuildLimiter,
  createMemoryBuildLimiter,
  type BuildLimiter,
} from "./limiter.ts";

let double: KubernetesDouble;
const limiters: BuildLimiter[] = [];

beforeEach(async () => {
  double = await new KubernetesDouble({ opaqueResourceVersions: true }).start();
});
afterEach(async () => {
  for (const l of limiters.splice(0)) l.close();
  await double.close();
});

function replica(id: string): BuildLimiter {
  const kube = createKubernetesClient(
    loadConnection({
      kubeconfigPath: double.writeKubeconfig(mkdtempSync(join(tmpdir(), "limiter-"))),
      env: {},
    }),
  );
  const limiter = createKubernetesBuildLimiter({
    kube,
    namespace: "hub",
    replicaId: id,
    concurrentPerUser: 1,
  });
  limiters.push(limiter);
  return limiter;
}

const build = {
  user: "carol",
  provider: "gh" as const,
  spec: "o/r/HEAD",
  repoUrl: "https://github.com/o/r",
};

describe("the Kubernetes build limiter with opaque resourceVersions", () => {
  it("two replicas racing for the last slot: exactly one wins, every round", async () => {
    const a = replica("a");
    const b = replica("b");
    // Two different builds: two streams of one build are the same build (a re-attach).
    const other = { ...build, spec: "o/s/HEAD", repoUrl: "https://github.com/o/s" };
    for (let round = 0; round < 8; round++) {
      const results = await Promise.all([a.acquire(build), b.acquire(other)]);
      expect(
        results.filter((r) => r.ok),
        `round ${round}`,
      ).toHaveLength(1);
      for (const r of results) if (r.ok) await r.ticket.release();
    }
  });
});

describe("the in-memory build limiter", () => {
  const of = (user: string, n: number) => ({
    user,
    provider: "gh" as const,
    spec: `o/r${n}/HEAD`,
    repoUrl: `https://github.com/o/r${n}`,
  });

  it("counts each user's own builds, however many other users build", async () => {
    let clock = 1_000_000;
    const limiter = createMemoryBuildLimiter({}, () => clock);
    for (let i = 0; i < 1000; i++) {
      const r = await limiter.acquire(of(`other-${i}`, i));
      expect(r.ok).toBe(true);
      if (r.ok && i % 2 === 0) await r.ticket.release();
    }
    const mine = [];
    for (let n = 0; n < 10; n++) {
      clock += 1000;
      const r = await limiter.acquire(of("dana", n));
      expect(r.ok, `build ${n}`).toBe(true);
      if (r.ok) {
        mine.push(r.ticket);
        // Two at once at most: the third waits for one to end.
        if (mine.length === 2) {
          const third = await limiter.acquire(of("dana", 100 + n));
          expect(third.ok).toBe(false);
          if (!third.ok) expect(third.reason).toBe("concurrent");
          await mine.shift()!.release();
        }
      }
    }
    for (const ticket of mine) await ticket.release();
    const eleventh = await limiter.acquire(of("dana", 10));
    expect(eleventh.ok).toBe(false);
    if (!eleventh.ok) expect(eleventh.reason).toBe("hourly");
    expect(await limiter.running("dana")).toEqual([]);
    expect((await limiter.running("other-1")).map((b) => b.spec)).toEqual(["o/r1/HEAD"]);
  });

  it("lets go of finished builds an hour on, including those of users who never come back", async () => {
    let clock = 1_000_000;
    const limiter = createMemoryBuildLimiter({}, () => clock);
    for (let i = 0; i < 100; i++) {
      const r = await limiter.acquire(of(`gone-${i}`, i));
      if (r.ok) await r.ticket.release();
    }
    const running = await limiter.acquire(of("stays", 999));
    expect(running.ok).toBe(true);
    expect(await limiter.starts(of("gone-7", 7))).toHaveLength(1);
    clock += 61 * 60 * 1000;
    // Someone else's start prunes every user's finished builds of more than an hour ago.
    expect((await limiter.acquire(of("newcomer", 0))).ok).toBe(true);
    expect(await limiter.starts(of("gone-7", 7))).toEqual([]);
    // A build still streaming is kept, however old.
    expect((await limiter.running("stays")).map((b) => b.spec)).toEqual(["o/r999/HEAD"]);
  });
});
