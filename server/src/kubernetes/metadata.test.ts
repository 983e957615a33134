import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { Project } from "../../../contract/projects.ts";
import {
  CONFIG_MAP,
  JOB,
  KubernetesDouble,
  LEASE,
  type KubeObject,
} from "../../test-support/kubernetes-double.ts";
import { createKubernetesBuildLimiter } from "../builds/limiter.ts";
import { KubernetesFolderRemover } from "../projects/folder-removal.ts";
import { buildRemovalJob, removalJobName } from "../projects/removal-job.ts";
import { project } from "../projects/store-cases.ts";
import { ConfigMapProjectStore, configMapName, CONFIG_MAP_DATA_KEY } from "../projects/store.ts";
import { microTime, type KubernetesClient } from "./client.ts";
import { createKubernetesClient, loadConnection } from "./rest-client.ts";
import { isValidLabelValue, labelHash, launchpadLabels, COMPONENTS } from "./metadata.ts";

/** What the label of `text` must be: computed here with node:crypto, not with the code under test. */
const sha40 = (text: string) =>
  createHash("sha256").update(text, "utf8").digest("hex").slice(0, 40);

describe("labelHash", () => {
  it("is the first 40 hex digits of SHA-256 (objects written earlier are selected by it)", () => {
    expect(labelHash("alice")).toBe("2bd806c97f0e00af1a1fc3328fa763a9269723c8");
    for (const text of ["Ann.Lee@example.org", "ユーザー", "a".repeat(300), ""])
      expect(labelHash(text)).toBe(sha40(text));
  });
});

describe("isValidLabelValue", () => {
  it.each([
    ["", true],
    ["a", true],
    ["alice", true],
    ["Ann.Lee_2-x", true],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
    ["-alice", false],
    ["alice.", false],
    ["ann@example.org", false],
    ["ユーザー", false],
    ["a b", false],
  ])("%j → %s", (value, valid) => {
    expect(isValidLabelValue(value)).toBe(valid);
  });

  it("holds for every label Launchpad writes, whatever the user name", () => {
    for (const user of ["alice", "Ann.Lee@example.org", "ユーザー", "x".repeat(200), "-", "a b"]) {
      const labels = launchpadLabels(COMPONENTS.projectRecords, {
        user,
        repository: `https://example.org/${user}`,
        build: `gh/${user}/repo/HEAD`,
        project: `${"p".repeat(80)}`,
      });
      for (const value of Object.values(labels)) expect(isValidLabelValue(value)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Objects exactly as Launchpad 0.1.0 wrote them (server/src/projects/store.ts, removal-job.ts,
// builds/limiter.ts at that release): the user label held the name when it was label-safe, else
// a slug and hash; the name was in `launchpad.jupyter.org/username` on ConfigMaps and Jobs.

const NS = "hub";
const find = (kind: typeof CONFIG_MAP, name: string) =>
  double.objects(kind, NS).find((o) => o.metadata.name === name);
let double: KubernetesDouble;
let kube: KubernetesClient;

beforeEach(async () => {
  double = await new KubernetesDouble().start();
  const dir = mkdtempSync(join(tmpdir(), "metadata-"));
  kube = createKubernetesClient(
    loadConnection({ kubeconfigPath: double.writeKubeconfig(dir, NS), env: {} }),
  );
});
afterEach(() => double.close());

function releaseOneConfigMap(user: string, userLabel: string, projects: Project[]): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: configMapName(user),
      labels: {
        "app.kubernetes.io/managed-by": "launchpad",
        "app.kubernetes.io/component": "project-records",
        "launchpad.jupyter.org/user": userLabel,
      },
      annotations: { "launchpad.jupyter.org/username": user },
    },
    data: { [CONFIG_MAP_DATA_KEY]: JSON.stringify({ version: 1, user, projects }) },
  };
}

describe("records written by Launchpad 0.1.0", () => {
  it("reads 0.1.0's project ConfigMaps and rewrites them in today's shape on the next change", async () => {
    double.put(CONFIG_MAP, NS, releaseOneConfigMap("alice", "alice", [project("a")]));
    // A name that is not a label value: 0.1.0 labelled it with a slug and hash.
    const odd = "Ann Lee@example.org";
    double.put(CONFIG_MAP, NS, releaseOneConfigMap(odd, "ann-lee-example-org-65be851280", []));
    const store = new ConfigMapProjectStore({ kube, namespace: NS });

    expect((await store.list("alice")).map((p) => p.id)).toEqual(["a"]);
    expect([...(await store.all()).keys()].sort()).toEqual([odd, "alice"].sort());

    await store.upsert("alice", "b", () => project("b"), { limit: 0 });
    const rewritten = find(CONFIG_MAP, configMapName("alice"));
    expect(rewritten?.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "launchpad",
      "app.kubernetes.io/component": "project-records",
      "launchpad.jupyter.org/user": sha40("alice"),
    });
    // 0.1.0's annotation stays beside today's: a 0.1.0 replica still serving reads the record.
    expect(rewritten?.metadata.annotations).toEqual({
      "launchpad.jupyter.org/user": "alice",
      "launchpad.jupyter.org/username": "alice",
    });
    expect((await store.list("alice")).map((p) => p.id)).toEqual(["a", "b"]);
    const all = await store.all();
    expect([...all.keys()].sort()).toEqual([odd, "alice"].sort());
    expect(all.get("alice")?.map((p) => p.id)).toEqual(["a", "b"]);
  });

  it("still refuses a 0.1.0 ConfigMap that names another user", async () => {
    const foreign = releaseOneConfigMap("mallory", "mallory", []);
    foreign.metadata.name = configMapName("eve");
    double.put(CONFIG_MAP, NS, foreign);
    const store = new ConfigMapProjectStore({ kube, namespace: NS });
    await expect(store.list("eve")).rejects.toThrow(/another user/);
  });

  it("follows a removal Job 0.1.0 started: same name, its deletion request recognised", async () => {
    const storage = {
      volume: { persistentVolumeClaim: { claimName: "claim-alice" } },
      sub_path: "",
      mount_path: "/home/jovyan",
    };
    const requestedAt = "2026-01-02T03:04:05.000Z";
    const deleting = project("owner-repo-12345678", {
      state: "deleting",
      storage,
      deletion: { requested_at: requestedAt, requested_by: "alice" },
    });
    const settings = { namespace: NS, image: "busybox:1.37" };
    const spec = buildRemovalJob("alice", deleting.id, storage, settings).spec;
    double.put(JOB, NS, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: removalJobName("alice", deleting.id),
        labels: {
          "app.kubernetes.io/managed-by": "launchpad",
          "app.kubernetes.io/component": "project-removal",
          "launchpad.jupyter.org/user": "alice",
          "launchpad.jupyter.org/project-hash": "0123456789abcdef",
        },
        annotations: {
          "launchpad.jupyter.org/username": "alice",
          "launchpad.jupyter.org/project-id": deleting.id,
          "launchpad.jupyter.org/deletion-requested-at": requestedAt,
        },
      },
      spec,
      status: { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] },
    });
    const remover = new KubernetesFolderRemover(kube, settings);
    expect(await remover.status("alice", deleting)).toEqual({ state: "succeeded" });
    // Asked again for the same request, it keeps 0.1.0's Job instead of starting another.
    expect(await remover.start("alice", deleting)).toEqual({
      jobName: removalJobName("alice", deleting.id),
    });
    expect(double.objects(JOB, NS)).toHaveLength(1);
  });

  it("counts a running build's Lease from 0.1.0 against the user's limits, and can cancel it", async () => {
    const now = Date.now();
    double.put(LEASE, NS, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: "launchpad-build-0123456789ab",
        labels: {
          "app.kubernetes.io/managed-by": "launchpad",
          "app.kubernetes.io/component": "build-stream",
          "launchpad.jupyter.org/user": sha40("alice"),
          "launchpad.jupyter.org/repo": sha40("https://github.com/o/r"),
          "launchpad.jupyter.org/build": sha40("gh/o/r/HEAD"),
        },
        annotations: {
          "launchpad.jupyter.org/user": "alice",
          "launchpad.jupyter.org/provider": "gh",
          "launchpad.jupyter.org/spec": "o/r/HEAD",
          "launchpad.jupyter.org/repository": "https://github.com/o/r",
          "launchpad.jupyter.org/ref": "HEAD",
          "launchpad.jupyter.org/started-at": String(now),
          "launchpad.jupyter.org/order": "1",
        },
      },
      spec: {
        holderIdentity: "launchpad-old-replica",
        leaseDurationSeconds: 60,
        acquireTime: microTime(new Date(now)),
        renewTime: microTime(new Date(now)),
      },
    });
    const limiter = createKubernetesBuildLimiter({ kube, namespace: NS, concurrentPerUser: 1 });
    try {
      const build = {
        user: "alice",
        provider: "gh" as const,
        spec: "o/r/HEAD",
        repoUrl: "https://github.com/o/r",
      };
      expect(await limiter.acquire({ ...build, spec: "o/other/HEAD" })).toMatchObject({
        ok: false,
        reason: "concurrent",
      });
      expect(await limiter.otherWatchers({ ...build, user: "bob" })).toBe(1);
      expect(await limiter.requestCancel(build)).toBe(1);
      expect(
        find(LEASE, "launchpad-build-0123456789ab")?.metadata.annotations?.[
          "launchpad.jupyter.org/cancel"
        ],
      ).toBeDefined();
    } finally {
      limiter.close();
    }
  });
});
