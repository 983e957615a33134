/**
 * Ended sessions against the real API server, as the chart's ServiceAccount with exactly the
 * chart's Role: replicas revoking at once lose nothing, and the calls are the ones the Role grants
 * by name (get and update of the one ConfigMap; create, which RBAC cannot limit to a name).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testCluster } from "../../test-support/kube/test-cluster.ts";
import { createKubernetesClient } from "../kubernetes/rest-client.ts";
import {
  configMapRevocationStore,
  REVOCATIONS_CONFIG_MAP,
  SessionRevocations,
} from "./session-revocations.ts";

const cluster = testCluster();
let builds: string;

beforeAll(async () => {
  builds = await cluster.namespace("builds");
});

const session = (n: number) => ({ id: `session-${n}`.padEnd(22, "x"), expiresAt: 4_000_000_000 });

describe("session revocations in a real cluster", () => {
  it.each([
    ["the default values", []],
    ["builds and projects off", ["build.enabled=false", "projects.enabled=false"]],
  ])("three replicas revoking at once lose nothing, with %s", async (_values, set) => {
    const namespace = await cluster.namespace("sessions");
    const companion = await cluster.installCompanion({
      namespace,
      buildNamespace: builds,
      set: [...set],
    });
    const kube = createKubernetesClient(companion.connection);
    const store = configMapRevocationStore(kube, namespace);
    const replicas = [0, 1, 2].map(
      () => new SessionRevocations({ store, now: Date.now, refreshMs: 0 }),
    );
    const sessions = Array.from({ length: 9 }, (_, i) => session(i));
    await Promise.all(sessions.map((s, i) => replicas[i % 3]!.revoke(s)));
    const reader = new SessionRevocations({ store, now: Date.now });
    for (const s of sessions) expect(await reader.isRevoked(s)).toBe(true);
    expect(await reader.isRevoked(session(99))).toBe(false);

    const calls = cluster.requestsBy(companion.user);
    expect(calls.every((c) => c.code !== 403)).toBe(true);
    expect(new Set(calls.map((c) => `${c.verb} ${c.resource} ${c.name ?? ""}`.trim()))).toEqual(
      new Set([
        `get configmaps ${REVOCATIONS_CONFIG_MAP}`,
        // The audit log names the object created; the Role cannot (create has no name to RBAC).
        `create configmaps ${REVOCATIONS_CONFIG_MAP}`,
        `update configmaps ${REVOCATIONS_CONFIG_MAP}`,
      ]),
    );
  });

  it("cannot touch another ConfigMap by the session rule", async () => {
    const namespace = await cluster.namespace("sessions");
    const companion = await cluster.installCompanion({
      namespace,
      buildNamespace: builds,
      set: ["build.enabled=false", "projects.enabled=false"],
    });
    await cluster.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: "someone-elses" }, data: { a: "1" } },
    });
    const kube = createKubernetesClient(companion.connection);
    const read = await kube.readConfigMap(namespace, "someone-elses").catch((e: unknown) => e);
    expect((read as { status?: number }).status).toBe(403);
  });
});
