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
import { createKubernetesBuildLimiter, type BuildLimiter } from "./limiter.ts";

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
