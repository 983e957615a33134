/**
 * What the projects sweep costs the API server, counted in the real API server's own audit log,
 * as the chart's ServiceAccount: one pass is one list of pods and one list of ConfigMaps however
 * many users have records, plus a read and a write of each record that a pod changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { projectId } from "../../../contract/projects.ts";
import type { CompanionIdentity } from "../../test-support/kube/cluster.ts";
import { testCluster } from "../../test-support/kube/test-cluster.ts";
import { createKubernetesClient } from "../kubernetes/rest-client.ts";
import { clusterHarness, launchBody, type ProjectsHarness, userServerPod } from "./test-harness.ts";

const cluster = testCluster();
let namespace: string;
let companion: CompanionIdentity;
let harness: ProjectsHarness;

beforeAll(async () => {
  // A namespace of its own: the sweep reads every record in it.
  namespace = await cluster.namespace("sweep");
  companion = await cluster.installCompanion({ namespace, buildNamespace: namespace });
  harness = await clusterHarness({
    kube: createKubernetesClient(companion.connection),
    namespace,
    limit: 0,
  });
});
afterAll(() => harness?.close());

/** The companion's requests while `work` runs, as `<verb> <resource>`, sorted. */
async function requestsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const before = cluster.requestsBy(companion.user).length;
  await work();
  return cluster
    .requestsBy(companion.user)
    .slice(before)
    .map((r) => `${r.verb} ${r.resource}`)
    .sort();
}

describe("the projects sweep on the real API server", () => {
  it("makes two lists a pass however many users have records, and writes only what a pod changes", async () => {
    const users = Array.from({ length: 8 }, (_, i) => `sweep-user${i}`);
    for (const user of users)
      for (const repository of ["o/a", "o/b"])
        await harness.service.launch(user, projectId("gh", repository), launchBody(repository));
    // One user's server runs on a project: its pod names the home the record lacks so far.
    await cluster.core.createNamespacedPod({
      namespace,
      body: userServerPod(users[0]!, projectId("gh", "o/a")),
    });

    expect(await requestsDuring(() => harness.service.sweep())).toEqual([
      "get configmaps",
      "list configmaps",
      "list pods",
      "update configmaps",
    ]);
    // Nothing has changed since: no record is read or written, whatever the number of users.
    expect(await requestsDuring(() => harness.service.sweep())).toEqual([
      "list configmaps",
      "list pods",
    ]);
    const [first] = (await harness.service.list(users[0]!)).projects.filter(
      (p) => p.id === projectId("gh", "o/a"),
    );
    expect(first?.storage).toMatchObject({ sub_path: "", mount_path: "/home/jovyan" });
  });
});
