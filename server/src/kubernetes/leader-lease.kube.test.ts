/**
 * The Lease that lets one replica run the projects sweep, against the real API server as the
 * chart's ServiceAccount with exactly the chart's Role (also with building off, where the only
 * Lease rule is the sweep's).
 */
import { describe, expect, it } from "vitest";
import { testCluster } from "../../test-support/kube/test-cluster.ts";
import { createKubernetesClient } from "./rest-client.ts";
import { LeaderLease } from "./leader-lease.ts";
import type { KubernetesClient } from "./client.ts";

const cluster = testCluster();

/** The companion of a fresh release: its namespace, and a build namespace of its own. */
async function install(set: string[]) {
  const namespace = await cluster.namespace("sweep");
  const buildNamespace = await cluster.namespace("builds");
  const companion = await cluster.installCompanion({ namespace, buildNamespace, set });
  return { namespace, kube: createKubernetesClient(companion.connection) };
}

const DURATION_SECONDS = 60;

function replicas(kube: KubernetesClient, namespace: string, name: string) {
  const clocks = { a: 1_000_000, b: 1_000_000 };
  const lease = (holder: "a" | "b") =>
    new LeaderLease({
      kube,
      namespace,
      name,
      holder: `replica-${holder}`,
      durationSeconds: DURATION_SECONDS,
      now: () => clocks[holder],
    });
  return { clocks, a: lease("a"), b: lease("b") };
}

describe("the projects sweep's Lease in a real cluster", () => {
  it.each([
    ["the default values", []],
    ["building off", ["build.enabled=false"]],
  ])(
    "one replica at a time; a gone holder is taken over, a leaving one hands over at once, with %s",
    async (_values, set) => {
      const { namespace, kube } = await install(set);
      const { clocks, a, b } = replicas(kube, namespace, "launchpad-projects-sweep");

      expect(await a.claim()).toBe(true);
      expect(await b.claim()).toBe(false);
      expect(await a.claim()).toBe(true); // renews
      const renewed = await kube.readLease(namespace, "launchpad-projects-sweep");
      expect(renewed.spec?.holderIdentity).toBe("replica-a");

      // a is killed: it renews no more. b waits out the duration on its own clock, then takes over.
      clocks.b += 1000;
      expect(await b.claim()).toBe(false);
      clocks.b += (DURATION_SECONDS - 2) * 1000;
      expect(await b.claim()).toBe(false);
      clocks.b += 2000;
      expect(await b.claim()).toBe(true);
      const taken = await kube.readLease(namespace, "launchpad-projects-sweep");
      expect(taken.spec).toMatchObject({ holderIdentity: "replica-b", leaseTransitions: 1 });
      expect(await a.claim()).toBe(false);

      // b shuts down: it gives the Lease up, and a sweeps at its next round without waiting.
      await b.release();
      expect(await a.claim()).toBe(true);
    },
  );

  it("of two replicas taking a free Lease at once, one gets it", async () => {
    const { namespace, kube } = await install([]);
    for (let round = 0; round < 5; round++) {
      const { a, b } = replicas(kube, namespace, `launchpad-projects-sweep-${round}`);
      const won = await Promise.all([a.claim(), b.claim()]);
      expect(won.filter(Boolean)).toHaveLength(1);
    }
  });
});
