/**
 * Cancelling builds against the real API server: the companion as the chart's ServiceAccount (its
 * Role in BinderHub's build namespace), the BinderHub double creating its build pods there, and
 * the test kubelet running them — so a deleted pod stays Terminating until the kubelet is done, as
 * in a cluster.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { buildPath } from "../../../contract/providers/build-path.ts";
import { BinderHubDouble } from "../../test-support/binderhub-double.ts";
import { TestKubelet } from "../../test-support/kube/test-kubelet.ts";
import { testCluster } from "../../test-support/kube/test-cluster.ts";
import { type KubernetesClient } from "../kubernetes/client.ts";
import { createKubernetesClient } from "../kubernetes/rest-client.ts";
import { createKubernetesBuildLimiter } from "./limiter.ts";
import { RECONNECT_EVENT } from "./service.ts";
import { headers, openStream, startCompanion } from "./test-harness.ts";

const cluster = testCluster();
let hubNamespace: string;
let buildNamespace: string;
let client: KubernetesClient;
let binder: BinderHubDouble;
let kubelet: TestKubelet;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  hubNamespace = await cluster.namespace("hub");
  buildNamespace = await cluster.namespace("builds");
  const companion = await cluster.installCompanion({ namespace: hubNamespace, buildNamespace });
  client = createKubernetesClient(companion.connection, { requestTimeoutMs: 5000 });
  const dir = mkdtempSync(join(tmpdir(), "builds-kube-"));
  binder = await new BinderHubDouble({
    keepaliveMs: 10,
    // BinderHub's own ServiceAccount may create pods; the tests' admin stands in for it.
    kubernetes: {
      kubeconfig: cluster.writeKubeconfig(dir, cluster.info.adminToken, buildNamespace),
      namespace: buildNamespace,
    },
  }).start();
  kubelet = new TestKubelet({ cluster, namespaces: [buildNamespace] }).start();
});
afterAll(async () => {
  await kubelet.close();
  await binder.close();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  kubelet.resume();
  // Each test starts with no build pods.
  for (const pod of await pods())
    await cluster.core
      .deleteNamespacedPod({ namespace: buildNamespace, name: pod.metadata!.name! })
      .catch(() => undefined);
  await expect.poll(async () => (await pods()).length).toBe(0);
});

const pods = async (): Promise<V1Pod[]> =>
  (await cluster.core.listNamespacedPod({ namespace: buildNamespace })).items;

/** One companion replica; its build service, for shutting it down as SIGTERM does. */
async function replica(
  replicaId: string,
  options: { log?: (line: string) => void; concurrentPerUser?: number } = {},
) {
  const limiter = createKubernetesBuildLimiter({
    kube: client,
    namespace: hubNamespace,
    replicaId,
    renewIntervalMs: 200,
    ...(options.concurrentPerUser ? { concurrentPerUser: options.concurrentPerUser } : {}),
  });
  const started = await startCompanion({
    binder,
    kube: client,
    buildNamespace,
    limiter,
    log: options.log,
  });
  cleanups.push(() => limiter.close(), started.close);
  return started;
}

async function companion(replicaId = "a", log?: (line: string) => void): Promise<string> {
  return (await replica(replicaId, { log })).base;
}

const path = buildPath("gh", "org/keepalive-only/HEAD");
const repo = "https://github.com/org/keepalive-only";
const cancel = (base: string, user = "alice", admin = false) =>
  fetch(base + path, {
    method: "DELETE",
    headers: headers(user, { "x-launchpad-csrf": "ok", ...(admin ? { "x-test-admin": "1" } : {}) }),
  });

/** A build streaming, its pod Running on the test kubelet. */
async function runningBuild(base: string, user = "alice") {
  const stream = await openStream(base, path, user);
  expect(stream.response.status).toBe(200);
  await expect
    .poll(async () =>
      (await pods())
        .filter(
          (p) =>
            p.metadata?.labels?.component === "binderhub-build" &&
            p.metadata.annotations?.["binder-repo"] === repo,
        )
        .map((p) => p.status?.phase),
    )
    .toEqual(["Running"]);
  return stream;
}

describe("DELETE api/builds/<provider>/<spec> (cancel) against the real API server", () => {
  it("deletes exactly the build's pod, never a decoy; the pod terminates, then the stream ends", async () => {
    const base = await companion();
    const decoy = (name: string, labels: Record<string, string>, binderRepo: string): V1Pod => ({
      metadata: { name, labels, annotations: { "binder-repo": binderRepo } },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    });
    // Same repository but not a build pod; a build pod of another repository.
    await cluster.core.createNamespacedPod({
      namespace: buildNamespace,
      body: decoy("build-org-2dkeepalive-2donly-imposter", {}, repo),
    });
    await cluster.core.createNamespacedPod({
      namespace: buildNamespace,
      body: decoy("build-other", { component: "binderhub-build" }, "https://github.com/org/other"),
    });
    const stream = await runningBuild(base);
    const [pod] = (await pods()).filter(
      (p) => p.metadata?.annotations?.["binder-repo"] === repo && p.metadata.labels?.component,
    );
    const response = await cancel(base);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      streams_cancelled: 1,
      pods_deleted: [pod?.metadata?.name],
    });
    expect((await stream.done)?.events.at(-1)?.phase).toBe("failed");
    await expect
      .poll(async () => (await pods()).map((p) => p.metadata?.name).sort())
      .toEqual(["build-org-2dkeepalive-2donly-imposter", "build-other"]);
  });

  it("does not delete a build pod that is already Terminating again", async () => {
    const base = await companion();
    const first = await runningBuild(base);
    await kubelet.pause(); // the node is slow to stop the pod
    const response = await cancel(base);
    expect(await response.json()).toMatchObject({ pods_deleted: [expect.any(String)] });
    await first.done;
    const [terminating] = await pods();
    expect(terminating?.metadata?.deletionTimestamp).toBeDefined();
    // Someone asks again while the pod is still terminating: nothing is deleted twice.
    const second = await openStream(base, path);
    expect(second.response.status).toBe(200);
    const again = await cancel(base);
    expect(await again.json()).toMatchObject({ pods_deleted: [] });
    kubelet.resume();
    await expect.poll(async () => (await pods()).length).toBe(0);
  });

  it("keeps the pod while another user's stream watches the same build", async () => {
    const base = await companion();
    const alice = await runningBuild(base, "alice");
    const bob = await openStream(base, path, "bob");
    const response = await cancel(base, "alice");
    expect(await response.json()).toMatchObject({
      streams_cancelled: 1,
      pods_deleted: [],
      pod_kept_reason: expect.stringMatching(/1 other stream is still watching/),
    });
    expect((await alice.done)?.events.at(-1)).toMatchObject({
      phase: "failed",
      message: "Build cancelled.\n",
    });
    expect((await pods()).map((p) => p.metadata?.deletionTimestamp)).toEqual([undefined]);
    bob.controller.abort();
  });

  it("cancels a stream held by another replica through its Lease", async () => {
    const a = await companion("a");
    const b = await companion("b");
    const stream = await runningBuild(a);
    const response = await cancel(b);
    expect(await response.json()).toMatchObject({
      streams_cancelled: 1,
      pods_deleted: [expect.stringMatching(/^build-org-2dkeepalive-2donly-/)],
    });
    expect((await stream.done)?.events.at(-1)?.phase).toBe("failed");
  });

  it("answers 404 to a user who did not start the build, and leaves its pod running", async () => {
    const base = await companion();
    const alice = await runningBuild(base, "alice");
    alice.controller.abort(); // alice left: the build runs on, no stream of hers watches it
    await alice.done;
    const response = await cancel(base, "mallory");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404 });
    expect((await pods()).map((p) => p.metadata?.deletionTimestamp)).toEqual([undefined]);
  });

  it("lets the user who started it cancel it after closing its stream", async () => {
    const base = await companion();
    const alice = await runningBuild(base, "alice");
    alice.controller.abort();
    await alice.done;
    const response = await cancel(base, "alice");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      pods_deleted: [expect.stringMatching(/^build-org-2dkeepalive-2donly-/)],
    });
    await expect.poll(async () => (await pods()).length).toBe(0);
  });

  it("lets an admin cancel anyone's build, ending its streams, and logs it", async () => {
    const logs: string[] = [];
    const base = await companion("a", (line) => logs.push(line));
    const alice = await runningBuild(base, "alice");
    const response = await cancel(base, "root", true);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      streams_cancelled: 1,
      pods_deleted: [expect.stringMatching(/^build-/)],
    });
    expect((await alice.done)?.events.at(-1)).toMatchObject({ phase: "failed" });
    const entry = logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.admin === "root");
    // Every starter the limiter remembers (earlier tests here built the same repository).
    expect(entry).toMatchObject({
      admin: "root",
      users: expect.arrayContaining(["alice"]),
      provider: "gh",
      spec: "org/keepalive-only/HEAD",
    });
  });

  it("answers 404 to an admin when nobody started such a build", async () => {
    const base = await companion();
    // A repository no test here builds (the Leases of the others' builds stay for an hour).
    const response = await fetch(base + buildPath("gh", "org/never-built/HEAD"), {
      method: "DELETE",
      headers: headers("root", { "x-launchpad-csrf": "ok", "x-test-admin": "1" }),
    });
    expect(response.status).toBe(404);
  });

  it("is a CSRF-protected write", async () => {
    const base = await companion();
    const alice = await runningBuild(base);
    const response = await fetch(base + path, { method: "DELETE", headers: headers() });
    expect(response.status).toBe(403);
    expect((await pods()).map((p) => p.metadata?.deletionTimestamp)).toEqual([undefined]);
    alice.controller.abort();
  });
});

describe("a build across two replicas (real API server, the chart's Role)", () => {
  it("a rolling deploy: the build started on one replica is listed, re-attached within the limit and cancelled on the other", async () => {
    const a = await replica("a", { concurrentPerUser: 1 });
    const b = await replica("b", { concurrentPerUser: 1 });
    // A user of this test alone: the other tests' Leases count for an hour.
    const user = "carol";
    const first = await runningBuild(a.base, user);
    // a shuts down (SIGTERM): its stream ends telling the page to reconnect, and a goes away.
    await a.service.drain();
    expect((await first.done)?.events.at(-1)).toEqual(RECONNECT_EVENT);
    await a.close();

    // The page asks b what is still running, and follows it there.
    const running = await fetch(b.base.replace(/\/$/, ""), { headers: headers(user) });
    expect(running.status).toBe(200);
    expect(await running.json()).toEqual({
      builds: [{ provider: "gh", spec: "org/keepalive-only/HEAD", started_at: expect.any(String) }],
    });
    const again = await openStream(b.base, path, user);
    expect(again.response.status).toBe(200);
    // The re-attach is the same build: with a limit of 1, another build is refused.
    const another = await fetch(b.base + buildPath("gh", "org/keepalive-only-2/HEAD"), {
      headers: headers(user),
    });
    expect(another.status).toBe(429);
    expect(await pods()).toHaveLength(1);

    // Cancelled on b: b's stream ends, and the pod BinderHub started for a's stream goes.
    const response = await cancel(b.base, user);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      streams_cancelled: 1,
      pods_deleted: [expect.stringMatching(/^build-org-2dkeepalive-2donly-/)],
    });
    expect((await again.done)?.events.at(-1)).toMatchObject({ phase: "failed" });
    await expect.poll(async () => (await pods()).length).toBe(0);
    // Nothing of it runs any more, on either replica's count.
    expect(
      await (await fetch(b.base.replace(/\/$/, ""), { headers: headers(user) })).json(),
    ).toEqual({ builds: [] });
  });
});
