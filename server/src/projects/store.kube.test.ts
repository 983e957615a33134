/**
 * The ConfigMap project store against the real API server, as the chart's ServiceAccount: the
 * store's promises (store-cases.ts) across five instances standing for replicas, and what a real
 * API server checks that the double never did — object names and label values for any user name
 * the hub allows, and the size of a user's records.
 */
import { createHash } from "node:crypto";

import { beforeEach, describe, expect, it } from "vitest";

import { statusOf } from "../../test-support/kube/cluster.ts";
import { testCluster } from "../../test-support/kube/test-cluster.ts";
import { type KubernetesClient } from "../kubernetes/client.ts";
import { createKubernetesClient } from "../kubernetes/rest-client.ts";
import { describeProjectStore, project } from "./store-cases.ts";
import {
  CONFIG_MAP_DATA_KEY,
  CONFIG_MAP_DATA_LIMIT_BYTES,
  ConfigMapProjectStore,
  configMapName,
  ProjectLimitError,
} from "./store.ts";

const cluster = testCluster();
let namespace: string;
let kube: KubernetesClient;

// A namespace per test: `all()` reads every record in it.
beforeEach(async () => {
  namespace = await cluster.namespace("store");
  const companion = await cluster.installCompanion({ namespace, buildNamespace: namespace });
  kube = createKubernetesClient(companion.connection);
});

describeProjectStore("ConfigMapProjectStore (real API server)", () =>
  Array.from(
    { length: 5 },
    () => new ConfigMapProjectStore({ kube, namespace, maxAttempts: 200, maxBackoffMs: 20 }),
  ),
);

const configMapOf = (user: string) =>
  cluster.core.readNamespacedConfigMap({ namespace, name: configMapName(user) });

describe("ConfigMapProjectStore objects (real API server)", () => {
  it("names, labels and annotates one ConfigMap per user, with the records under projects.json", async () => {
    const store = new ConfigMapProjectStore({ kube, namespace });
    const user = "Ann.Lee@example.org";
    await store.upsert(user, "a", () => project("a"), { limit: 0 });
    const configMap = await configMapOf(user);
    expect(configMap.metadata?.name).toMatch(
      /^launchpad-projects-ann-lee-example-org-[0-9a-f]{10}$/,
    );
    expect(configMap.metadata?.labels).toEqual({
      "app.kubernetes.io/managed-by": "launchpad",
      "app.kubernetes.io/component": "project-records",
      // The name is not a label value; the label holds its hash, the annotation the name.
      "launchpad.jupyter.org/user": createHash("sha256").update(user).digest("hex").slice(0, 40),
    });
    // 0.1.0's annotation too: its replicas refuse a record without it during a rolling upgrade.
    expect(configMap.metadata?.annotations).toEqual({
      "launchpad.jupyter.org/user": user,
      "launchpad.jupyter.org/username": user,
    });
    const data: unknown = JSON.parse(configMap.data![CONFIG_MAP_DATA_KEY]!);
    expect(data).toMatchObject({ version: 1, user, projects: [{ id: "a" }] });
  });

  it.each([
    ["an e-mail address", "Ann.Lee+work@example.org"],
    ["non-ASCII", "Zoë Ünïcode 山田"],
    ["only symbols", "!!!"],
    ["a leading dash and dots", "-..-"],
    ["an identity provider's long subject", `github|${"9".repeat(300)}`],
    ["slashes and a colon", "oidc:https://idp.example.org/users/42"],
  ])("keeps records for a user name with %s (valid name, label, annotation)", async (_, user) => {
    const store = new ConfigMapProjectStore({ kube, namespace });
    await store.upsert(user, "a", () => project("a"), { limit: 0 });
    expect((await store.list(user)).map((p) => p.id)).toEqual(["a"]);
    expect([...(await store.all()).keys()]).toEqual([user]);
  });

  it("refuses a project that would not fit the user's ConfigMap as over the limit, not with a 422", async () => {
    const store = new ConfigMapProjectStore({ kube, namespace });
    // 200 KB records: the API server's 1 MiB holds five of them.
    const big = (id: string) => project(id, { display_name: "d".repeat(200_000) });
    for (let i = 0; i < 5; i++)
      await store.upsert("hoarder", `p${i}`, () => big(`p${i}`), { limit: 0 });
    const refused = await store
      .upsert("hoarder", "p5", () => big("p5"), { limit: 0 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProjectLimitError);
    expect(refused).toMatchObject({
      limit: 5,
      used: 5,
      message: expect.stringMatching(/Delete a project/),
    });
    expect((await store.list("hoarder")).map((p) => p.id)).toEqual(["p0", "p1", "p2", "p3", "p4"]);
    // The guard is the API server's own limit: one byte short of it is accepted.
    const configMap = await configMapOf("hoarder");
    const room =
      CONFIG_MAP_DATA_LIMIT_BYTES - Buffer.byteLength(configMap.data![CONFIG_MAP_DATA_KEY]!);
    configMap.data![CONFIG_MAP_DATA_KEY] += " ".repeat(room);
    const full = await cluster.core.replaceNamespacedConfigMap({
      namespace,
      name: configMap.metadata!.name!,
      body: configMap,
    });
    full.data![CONFIG_MAP_DATA_KEY] += " ";
    const tooLong = await cluster.core
      .replaceNamespacedConfigMap({ namespace, name: full.metadata!.name!, body: full })
      .catch((e: unknown) => e);
    expect(statusOf(tooLong)).toBe(422);
  });

  it("refuses a ConfigMap whose annotation names another user (never mixes records)", async () => {
    const store = new ConfigMapProjectStore({ kube, namespace });
    await cluster.core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: configMapName("eve"),
          annotations: { "launchpad.jupyter.org/user": "mallory" },
        },
        data: {
          [CONFIG_MAP_DATA_KEY]: JSON.stringify({ version: 1, user: "mallory", projects: [] }),
        },
      },
    });
    await expect(store.list("eve")).rejects.toThrow(/another user/);
  });

  it("gives up after a bounded number of conflicts with another writer", async () => {
    // Another writer changes the ConfigMap between each of the store's reads and its write. (It
    // must change something: the API server keeps the resourceVersion of an update that changes
    // nothing.)
    let writes = 0;
    const contested: KubernetesClient = {
      ...kube,
      async replaceConfigMap(ns, configMap) {
        writes++;
        const current = await configMapOf("frank");
        current.metadata!.annotations = { ...current.metadata!.annotations, touched: `${writes}` };
        await cluster.core.replaceNamespacedConfigMap({
          namespace,
          name: current.metadata!.name!,
          body: current,
        });
        return kube.replaceConfigMap(ns, configMap);
      },
    };
    await new ConfigMapProjectStore({ kube, namespace }).upsert("frank", "a", () => project("a"), {
      limit: 0,
    });
    const store = new ConfigMapProjectStore({
      kube: contested,
      namespace,
      maxAttempts: 3,
      sleep: () => Promise.resolve(),
    });
    await expect(
      store.upsert("frank", "b", () => project("b"), { limit: 0 }),
    ).rejects.toMatchObject({ status: 409, reason: "Conflict" });
    expect(writes).toBe(3);
  });
});
