/**
 * The projects API in cluster mode against the real API server, as the chart's ServiceAccount
 * with the chart's Role: records in ConfigMaps, users' server pods (bound and run by the test
 * kubelet), and removal Jobs whose real script the test kubelet runs on a local folder.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import {
  DeleteProjectResponseSchema,
  ProjectListResponseSchema,
  projectId,
} from "../../../contract/projects.ts";
import { statusOf, type CompanionIdentity } from "../../test-support/kube/cluster.ts";
import { TEST_NODE, TestKubelet, volumeDirsUnder } from "../../test-support/kube/test-kubelet.ts";
import { testCluster } from "../../test-support/kube/test-cluster.ts";
import { createKubernetesClient } from "../kubernetes/rest-client.ts";
import { removalJobName } from "./removal-job.ts";
import {
  clusterHarness,
  launchBody,
  PREFIX,
  type ProjectsHarness,
  userServerPod,
} from "./test-harness.ts";

const cluster = testCluster();
let namespace: string;
let companion: CompanionIdentity;
let volumes: string;
let kubelet: TestKubelet;
let harness: ProjectsHarness;

beforeAll(async () => {
  namespace = await cluster.namespace("projects");
  companion = await cluster.installCompanion({ namespace, buildNamespace: namespace });
  volumes = mkdtempSync(join(tmpdir(), "projects-volumes-"));
  chmodSync(volumes, 0o755);
  kubelet = new TestKubelet({
    cluster,
    namespaces: [namespace],
    volumeDir: volumeDirsUnder(volumes),
    // A z2jh user node: the removal Job's nodeSelector (JOB_SETTINGS) asks for it.
    nodeLabels: { "kubernetes.io/hostname": TEST_NODE, "hub.jupyter.org/node-purpose": "user" },
  }).start();
});
afterAll(async () => {
  await kubelet.close();
  rmSync(volumes, { recursive: true, force: true });
});
afterEach(() => harness?.close());

async function companionHarness(options: { now?: () => Date } = {}): Promise<ProjectsHarness> {
  harness = await clusterHarness({
    kube: createKubernetesClient(companion.connection),
    namespace,
    ...options,
  });
  return harness;
}

let users = 0;
/** A user of this test alone (they share the namespace). */
const newUser = () => `user${++users}`;

function as(user: string) {
  return { "x-test-user": user, "x-launchpad-csrf": "ok" };
}

async function launch(h: ProjectsHarness, user: string, repository: string) {
  const id = projectId("gh", repository);
  const response = await h.app.inject({
    method: "POST",
    url: `${PREFIX}/api/projects/${id}/launch`,
    headers: as(user),
    payload: launchBody(repository),
  });
  expect(response.statusCode).toBe(201);
  return id;
}

const list = async (h: ProjectsHarness, user: string) =>
  ProjectListResponseSchema.parse(
    (
      await h.app.inject({ method: "GET", url: `${PREFIX}/api/projects`, headers: as(user) })
    ).json(),
  );

const remove = (h: ProjectsHarness, user: string, id: string) =>
  h.app.inject({ method: "DELETE", url: `${PREFIX}/api/projects/${id}`, headers: as(user) });

/** The user's home on the claim's host folder, owned by the notebook user as on a real volume. */
function homeOf(user: string): string {
  const home = join(volumes, namespace, "pvc", `claim-${user}`);
  mkdirSync(home, { recursive: true });
  return home;
}

function seed(user: string, ...folders: string[]): void {
  const home = homeOf(user);
  for (const folder of folders) {
    mkdirSync(join(home, "projects", folder), { recursive: true });
    writeFileSync(join(home, "projects", folder, "work.ipynb"), "{}");
  }
  if (process.getuid?.() === 0) execFileSync("chown", ["-R", "1000:100", home]);
}

/** A user's server pod (test-harness.ts), created as the hub would, then run by the test kubelet. */
async function startServer(user: string, id: string): Promise<V1Pod> {
  const name = `jupyter-${user}`;
  await cluster.core.createNamespacedPod({ namespace, body: userServerPod(user, id) });
  let pod: V1Pod | undefined;
  await expect
    .poll(
      async () => (pod = await cluster.core.readNamespacedPod({ namespace, name })).status?.phase,
    )
    .toBe("Running");
  return pod!;
}

/** Stops the server as the hub does (a graceful delete), and waits until the kubelet is done. */
async function stopServer(user: string): Promise<void> {
  const name = `jupyter-${user}`;
  await cluster.core.deleteNamespacedPod({ namespace, name });
  await expect
    .poll(() =>
      cluster.core.readNamespacedPod({ namespace, name }).then(
        () => "present",
        (e: unknown) => statusOf(e),
      ),
    )
    .toBe(404);
}

const jobsOf = async (user: string, id: string) =>
  (await cluster.batch.listNamespacedJob({ namespace })).items.filter(
    (j) => j.metadata?.name === removalJobName(user, id),
  );

describe("projects API, cluster mode (real API server, the chart's Role)", () => {
  it("refuses to delete the project a running server uses, also while the pod is Terminating", async () => {
    const h = await companionHarness();
    const user = newUser();
    const id = await launch(h, user, "o/r");
    await startServer(user, id);
    const listing = await list(h, user);
    expect(listing.running_project_ids).toEqual([id]);
    expect(listing.projects[0]?.storage).toEqual({
      volume: { persistentVolumeClaim: { claimName: `claim-${user}` } },
      sub_path: "",
      mount_path: "/home/jovyan",
      run_as_uid: 1000,
      run_as_gid: 100,
    });
    const refused = await remove(h, user, id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ message: string }>().message).toMatch(/running server/);

    // A stopping server still holds its folder until its pod is gone.
    await kubelet.pause();
    try {
      const terminating = await cluster.core.deleteNamespacedPod({
        namespace,
        name: `jupyter-${user}`,
      });
      expect(terminating.metadata?.deletionTimestamp).toBeDefined();
      expect((await remove(h, user, id)).statusCode).toBe(409);
    } finally {
      kubelet.resume();
    }
    await stopServer(user);
    expect((await remove(h, user, id)).statusCode).toBe(202);
    expect(await jobsOf(user, id)).toHaveLength(1);
  });

  it("removes exactly projects/<id> with a Job the kubelet runs, then the record", async () => {
    const h = await companionHarness();
    const user = newUser();
    const id = await launch(h, user, "o/gone");
    const kept = await launch(h, user, "o/kept");
    seed(user, id, kept);
    await startServer(user, kept); // records where the user's files live
    await list(h, user);
    const response = await remove(h, user, id);
    expect(response.statusCode).toBe(202);
    expect(DeleteProjectResponseSchema.parse(response.json())).toMatchObject({
      id,
      state: "deleting",
    });
    const [job] = await jobsOf(user, id);
    // A claim is attached to the node of the running server: the Job is pinned there.
    expect(
      job?.spec?.template.spec?.affinity?.nodeAffinity
        ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields,
    ).toEqual([{ key: "metadata.name", operator: "In", values: [TEST_NODE] }]);
    // A retried delete (e.g. after a restart) finds the same Job.
    expect((await remove(h, user, id)).statusCode).toBe(202);
    expect(await jobsOf(user, id)).toHaveLength(1);

    await expect.poll(async () => (await list(h, user)).projects.map((p) => p.id)).toEqual([kept]);
    expect(existsSync(join(homeOf(user), "projects", id))).toBe(false);
    expect(existsSync(join(homeOf(user), "projects", kept, "work.ipynb"))).toBe(true);
    expect(await jobsOf(user, id)).toEqual([]); // cleaned up, so a later delete starts afresh
  });

  it("marks delete-failed when the Job fails (the script refuses a symlinked projects), and a retry succeeds", async () => {
    const h = await companionHarness();
    const user = newUser();
    const id = await launch(h, user, "o/r");
    await startServer(user, id);
    await list(h, user);
    await stopServer(user);
    const home = homeOf(user);
    mkdirSync(join(home, "elsewhere", id), { recursive: true });
    symlinkSync(join(home, "elsewhere"), join(home, "projects"));
    expect((await remove(h, user, id)).statusCode).toBe(202);
    await expect.poll(async () => (await list(h, user)).projects[0]?.state).toBe("delete-failed");
    const [failed] = (await list(h, user)).projects;
    expect(failed?.deletion?.message).toMatch(/backoff limit/);
    expect(existsSync(join(home, "elsewhere", id))).toBe(true); // never followed

    rmSync(join(home, "projects"));
    seed(user, id);
    expect((await remove(h, user, id)).statusCode).toBe(202);
    await expect.poll(async () => (await list(h, user)).projects).toEqual([]);
    expect(existsSync(join(home, "projects", id))).toBe(false);
  });

  it("re-creates a removal Job that vanished (TTL, or an admin) while the record says deleting", async () => {
    const h = await companionHarness();
    const user = newUser();
    const id = await launch(h, user, "o/r");
    await startServer(user, id);
    await list(h, user);
    await stopServer(user);
    await kubelet.pause(); // so the Job waits
    try {
      expect((await remove(h, user, id)).statusCode).toBe(202);
      await cluster.batch.deleteNamespacedJob({
        namespace,
        name: removalJobName(user, id),
        body: { propagationPolicy: "Background" },
      });
      await h.service.sweep();
      expect((await jobsOf(user, id)).map((j) => j.metadata?.name)).toEqual([
        removalJobName(user, id),
      ]);
    } finally {
      kubelet.resume();
    }
    await expect.poll(async () => (await list(h, user)).projects).toEqual([]);
  });

  it("removes only the record when no server of the user was ever seen", async () => {
    const h = await companionHarness();
    const user = newUser();
    const id = await launch(h, user, "o/r");
    const response = await remove(h, user, id);
    expect(response.statusCode).toBe(200);
    expect(await jobsOf(user, id)).toEqual([]);
  });

  it("answers 400 to an invalid id without any Kubernetes call", async () => {
    const h = await companionHarness();
    const before = cluster.requestsBy(companion.user).length;
    const response = await remove(h, newUser(), "UPPER");
    expect(response.statusCode).toBe(400);
    expect(cluster.requestsBy(companion.user)).toHaveLength(before);
  });
});
