/**
 * The test control plane is the real thing, configured as a cluster is: the pinned release, RBAC
 * enforced, the API server's own validation and graceful pod deletion.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { CoreV1Api } from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";

import { kubeConfigFor, statusOf } from "./cluster.ts";
import { testCluster } from "./test-cluster.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const cluster = testCluster();
let namespace: string;

beforeAll(async () => {
  namespace = await cluster.namespace("plane");
});

describe("the test control plane", () => {
  it("is the Kubernetes release scripts/kube/kube-apiserver/go.mod pins", () => {
    const goMod = readFileSync(join(ROOT, "scripts/kube/kube-apiserver/go.mod"), "utf8");
    const pinned = /^\s*k8s\.io\/kubernetes (v\d+\.\d+\.\d+)/m.exec(goMod)?.[1];
    expect(pinned).toMatch(/^v1\.\d+\.\d+$/);
    expect(cluster.info.version).toBe(pinned);
  });

  it("enforces RBAC: a ServiceAccount with no Role may not even list pods", async () => {
    await cluster.core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: "nobody" } },
    });
    const token = await cluster.serviceAccountToken(namespace, "nobody");
    const core = kubeConfigFor(cluster.info, token).makeApiClient(CoreV1Api);
    const denied = await core.listNamespacedPod({ namespace }).catch((e: unknown) => e);
    expect(statusOf(denied)).toBe(403);
  });

  it("runs the companion as the chart's ServiceAccount: its Role's grants, nothing more, all audited", async () => {
    const hub = await cluster.namespace("hub");
    const builds = await cluster.namespace("builds");
    const companion = await cluster.installCompanion({ namespace: hub, buildNamespace: builds });
    expect(companion.rbac.map((o) => `${o.kind} ${o.metadata.namespace ?? hub}`).sort()).toEqual([
      `Role ${builds}`,
      `Role ${hub}`,
      `RoleBinding ${builds}`,
      `RoleBinding ${hub}`,
    ]);
    const core = companion.kubeconfig.makeApiClient(CoreV1Api);
    await core.listNamespacedConfigMap({ namespace: hub });
    await core.listNamespacedPod({ namespace: builds });
    const secrets = await core.listNamespacedSecret({ namespace: hub }).catch((e: unknown) => e);
    expect(statusOf(secrets)).toBe(403);
    expect(cluster.requestsBy(companion.user)).toEqual([
      { verb: "list", group: "", resource: "configmaps", namespace: hub, code: 200 },
      { verb: "list", group: "", resource: "pods", namespace: builds, code: 200 },
      { verb: "list", group: "", resource: "secrets", namespace: hub, code: 403 },
    ]);
  });

  it("validates objects: a label value of 64 characters is refused with 422", async () => {
    const refused = await cluster.core
      .createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: "long-label", labels: { x: "a".repeat(64) } } },
      })
      .catch((e: unknown) => e);
    expect(statusOf(refused)).toBe(422);
  });

  it("leaves a pod bound to a node Terminating on delete, and removes an unbound one at once", async () => {
    const pod = (name: string, nodeName?: string) => ({
      metadata: { name },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "busybox" }] },
    });
    await cluster.core.createNamespacedPod({ namespace, body: pod("bound", "node-1") });
    await cluster.core.createNamespacedPod({ namespace, body: pod("unbound") });
    await cluster.core.deleteNamespacedPod({ namespace, name: "bound" });
    await cluster.core.deleteNamespacedPod({ namespace, name: "unbound" });
    const bound = await cluster.core.readNamespacedPod({ namespace, name: "bound" });
    expect(bound.metadata?.deletionTimestamp).toBeDefined();
    const unbound = await cluster.core
      .readNamespacedPod({ namespace, name: "unbound" })
      .catch((e: unknown) => e);
    expect(statusOf(unbound)).toBe(404);
  });
});
