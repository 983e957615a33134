/**
 * Users' project pods, end to end against the real API server: the pods are the ones the real
 * KubeSpawner 7.1 and the real hub glue make (chart/tests/glue/kubespawner_harness.py), created as
 * the hub creates them and run by the test kubelet; the companion reads them as the chart's
 * ServiceAccount (real RBAC, real label-selector parsing and label-value validation).
 *
 * - a delete finds the running project whatever KubeSpawner's username label says (KubeSpawner 6
 *   escaped it, admins' hooks drop it), and refuses when the pods cannot be read;
 * - a start counts as launched only once the companion sees the server running with it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { V1Pod } from "@kubernetes/client-node";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { projectId, type LaunchProjectRequest } from "../../../contract/projects.ts";
import { kubespawnerHarness } from "../../test-support/kubespawner-harness.ts";
import { installTestAuth } from "../../test-support/test-auth.ts";
import { TestKubelet, volumeDirsUnder } from "../../test-support/kube/test-kubelet.ts";
import { testCluster } from "../../test-support/kube/test-cluster.ts";
import { connectionFor } from "../../test-support/kube/cluster.ts";
import { ANY_NAME } from "../auth/target-user.ts";
import { HttpError, installErrorHandling } from "../errors.ts";
import type { KubernetesClient } from "../kubernetes/client.ts";
import { createKubernetesClient } from "../kubernetes/rest-client.ts";
import { KubernetesFolderRemover } from "./folder-removal.ts";
import { projectRoutes } from "./routes.ts";
import { KubernetesRunningServers } from "./running-servers.ts";
import { ProjectService } from "./service.ts";
import { ConfigMapProjectStore } from "./store.ts";
import { jobSettings } from "./test-harness.ts";

const cluster = testCluster();
let namespace: string;
let companion: KubernetesClient;
let kubelet: TestKubelet;
/** Pods the kubelet fails to start (by name), as a crashing image or a refused mount would. */
const failing = new Set<string>();

beforeAll(async () => {
  namespace = await cluster.namespace("project-pods");
  const identity = await cluster.installCompanion({ namespace, buildNamespace: namespace });
  companion = createKubernetesClient(identity.connection);
  kubelet = new TestKubelet({
    cluster,
    namespaces: [namespace],
    volumeDir: volumeDirsUnder(mkdtempSync(join(tmpdir(), "project-pods-"))),
    onPodStart: (pod) =>
      failing.has(pod.metadata!.name!)
        ? Promise.reject(new Error("the image does not start"))
        : Promise.resolve(undefined),
  }).start();
});
afterAll(() => kubelet.close());

function service(kube: KubernetesClient = companion, now?: () => Date): ProjectService {
  return new ProjectService({
    store: new ConfigMapProjectStore({ kube, namespace }),
    remover: new KubernetesFolderRemover(kube, jobSettings(namespace)),
    running: new KubernetesRunningServers(kube, namespace),
    limit: 5,
    ...(now ? { now } : {}),
  });
}

interface PodRequest {
  user: string;
  user_options: Record<string, string>;
  relabel?: "kubespawner-6" | "drop-username";
}

/** What the hub would create for each request: real KubeSpawner, the admin's hook, the glue. */
function hubPods(requests: Record<string, PodRequest>): Map<string, V1Pod> {
  const { pods } = kubespawnerHarness<{ pods: (V1Pod | { error: string })[] }>({
    pods: Object.values(requests),
  });
  return new Map(
    Object.keys(requests).map((key, index) => {
      const pod = pods[index]!;
      if ("error" in pod) throw new Error(`${key}: ${pod.error}`);
      return [key, pod];
    }),
  );
}

/** Creates the pod as KubeSpawner does, under a name of its own, and returns that name. */
async function startPod(pod: V1Pod, name: string): Promise<string> {
  await cluster.core.createNamespacedPod({
    namespace,
    body: { ...pod, metadata: { ...pod.metadata, name } },
  });
  return name;
}

async function phaseOf(name: string): Promise<string | undefined> {
  return (await cluster.core.readNamespacedPod({ namespace, name })).status?.phase;
}

const IMAGE = "registry.example/u-octave:abc";
const REBUILT = "registry.example/u-octave:def";
const ID = projectId("gh", "o/r");

function startOptions(id: string, image = IMAGE): Record<string, string> {
  return { profile: "build", "image--unlisted-choice": image, "launchpad-project": id };
}

// One Python process for every pod: importing KubeSpawner takes seconds.
const PODS = hubPods({
  "ana.maria": { user: "ana.maria", user_options: startOptions(ID), relabel: "kubespawner-6" },
  carl_jung: { user: "carl_jung", user_options: startOptions(ID), relabel: "drop-username" },
  dora: { user: "dora", user_options: startOptions(ID) },
  "eve@example.org": { user: "eve@example.org", user_options: startOptions(ID) },
  gina: { user: "gina", user_options: startOptions(ID) },
  "gina-rebuilt": { user: "gina", user_options: startOptions(ID, REBUILT) },
  ivy: { user: "ivy", user_options: startOptions(projectId("gh", "o/swept")) },
  jo: { user: "jo", user_options: startOptions(projectId("gh", "o/swept-failed")) },
});

function hubPod(key: string): V1Pod {
  const pod = PODS.get(key);
  if (!pod) throw new Error(`no pod ${key}`);
  return pod;
}

function launchRequest(repository: string, ref = "main", image = IMAGE): LaunchProjectRequest {
  return {
    provider: "gh",
    repository,
    ref,
    image,
    profile_slug: "build",
    display_name: repository,
  };
}

describe("a delete never removes the folder of a running project", () => {
  // Names that are valid label values, so a selector on KubeSpawner's username label would be
  // tried — and miss, once the label is not the name.
  it.each([
    { user: "ana.maria", relabel: "kubespawner-6" as const, label: "ana-2emaria" },
    { user: "carl_jung", relabel: "drop-username" as const, label: undefined },
    { user: "dora", relabel: undefined, label: "dora" },
    // Not a label value: KubeSpawner 7.1 slugs and hashes it.
    { user: "eve@example.org", relabel: undefined, label: "eve-example-org---39f2b0c7" },
  ])("$user (username label $label)", async ({ user, relabel, label }) => {
    const projects = service();
    const { project } = await projects.launch(user, ID, launchRequest("o/r"));
    const pod = hubPod(user);
    expect(pod.metadata?.labels?.["hub.jupyter.org/username"]).toBe(label);
    const name = await startPod(pod, `jupyter-${user.replace(/[^a-z]/g, "")}`);
    await expect.poll(() => phaseOf(name)).toBe("Running");

    // Selecting on KubeSpawner's label with the user's name, as 0.1.0 did, misses these pods.
    const byName = await companion.listPods(
      namespace,
      `component=singleuser-server,hub.jupyter.org/username=${user.replace("@", "-")}`,
    );
    if (relabel !== undefined) expect(byName).toEqual([]);

    const refused = await projects.delete(user, project.id, user).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({ statusCode: 409 });
    expect((await projects.list(user)).running_project_ids).toEqual([project.id]);
  });

  it("finds a server a glue of Launchpad 0.1.0 started (annotations, no labels) until it stops", async () => {
    const user = "dora";
    const projects = service();
    const id = projectId("gh", "o/legacy");
    await projects.launch(user, id, launchRequest("o/legacy"));
    const pod = hubPod("dora");
    const labels = { ...pod.metadata?.labels };
    const annotations: Record<string, string> = {
      ...pod.metadata?.annotations,
      "launchpad.jupyter.org/project-id": id,
    };
    delete labels["launchpad.jupyter.org/user"];
    delete labels["launchpad.jupyter.org/project"];
    delete annotations["launchpad.jupyter.org/user"];
    const name = await startPod(
      { ...pod, metadata: { ...pod.metadata, labels, annotations } },
      "jupyter-dora-legacy",
    );
    await expect.poll(() => phaseOf(name)).toBe("Running");
    const refused = await projects.delete(user, id, user).catch((e: unknown) => e);
    expect(refused).toMatchObject({ statusCode: 409 });
  });

  it("refuses, saying why, when the pods cannot be read", async () => {
    const user = "frank";
    const projects = service();
    const { project } = await projects.launch(user, ID, launchRequest("o/r"));
    // The namespace's default ServiceAccount: no Role, so listing pods is forbidden (403).
    const token = await cluster.serviceAccountToken(namespace, "default");
    const blind = createKubernetesClient(connectionFor(cluster.info, token, namespace));
    const withoutPods = new ProjectService({
      store: new ConfigMapProjectStore({ kube: companion, namespace }),
      remover: new KubernetesFolderRemover(companion, jobSettings(namespace)),
      running: new KubernetesRunningServers(blind, namespace),
      limit: 5,
    });
    const app = Fastify({ logger: false });
    installErrorHandling(app);
    installTestAuth(app);
    await app.register(projectRoutes({ service: withoutPods, userExists: ANY_NAME }), {
      prefix: "/services/launchpad",
    });
    const refused = await app.inject({
      method: "DELETE",
      url: `/services/launchpad/api/projects/${project.id}`,
      headers: { "x-test-user": user, "x-launchpad-csrf": "ok" },
    });
    await app.close();
    expect(refused.statusCode).toBe(503);
    expect(refused.json<{ message: string }>().message).toMatch(
      /cannot check right now whether one of your servers uses this project, so it was not deleted/,
    );
    expect((await projects.list(user)).projects.map((p) => p.state)).toEqual(["ready"]);
  });
});

describe("launched means launched", () => {
  it("a start is pending, then starting, then launched once the server runs with its image", async () => {
    const user = "gina";
    let now = new Date();
    const projects = service(companion, () => now);
    const id = ID;
    await projects.launch(user, id, launchRequest("o/r", "main", IMAGE));
    let listed = await projects.list(user);
    expect(listed.projects[0]).toMatchObject({ ref: "main", pending_launch: { image: IMAGE } });
    expect(listed.projects[0]?.last_launched_at).toBeUndefined();
    expect(listed.starting_project_ids).toEqual([id]);

    failing.add("jupyter-gina");
    await startPod(hubPod("gina"), "jupyter-gina");
    await expect.poll(() => phaseOf("jupyter-gina")).toBe("Failed");
    listed = await projects.list(user);
    // The pod of this start failed: the start is over (KubeSpawner still waits out its
    // start_timeout), and the record is as it was.
    expect(listed.starting_project_ids).toEqual([]);
    expect(listed.running_project_ids).toEqual([]);
    expect(listed.projects[0]?.pending_launch).toBeUndefined();
    expect(listed.projects[0]).toMatchObject({ ref: "main", image: IMAGE });
    expect(listed.projects[0]?.last_launched_at).toBeUndefined();
    // The hub's stop deletes the pod; well within the no-pod grace, it is still not starting.
    await cluster.core.deleteNamespacedPod({ namespace, name: "jupyter-gina" });
    expect((await projects.list(user)).starting_project_ids).toEqual([]);

    // Another start, with a rebuilt image on another ref: runs.
    const rebuilt = REBUILT;
    now = new Date();
    await projects.launch(user, id, launchRequest("o/r", "v2", rebuilt));
    listed = await projects.list(user);
    expect(listed.projects[0]).toMatchObject({ ref: "main", image: IMAGE });
    const name = await startPod(hubPod("gina-rebuilt"), "jupyter-gina-2");
    await expect.poll(() => phaseOf(name)).toBe("Running");
    listed = await projects.list(user);
    const [project] = listed.projects;
    expect(project).toMatchObject({ ref: "v2", image: rebuilt });
    expect(project?.pending_launch).toBeUndefined();
    expect(Date.parse(project!.last_launched_at!)).toBeGreaterThanOrEqual(now.getTime() - 60_000);
    expect(listed.starting_project_ids).toEqual([]);
    expect(listed.running_project_ids).toEqual([id]);
  });

  it("a start the hub refused (no pod) stops counting as starting and leaves no launch", async () => {
    const user = "hugo";
    let now = new Date();
    const projects = service(companion, () => now);
    const id = projectId("gh", "o/refused");
    await projects.launch(user, id, launchRequest("o/refused"));
    expect((await projects.list(user)).starting_project_ids).toEqual([id]);
    now = new Date(now.getTime() + 3 * 60_000);
    const listed = await projects.list(user);
    expect(listed.starting_project_ids).toEqual([]);
    expect(listed.projects[0]?.last_launched_at).toBeUndefined();
  });

  it("the background sweep records a launch the page never looked at", async () => {
    const user = "ivy";
    const projects = service();
    const id = projectId("gh", "o/swept");
    await projects.launch(user, id, launchRequest("o/swept"));
    const name = await startPod(hubPod("ivy"), "jupyter-ivy");
    await expect.poll(() => phaseOf(name)).toBe("Running");
    await projects.sweep();
    const store = new ConfigMapProjectStore({ kube: companion, namespace });
    const [project] = await store.list(user);
    expect(project?.last_launched_at).toBeDefined();
    expect(project?.pending_launch).toBeUndefined();
  });

  it("the background sweep ends a start whose pod failed, with no launch", async () => {
    const user = "jo";
    const projects = service();
    const id = projectId("gh", "o/swept-failed");
    await projects.launch(user, id, launchRequest("o/swept-failed"));
    failing.add("jupyter-jo");
    const name = await startPod(hubPod("jo"), "jupyter-jo");
    await expect.poll(() => phaseOf(name)).toBe("Failed");
    await projects.sweep();
    const store = new ConfigMapProjectStore({ kube: companion, namespace });
    const [project] = await store.list(user);
    expect(project?.pending_launch).toBeUndefined();
    expect(project?.last_launched_at).toBeUndefined();
    expect((await projects.list(user)).starting_project_ids).toEqual([]);
  });
});
