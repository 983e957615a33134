import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHash } from "node:crypto";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { Project } from "../../../contract/projects.ts";
import { CONFIG_MAP, KubernetesDouble } from "../../test-support/kubernetes-double.ts";
import {
  createKubernetesClient,
  loadKubeConfig,
  type KubernetesClient,
} from "../kubernetes/client.ts";
import {
  CONFIG_MAP_DATA_KEY,
  ConfigMapProjectStore,
  configMapName,
  FileProjectStore,
  ProjectLimitError,
  type ProjectStore,
} from "./store.ts";

const NS = "hub";

function project(id: string, extra: Partial<Project> = {}): Project {
  return {
    id,
    provider: "gh",
    repository: `https://github.com/o/${id}`,
    ref: "main",
    image: "registry/img:1",
    profile_slug: "default",
    display_name: id,
    created_at: "2026-01-01T00:00:00.000Z",
    last_launched_at: "2026-01-01T00:00:00.000Z",
    state: "ready",
    ...extra,
  };
}

let double: KubernetesDouble;
let kube: KubernetesClient;
let dataDir: string;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "projects-store-"));
  double = await new KubernetesDouble().start();
  kube = createKubernetesClient(
    loadKubeConfig({ kubeconfigPath: double.writeKubeconfig(dataDir, NS), env: {} }),
  );
});
afterEach(() => double.close());

const stores: Array<[string, () => ProjectStore[]]> = [
  ["FileProjectStore", () => [new FileProjectStore(dataDir)]],
  // Several instances = several companion replicas: only resourceVersion conflicts protect them.
  [
    "ConfigMapProjectStore",
    () =>
      Array.from(
        { length: 5 },
        () =>
          new ConfigMapProjectStore({ kube, namespace: NS, maxAttempts: 200, maxBackoffMs: 20 }),
      ),
  ],
];

describe.each(stores)("%s", (_name, make) => {
  it("keeps all of 50 concurrent upserts to one user's projects (no lost write)", async () => {
    const instances = make();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        instances[i % instances.length]!.upsert("alice", `p${i}`, () => project(`p${i}`), {
          limit: 0,
        }),
      ),
    );
    const ids = (await instances[0]!.list("alice")).map((p) => p.id).sort();
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `p${i}`).sort());
  });

  it("never lets concurrent new projects overshoot the limit", async () => {
    const instances = make();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        instances[i % instances.length]!.upsert("bob", `q${i}`, () => project(`q${i}`), {
          limit: 4,
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
    for (const r of results)
      if (r.status === "rejected") expect(r.reason).toBeInstanceOf(ProjectLimitError);
    expect(await instances[0]!.list("bob")).toHaveLength(4);
  });

  it("updates an existing project at the limit, and does not count deleting ones", async () => {
    const [store] = make();
    await store!.upsert("carol", "a", () => project("a"), { limit: 1 });
    await expect(
      store!.upsert("carol", "b", () => project("b"), { limit: 1 }),
    ).rejects.toBeInstanceOf(ProjectLimitError);
    const { previous } = await store!.upsert("carol", "a", () => project("a", { ref: "dev" }), {
      limit: 1,
    });
    expect(previous?.ref).toBe("main");
    await store!.update("carol", "a", (p) => ({
      ...p,
      state: "deleting",
      deletion: { requested_at: "2026-01-02T00:00:00.000Z", requested_by: "carol" },
    }));
    await store!.upsert("carol", "b", () => project("b"), { limit: 1 });
    expect((await store!.list("carol")).map((p) => [p.id, p.state])).toEqual([
      ["a", "deleting"],
      ["b", "ready"],
    ]);
  });

  it("keeps users apart, removes conditionally and lists users", async () => {
    const [store] = make();
    await store!.upsert("dave", "x", () => project("x"), { limit: 0 });
    await store!.upsert("Dave", "y", () => project("y"), { limit: 0 });
    expect((await store!.list("dave")).map((p) => p.id)).toEqual(["x"]);
    expect((await store!.list("Dave")).map((p) => p.id)).toEqual(["y"]);
    expect(await store!.remove("dave", "x", (p) => p.state === "deleting")).toBe(false);
    expect(await store!.remove("dave", "x")).toBe(true);
    expect(await store!.remove("dave", "x")).toBe(false);
    expect((await store!.users()).sort()).toEqual(["Dave", "dave"]);
  });
});

describe("ConfigMapProjectStore objects", () => {
  it("names, labels and annotates one ConfigMap per user, with the records under projects.json", async () => {
    const store = new ConfigMapProjectStore({ kube, namespace: NS });
    const user = "Ann.Lee@example.org";
    await store.upsert(user, "a", () => project("a"), { limit: 0 });
    const [configMap] = double.objects(CONFIG_MAP, NS);
    expect(configMap?.metadata.name).toBe(configMapName(user));
    expect(configMap?.metadata.name).toMatch(
      /^launchpad-projects-ann-lee-example-org-[0-9a-f]{10}$/,
    );
    expect(configMap?.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "launchpad",
      "app.kubernetes.io/component": "project-records",
      // The name is not a label value; the label holds its hash, the annotation the name.
      "launchpad.jupyter.org/user": createHash("sha256").update(user).digest("hex").slice(0, 40),
    });
    expect(configMap?.metadata.annotations).toEqual({ "launchpad.jupyter.org/user": user });
    const data: unknown = JSON.parse(
      (configMap?.["data"] as Record<string, string>)[CONFIG_MAP_DATA_KEY]!,
    );
    expect(data).toMatchObject({ version: 1, user, projects: [{ id: "a" }] });
  });

  it("refuses a ConfigMap whose annotation names another user (never mixes records)", async () => {
    const store = new ConfigMapProjectStore({ kube, namespace: NS });
    double.put(CONFIG_MAP, NS, {
      metadata: {
        name: configMapName("eve"),
        annotations: { "launchpad.jupyter.org/user": "mallory" },
      },
      data: {
        [CONFIG_MAP_DATA_KEY]: JSON.stringify({ version: 1, user: "mallory", projects: [] }),
      },
    });
    await expect(store.list("eve")).rejects.toThrow(/another user/);
  });

  it("gives up after a bounded number of conflicts", async () => {
    const store = new ConfigMapProjectStore({
      kube,
      namespace: NS,
      maxAttempts: 3,
      sleep: () => Promise.resolve(),
    });
    await store.upsert("frank", "a", () => project("a"), { limit: 0 });
    // A competing writer bumps the resourceVersion between every read and write.
    let writes = 0;
    const conflicted = store.upsert(
      "frank",
      "b",
      () => {
        writes++;
        double.put(CONFIG_MAP, NS, double.objects(CONFIG_MAP, NS)[0]!);
        return project("b");
      },
      { limit: 0 },
    );
    await expect(conflicted).rejects.toMatchObject({ status: 409 });
    expect(writes).toBe(3);
  });
});
