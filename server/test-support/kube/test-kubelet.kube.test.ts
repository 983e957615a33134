/**
 * The test kubelet plays scheduler, kubelet, Job controller and garbage collector through the
 * real API server's subresources, and the API server accepts what it writes.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { CoreV1Event, V1Job, V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { statusOf } from "./cluster.ts";
import { NODE_IP, TEST_NODE, TestKubelet, runOnNode, volumeDirsUnder } from "./test-kubelet.ts";
import { testCluster } from "./test-cluster.ts";

const cluster = testCluster();
let namespace: string;
let kubelet: TestKubelet;
let volumes: string;
const started: string[] = [];
const ips = new Map<string, string>();
const stopped: string[] = [];

beforeAll(async () => {
  namespace = await cluster.namespace("kubelet");
  volumes = mkdtempSync(join(tmpdir(), "kubelet-volumes-"));
  chmodSync(volumes, 0o755);
  kubelet = new TestKubelet({
    cluster,
    namespaces: [namespace],
    volumeDir: volumeDirsUnder(volumes),
    crashBackoffMs: 300,
    onError: (e, what) => console.error("KUBELET", what, e),
    // An init container exits with its annotation's code (`exit-<name>`), else 0.
    initExitCode: (pod, container) =>
      Number(pod.metadata?.annotations?.[`exit-${container.name}`] ?? 0),
    nodePools: [{ "node.kubernetes.io/instance-type": "r5.xlarge" }],
    // A pod's annotations say what runs for it: a command, after a delay.
    onPodStart: async (pod, podIP) => {
      const name = pod.metadata!.name!;
      const annotations = pod.metadata?.annotations ?? {};
      started.push(name);
      ips.set(name, podIP);
      await new Promise((resolve) => setTimeout(resolve, Number(annotations.delay ?? 0)));
      const command = annotations.command;
      const process = command ? runOnNode(["sh", "-c", command], {}, () => {}) : undefined;
      return {
        exited: process?.exited,
        async stop(graceMs) {
          stopped.push(name);
          await process?.stop(graceMs);
        },
      };
    },
  }).start();
});
afterAll(() => kubelet.close());

const pod = (
  name: string,
  annotations: Record<string, string> = {},
  restartPolicy?: "Always" | "OnFailure" | "Never",
): V1Pod => ({
  metadata: { name, annotations },
  spec: {
    containers: [
      {
        name: "notebook",
        image: "quay.io/jupyter/base-notebook",
        ports: [{ name: "notebook-port", containerPort: 8888 }],
      },
    ],
    ...(restartPolicy ? { restartPolicy } : {}),
  },
});

const notebook = async (name: string) => (await readPod(name))?.status?.containerStatuses?.[0];

async function readPod(name: string): Promise<V1Pod | undefined> {
  try {
    return await cluster.core.readNamespacedPod({ namespace, name });
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** The pod's events as KubeSpawner's `events` property orders them (by lastTimestamp or eventTime). */
async function eventsOf(name: string): Promise<CoreV1Event[]> {
  const { items } = await cluster.core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name}`,
  });
  // The strings KubeSpawner compares, as the API server serialises them: RFC 3339 in seconds for
  // lastTimestamp, in microseconds for eventTime.
  const when = (e: CoreV1Event) =>
    e.lastTimestamp
      ? new Date(e.lastTimestamp).toISOString().replace(/\.\d+Z$/, "Z")
      : e.eventTime
        ? new Date(e.eventTime).toISOString().replace(/Z$/, "000Z")
        : "";
  return items.sort((a, b) => (when(a) < when(b) ? -1 : when(a) > when(b) ? 1 : 0));
}

const reasons = (events: CoreV1Event[]) =>
  events.map((e) => [e.reason, e.involvedObject.fieldPath ?? "", e.message]);

function withInits(name: string, annotations: Record<string, string> = {}): V1Pod {
  const base = pod(name, annotations);
  return {
    ...base,
    spec: {
      ...base.spec!,
      restartPolicy: "OnFailure",
      initContainers: [
        { name: "block-cloud-metadata", image: "quay.io/jupyterhub/k8s-network-tools:4.2.0" },
        { name: "launchpad-seed", image: "registry.example/r/project:abc" },
      ],
    },
  };
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
  it("binds a pod to its node and runs it at a loopback address of its own: Running, ready", async () => {
    await cluster.core.createNamespacedPod({ namespace, body: pod("server") });
    await cluster.core.createNamespacedPod({ namespace, body: pod("neighbour") });
    await expect.poll(async () => (await readPod("server"))?.status?.phase).toBe("Running");
    await expect.poll(async () => (await readPod("neighbour"))?.status?.phase).toBe("Running");
    const running = (await readPod("server"))!;
    expect(running.spec?.nodeName).toBe(TEST_NODE);
    expect(running.status?.podIP).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(running.status?.podIP).toBe(ips.get("server"));
    expect(running.status?.hostIP).toBe(NODE_IP);
    // Two pods at once never share an address (both serve the same port).
    expect((await readPod("neighbour"))?.status?.podIP).not.toBe(running.status?.podIP);
    // What KubeSpawner's is_pod_running asks of a started pod.
    expect(running.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(running.status?.containerStatuses?.map((c) => [c.name, c.ready])).toEqual([
      ["notebook", true],
    ]);
    expect(started).toContain("server");
  });

  it("binds a pod whose node_selector asks for a node pool to that pool's node", async () => {
    await cluster.core.createNamespacedPod({
      namespace,
      body: {
        ...pod("big"),
        spec: {
          ...pod("big").spec!,
          nodeSelector: { "node.kubernetes.io/instance-type": "r5.xlarge" },
        },
      },
    });
    await expect.poll(async () => (await readPod("big"))?.status?.phase).toBe("Running");
    expect((await readPod("big"))?.spec?.nodeName).toBe(`${TEST_NODE}-1`);
  });

  it("restarts a container that exits (restartPolicy Always): CrashLoopBackOff, not ready, then running again", async () => {
    await cluster.core.createNamespacedPod({
      namespace,
      body: pod("crashes", { command: "sleep 0.3; exit 3" }),
    });
    await expect
      .poll(async () => (await notebook("crashes"))?.state?.waiting?.reason)
      .toBe("CrashLoopBackOff");
    const crashed = (await readPod("crashes"))!;
    expect(crashed.status?.phase).toBe("Running");
    expect(crashed.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    expect(crashed.status?.containerStatuses?.[0]?.ready).toBe(false);
    expect(crashed.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(3);
    await expect.poll(async () => (await notebook("crashes"))?.restartCount).toBeGreaterThan(0);
  });

  it("fails a pod whose process exits non-zero under restartPolicy Never, and never restarts it", async () => {
    await cluster.core.createNamespacedPod({
      namespace,
      body: pod("dies", { command: "exit 7" }, "Never"),
    });
    await expect.poll(async () => (await readPod("dies"))?.status?.phase).toBe("Failed");
    const status = await notebook("dies");
    expect([status?.ready, status?.state?.terminated?.exitCode]).toEqual([false, 7]);
    await kubelet.reconcile();
    expect(started.filter((name) => name === "dies")).toHaveLength(1);
  });

  it("stops what it started for a pod deleted while it was starting", async () => {
    await cluster.core.createNamespacedPod({
      namespace,
      body: pod("hasty", { delay: "1500", command: "sleep 600" }),
    });
    await expect.poll(() => started.includes("hasty")).toBe(true);
    await cluster.core.deleteNamespacedPod({ namespace, name: "hasty" });
    await expect.poll(() => readPod("hasty"), { timeout: 10_000 }).toBeUndefined();
    expect(stopped).toContain("hasty");
  });

  it("stops the process of a pod deleted at once (grace period 0)", async () => {
    await cluster.core.createNamespacedPod({
      namespace,
      body: pod("gone", { command: "sleep 600" }),
    });
    await expect.poll(async () => (await readPod("gone"))?.status?.phase).toBe("Running");
    await cluster.core.deleteNamespacedPod({ namespace, name: "gone", gracePeriodSeconds: 0 });
    expect(await readPod("gone")).toBeUndefined();
    await expect.poll(() => stopped.includes("gone")).toBe(true);
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

  it("writes the scheduler's and the kubelet's events, init containers first, in order", async () => {
    await cluster.core.createNamespacedPod({ namespace, body: withInits("evented") });
    await expect.poll(async () => (await readPod("evented"))?.status?.phase).toBe("Running");
    const running = (await readPod("evented"))!;
    const events = await eventsOf("evented");
    const seed = "spec.initContainers{launchpad-seed}";
    const metadata = "spec.initContainers{block-cloud-metadata}";
    expect(reasons(events)).toEqual([
      ["Scheduled", "", `Successfully assigned ${namespace}/evented to ${TEST_NODE}`],
      ["Pulling", metadata, 'Pulling image "quay.io/jupyterhub/k8s-network-tools:4.2.0"'],
      [
        "Pulled",
        metadata,
        expect.stringMatching(
          /^Successfully pulled image "quay.io\/jupyterhub\/k8s-network-tools:4.2.0" in \d+ms/,
        ),
      ],
      ["Created", metadata, "Created container: block-cloud-metadata"],
      ["Started", metadata, "Started container block-cloud-metadata"],
      ["Pulling", seed, 'Pulling image "registry.example/r/project:abc"'],
      ["Pulled", seed, expect.stringMatching(/^Successfully pulled image/)],
      ["Created", seed, "Created container: launchpad-seed"],
      ["Started", seed, "Started container launchpad-seed"],
      // The notebook's image was pulled for an earlier pod on this node.
      [
        "Pulled",
        "spec.containers{notebook}",
        'Container image "quay.io/jupyter/base-notebook" already present on machine',
      ],
      ["Created", "spec.containers{notebook}", "Created container: notebook"],
      ["Started", "spec.containers{notebook}", "Started container notebook"],
    ]);
    const [scheduled, ...kubelet] = events;
    // kube-scheduler writes through events.k8s.io: eventTime and its reporting controller only.
    expect(scheduled).toMatchObject({
      type: "Normal",
      action: "Binding",
      reportingComponent: "default-scheduler",
      involvedObject: { kind: "Pod", name: "evented", uid: running.metadata!.uid!, namespace },
    });
    expect(scheduled!.eventTime).toBeDefined();
    expect(scheduled!.lastTimestamp ?? undefined).toBeUndefined();
    for (const event of kubelet) {
      expect(event).toMatchObject({
        type: "Normal",
        count: 1,
        source: { component: "kubelet", host: TEST_NODE },
        reportingComponent: "kubelet",
        reportingInstance: TEST_NODE,
        involvedObject: {
          apiVersion: "v1",
          kind: "Pod",
          name: "evented",
          uid: running.metadata!.uid!,
          namespace,
        },
      });
      expect(event.lastTimestamp).toBeDefined();
      expect(event.metadata.name).toMatch(/^evented\.[0-9a-f]+$/);
    }
    expect(running.status?.initContainerStatuses?.map((c) => c.state?.terminated?.reason)).toEqual([
      "Completed",
      "Completed",
    ]);
  });

  it("holds a pod whose init container fails in its init phase: Pending, BackOff, restarted, counted", async () => {
    await cluster.core.createNamespacedPod({
      namespace,
      body: withInits("seed-fails", { "exit-launchpad-seed": "1" }),
    });
    const seedStatus = async () =>
      (await readPod("seed-fails"))?.status?.initContainerStatuses?.find(
        (c) => c.name === "launchpad-seed",
      );
    await expect.poll(async () => (await seedStatus())?.restartCount).toBeGreaterThan(0);
    await expect
      .poll(async () => (await seedStatus())?.state?.waiting?.reason)
      .toBe("CrashLoopBackOff");
    const waiting = (await readPod("seed-fails"))!;
    expect(waiting.status?.phase).toBe("Pending");
    expect(waiting.status?.conditions?.find((c) => c.type === "Initialized")?.status).toBe("False");
    expect(waiting.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    expect((await seedStatus())?.lastState?.terminated?.exitCode).toBe(1);
    expect(waiting.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("PodInitializing");
    // The notebook never started.
    expect(started).not.toContain("seed-fails");
    const events = await eventsOf("seed-fails");
    const backOff = events.find((e) => e.reason === "BackOff");
    expect(backOff).toMatchObject({
      type: "Warning",
      involvedObject: { fieldPath: "spec.initContainers{launchpad-seed}" },
      message: `Back-off restarting failed container launchpad-seed in pod seed-fails_${namespace}(${waiting.metadata!.uid!})`,
    });
    // A restart's events are the first start's, counted (client-go's EventCorrelator).
    const startedSeed = events.filter(
      (e) => e.reason === "Started" && e.involvedObject.fieldPath?.includes("launchpad-seed"),
    );
    expect(startedSeed).toHaveLength(1);
    expect(startedSeed[0]!.count).toBeGreaterThan(1);
    expect(events.some((e) => e.involvedObject.fieldPath === "spec.containers{notebook}")).toBe(
      false,
    );
  });

  it("fails a pod whose init container fails under restartPolicy Never", async () => {
    const body = withInits("seed-fails-once", { "exit-launchpad-seed": "2" });
    body.spec!.restartPolicy = "Never";
    await cluster.core.createNamespacedPod({ namespace, body });
    await expect.poll(async () => (await readPod("seed-fails-once"))?.status?.phase).toBe("Failed");
    const failed = (await readPod("seed-fails-once"))!;
    expect(
      failed.status?.initContainerStatuses?.map(
        (c) => c.state?.terminated?.exitCode ?? c.state?.waiting?.reason,
      ),
    ).toEqual([0, 2]);
    expect((await eventsOf("seed-fails-once")).some((e) => e.reason === "BackOff")).toBe(false);
  });
});
