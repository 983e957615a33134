/**
 * The test kubelet plays scheduler, kubelet, Job controller and garbage collector through the
 * real API server's subresources, and the API server accepts what it writes.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { statusOf } from "./cluster.ts";
import { TEST_NODE, TestKubelet, volumeDirsUnder } from "./test-kubelet.ts";
import { testCluster } from "./test-cluster.ts";

const cluster = testCluster();
let namespace: string;
let kubelet: TestKubelet;
let volumes: string;
const started: string[] = [];
const stopped: string[] = [];

beforeAll(async () => {
  namespace = await cluster.namespace("kubelet");
  volumes = mkdtempSync(join(tmpdir(), "kubelet-volumes-"));
  chmodSync(volumes, 0o755);
  kubelet = new TestKubelet({
    cluster,
    namespaces: [namespace],
    volumeDir: volumeDirsUnder(volumes),
    onPodStart: (pod) => {
      const name = pod.metadata!.name!;
      started.push(name);
      return Promise.resolve({ stop: () => Promise.resolve(void stopped.push(name)) });
    },
  }).start();
});
afterAll(() => kubelet.close());

const pod = (name: string): V1Pod => ({
  metadata: { name },
  spec: { containers: [{ name: "notebook", image: "quay.io/jupyter/base-notebook" }] },
});

async function readPod(name: string): Promise<V1Pod | undefined> {
  try {
    return await cluster.core.readNamespacedPod({ namespace, name });
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

function job(name: string, script: string, backoffLimit = 0): V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit,
      template: {
        spec: {
          restartPolicy: "Never",
          securityContext: { runAsUser: 1000, runAsGroup: 100 },
          volumes: [{ name: "home", persistentVolumeClaim: { claimName: "claim-alice" } }],
          containers: [
            {
              name: "work",
              image: "busybox:1.37",
              command: ["/bin/sh", "-c", script],
              volumeMounts: [{ name: "home", mountPath: "/home-root", subPath: "alice" }],
            },
          ],
        },
      },
    },
  };
}

describe("the test kubelet", () => {
  it("binds a pod to its node and runs it: Running with a loopback IP, after onPodStart", async () => {
    await cluster.core.createNamespacedPod({ namespace, body: pod("server") });
    await expect.poll(async () => (await readPod("server"))?.status?.phase).toBe("Running");
    const running = (await readPod("server"))!;
    expect(running.spec?.nodeName).toBe(TEST_NODE);
    expect(running.status?.podIP).toBe("127.0.0.1");
    expect(running.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(started).toContain("server");
  });

  it("schedules only where a pod's nodeSelector and required node affinity fit the node", async () => {
    const placed = (name: string, spec: Partial<NonNullable<V1Pod["spec"]>>): V1Pod => ({
      metadata: { name },
      spec: { ...pod(name).spec!, ...spec },
    });
    const pinned = (node: string) => ({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] },
            ],
          },
        },
      },
    });
    await cluster.core.createNamespacedPod({
      namespace,
      body: placed("gpu-only", { nodeSelector: { "node.kubernetes.io/gpu": "true" } }),
    });
    await cluster.core.createNamespacedPod({ namespace, body: placed("elsewhere", pinned("n7")) });
    await cluster.core.createNamespacedPod({ namespace, body: placed("here", pinned(TEST_NODE)) });
    await expect.poll(async () => (await readPod("here"))?.status?.phase).toBe("Running");
    await kubelet.reconcile(); // one more full pass: the others are still not bound
    for (const name of ["gpu-only", "elsewhere"]) {
      const waiting = await readPod(name);
      expect(waiting?.spec?.nodeName, name).toBeUndefined();
      expect(waiting?.status?.phase, name).toBe("Pending");
    }
  });

  it("finishes a graceful delete: Terminating, then stopped and gone", async () => {
    await cluster.core.createNamespacedPod({ namespace, body: pod("doomed") });
    await expect.poll(async () => (await readPod("doomed"))?.status?.phase).toBe("Running");
    const deleted = await cluster.core.deleteNamespacedPod({ namespace, name: "doomed" });
    expect(deleted.metadata?.deletionTimestamp).toBeDefined();
    await expect.poll(() => readPod("doomed")).toBeUndefined();
    expect(stopped).toContain("doomed");
  });

  it("runs a Job's command on the volume's host folder, as its user, and completes the Job", async () => {
    const home = join(volumes, namespace, "pvc", "claim-alice", "alice");
    mkdirSync(join(home, "projects", "a"), { recursive: true });
    writeFileSync(join(home, "projects", "a", "file"), "x");
    // The notebook user owns its home, as on a real volume.
    if (process.getuid?.() === 0) execFileSync("chown", ["-R", "1000:100", home]);
    await cluster.batch.createNamespacedJob({
      namespace,
      body: job("remove-a", "rm -rf /home-root/projects/a && id -u > /home-root/ran-as"),
    });

    await expect
      .poll(async () => {
        const j = await cluster.batch.readNamespacedJob({ namespace, name: "remove-a" });
        return j.status?.conditions?.map((c) => c.type);
      })
      .toEqual(["SuccessCriteriaMet", "Complete"]);
    expect(existsSync(join(home, "projects", "a"))).toBe(false);
    if (process.getuid?.() === 0) expect(statSync(join(home, "ran-as")).uid).toBe(1000);
  });

  it("fails a Job whose pod exits non-zero past its backoffLimit", async () => {
    await cluster.batch.createNamespacedJob({ namespace, body: job("fails", "exit 3", 1) });
    await expect
      .poll(async () => {
        const j = await cluster.batch.readNamespacedJob({ namespace, name: "fails" });
        return [j.status?.failed, j.status?.conditions?.map((c) => c.type)];
      })
      .toEqual([2, ["FailureTarget", "Failed"]]);
  });

  it("collects a deleted Job's pods", async () => {
    await cluster.batch.createNamespacedJob({ namespace, body: job("sleeps", "sleep 600") });
    const podsOf = async () =>
      (
        await cluster.core.listNamespacedPod({
          namespace,
          labelSelector: "batch.kubernetes.io/job-name=sleeps",
        })
      ).items.length;
    await expect.poll(podsOf).toBe(1);
    await cluster.batch.deleteNamespacedJob({
      namespace,
      name: "sleeps",
      body: { propagationPolicy: "Background" },
    });
    await expect.poll(podsOf).toBe(0);
  });
});
