/**
 * The companion's Kubernetes calls against the real API server, as the chart's ServiceAccount with
 * exactly the Role(s) and RoleBinding(s) `helm template` renders, for each way the chart is
 * switched: every flow of each feature that is on (projects, building, the profile editor, ended
 * sessions) runs, then
 * - the calls the adapters made are the ones KUBERNETES_USES declares (permissions.ts), no more;
 * - the API server refused none of them (its audit log: no 403);
 * - every rule of the rendered Roles was used by at least one of them (each resource, verb and
 *   named object, in its namespace), so the Role grants nothing the companion does not use.
 * chart/tests/permissions.test.ts checks the rendered Roles against KUBERNETES_USES on paper;
 * this checks both against what really happens.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { SAMPLE_BOUNDS, SAMPLE_DOCUMENT } from "../../contract/profile-editor/sample.ts";
import { projectId } from "../../contract/projects.ts";
import { generateBuildName } from "../test-support/binderhub-naming.ts";
import type { AuditedRequest, CompanionIdentity } from "../test-support/kube/cluster.ts";
import { TEST_NODE, TestKubelet, volumeDirsUnder } from "../test-support/kube/test-kubelet.ts";
import { testCluster } from "../test-support/kube/test-cluster.ts";
import { configMapRevocationStore, SessionRevocations } from "./auth/session-revocations.ts";
import { createKubernetesBuildLimiter } from "./builds/limiter.ts";
import { createKubernetesPodCanceller } from "./builds/pod-canceller.ts";
import { type KubernetesClient } from "./kubernetes/client.ts";
import { createKubernetesClient } from "./kubernetes/rest-client.ts";
import { LeaderLease } from "./kubernetes/leader-lease.ts";
import { KUBERNETES_USES, type Feature } from "./permissions.ts";
import { RegistryChecker } from "./profile-editor/registry-checker.ts";
import { ProfileEditorService } from "./profile-editor/service.ts";
import { ConfigMapProfileStore } from "./profile-editor/store.ts";
import { KubernetesFolderRemover } from "./projects/folder-removal.ts";
import { KubernetesRunningServers } from "./projects/running-servers.ts";
import { ProjectService } from "./projects/service.ts";
import { ConfigMapProjectStore } from "./projects/store.ts";
import { jobSettings, userServerPod } from "./projects/test-harness.ts";

const cluster = testCluster();

/** Where the flows run: the hub's namespace and BinderHub's build namespace (maybe the same). */
interface Namespaces {
  hub: string;
  build: string;
}

/** A client that logs `<call>@<hub|build>` for every call it makes. */
function recording(inner: KubernetesClient, ns: Namespaces, log: string[]): KubernetesClient {
  return new Proxy(inner, {
    get(target, property: string) {
      const method: unknown = Reflect.get(target, property);
      if (typeof method !== "function") return method;
      return (namespace: string, ...rest: unknown[]) => {
        log.push(`${property}@${namespace === ns.hub ? "hub" : "build"}`);
        return (method as (...args: unknown[]) => unknown).call(target, namespace, ...rest);
      };
    },
  });
}

/** What KUBERNETES_USES declares for a feature; with one namespace, build calls go to the hub's. */
function declared(feature: Feature | "always", sameNamespace: boolean): string[] {
  const uses = KUBERNETES_USES.filter((u) => u.feature === feature);
  return [...new Set(uses.map((u) => `${u.call}@${sameNamespace ? "hub" : u.namespace}`))].sort();
}

function explain(feature: Feature | "always", made: string[], sameNamespace: boolean): string[] {
  const want = declared(feature, sameNamespace);
  const seen = [...new Set(made)];
  return [
    ...seen
      .filter((m) => !want.includes(m))
      .map((m) => `${feature} calls ${m}: add it to KUBERNETES_USES in server/src/permissions.ts`),
    ...want
      .filter((w) => !seen.includes(w))
      .map(
        (w) =>
          `KUBERNETES_USES declares ${w} for ${feature} but no flow made it: remove it, or exercise it here`,
      ),
  ];
}

/**
 * Projects: a first record (create) and a second (update), a listing that sees the user's running
 * server (pods), a delete through a removal Job the test kubelet runs, and the sweep that reads
 * the Job's outcome, deletes it and finds every user's records, and the Lease that picks the
 * replica running the sweep.
 */
async function projectsFlow(kube: KubernetesClient, ns: Namespaces, volumes: string) {
  const service = new ProjectService({
    store: new ConfigMapProjectStore({ kube, namespace: ns.hub }),
    remover: new KubernetesFolderRemover(kube, jobSettings(ns.hub)),
    running: new KubernetesRunningServers(kube, ns.hub),
    limit: 5,
  });
  const launch = (repository: string) =>
    service.launch("alice", projectId("gh", repository), {
      provider: "gh",
      repository,
      ref: "main",
      image: "registry.example.org/img:1",
      profile_slug: "python",
      display_name: repository,
    });
  const id = projectId("gh", "o/r");
  await launch("o/r");
  await launch("o/other");
  const home = join(volumes, ns.hub, "pvc", "claim-alice");
  mkdirSync(join(home, "projects", id), { recursive: true });
  if (process.getuid?.() === 0) execFileSync("chown", ["-R", "1000:100", home]);
  await cluster.core.createNamespacedPod({ namespace: ns.hub, body: userServerPod("alice", id) });
  await expect.poll(() => service.list("alice").then((l) => l.running_project_ids)).toEqual([id]);
  await cluster.core.deleteNamespacedPod({ namespace: ns.hub, name: "jupyter-alice" });
  await expect.poll(() => service.list("alice").then((l) => l.running_project_ids)).toEqual([]);
  expect((await service.delete("alice", id, "alice")).state).toBe("deleting");
  await expect
    .poll(async () => {
      await service.sweep();
      return (await service.list("alice")).projects.map((p) => p.id);
    })
    .toEqual([projectId("gh", "o/other")]);
  // Whose turn the sweep is: the first replica creates the Lease, renews it, gives it up.
  const turn = new LeaderLease({
    kube,
    namespace: ns.hub,
    name: "launchpad-projects-sweep",
    holder: "replica-1",
    durationSeconds: 60,
  });
  expect(await turn.claim()).toBe(true);
  expect(await turn.claim()).toBe(true);
  await turn.release();
}

/**
 * Building: a build's Lease held and renewed, seen and cancelled from another replica, its build
 * pod cancelled, and an hour later its ended Lease pruned.
 */
async function buildFlow(kube: KubernetesClient, ns: Namespaces) {
  let now = Date.now();
  const limiter = createKubernetesBuildLimiter({
    kube,
    namespace: ns.hub,
    renewIntervalMs: 50,
    now: () => now,
  });
  const other = createKubernetesBuildLimiter({ kube, namespace: ns.hub, now: () => now });
  try {
    const build = {
      user: "alice",
      provider: "gh" as const,
      spec: "o/r/HEAD",
      repoUrl: "https://github.com/o/r",
      ref: "HEAD",
    };
    const acquired = await limiter.acquire(build);
    if (!acquired.ok) throw new Error(acquired.message);
    await new Promise((resolve) => setTimeout(resolve, 150)); // renewals
    expect(await other.otherWatchers({ ...build, user: "bob" })).toBe(1);
    expect(await other.requestCancel(build)).toBe(1);
    await acquired.ticket.release();
    const podName = generateBuildName("o-r", "0123456789abcdef0123456789abcdef01234567", "build-");
    await cluster.core.createNamespacedPod({
      namespace: ns.build,
      body: {
        metadata: {
          name: podName,
          labels: { component: "binderhub-build", name: podName },
          annotations: { "binder-repo": build.repoUrl },
        },
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "builder", image: "quay.io/jupyterhub/repo2docker:2024.07.0" }],
        },
      },
    });
    const canceller = createKubernetesPodCanceller({ kube, namespace: ns.build });
    expect(await canceller.cancel(build)).toEqual({ deleted: [podName] });
    now += 2 * 3_600_000; // an hour later the ended Lease is pruned
    const again = await limiter.acquire(build);
    if (again.ok) await again.ticket.release();
  } finally {
    limiter.close();
    other.close();
  }
}

/**
 * The profile editor: a draft saved twice (create, update), publishes past a retention of one
 * (versions created, the pointer swapped, old versions and the draft deleted), a lost race, and
 * the sweep that lists version objects.
 */
async function profileEditorFlow(kube: KubernetesClient, ns: Namespaces) {
  let clock = Date.now();
  const service = new ProfileEditorService({
    store: new ConfigMapProfileStore({ kube, namespace: ns.hub }),
    // Every image is "checked" without a registry: this flow is about Kubernetes calls.
    checker: new RegistryChecker({ fetch: () => Promise.resolve(new Response(null)) }),
    bounds: SAMPLE_BOUNDS,
    retention: 1,
    hubCacheSeconds: 10,
    now: () => new Date((clock += 1000)),
  });
  const publish = (base: number | null) =>
    service.publish("ada", {
      baseVersion: base,
      message: "m",
      document: SAMPLE_DOCUMENT,
      acceptUnreachable: [],
    });
  await service.saveDraft("ada", { base_version: null, document: SAMPLE_DOCUMENT });
  await service.saveDraft("ada", { base_version: null, document: SAMPLE_DOCUMENT });
  await publish(null);
  await Promise.allSettled([publish(1), publish(1)]);
  await new Promise((resolve) => setTimeout(resolve, 200)); // the retention's deletes
  await service.sweep(0);
  await service.state("ada");
}

/** Ended sessions: the first (create), a second (update), checked from another replica (get). */
async function sessionsFlow(kube: KubernetesClient, ns: Namespaces) {
  const store = configMapRevocationStore(kube, ns.hub);
  const replica = new SessionRevocations({ store, now: Date.now });
  await replica.revoke({ id: "a".repeat(22), expiresAt: 4_000_000_000 });
  await replica.revoke({ id: "b".repeat(22), expiresAt: 4_000_000_000 });
  const other = new SessionRevocations({ store, now: Date.now });
  expect(await other.isRevoked({ id: "a".repeat(22), expiresAt: 4_000_000_000 })).toBe(true);
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

/** Each rendered rule's resource, verb and object that no request of the companion used. */
function unusedRules(companion: CompanionIdentity, requests: AuditedRequest[]): string[] {
  const unused: string[] = [];
  for (const role of companion.rbac.filter((o) => o.kind === "Role")) {
    const namespace = role.metadata.namespace ?? companion.namespace;
    for (const rule of role.rules as Rule[])
      for (const group of rule.apiGroups)
        for (const resource of rule.resources)
          for (const verb of rule.verbs)
            for (const name of rule.resourceNames ?? [undefined]) {
              const used = requests.some(
                (r) =>
                  r.namespace === namespace &&
                  r.group === group &&
                  r.resource === resource &&
                  r.subresource === undefined &&
                  r.verb === verb &&
                  (name === undefined || r.name === name) &&
                  r.code !== 403,
              );
              if (!used)
                unused.push(
                  `Role ${role.metadata.name} in ${namespace} grants ${verb} ${group || "core"}/${resource}${name ? ` ${name}` : ""}, which no call used`,
                );
            }
  }
  return unused;
}

const VARIANTS: {
  values: string;
  set: string[];
  features: Feature[];
  sameNamespace: boolean;
}[] = [
  {
    values: "the default values, BinderHub in its own namespace",
    set: [],
    features: ["projects", "build"],
    sameNamespace: false,
  },
  {
    values: "the default values, BinderHub in the hub's namespace",
    set: [],
    features: ["projects", "build"],
    sameNamespace: true,
  },
  {
    values: "builds off",
    set: ["build.enabled=false"],
    features: ["projects"],
    sameNamespace: false,
  },
  {
    values: "projects off",
    set: ["projects.enabled=false"],
    features: ["build"],
    sameNamespace: false,
  },
  {
    values: "the profile editor alone",
    set: ["build.enabled=false", "projects.enabled=false", "profileEditor.enabled=true"],
    features: ["profileEditor"],
    sameNamespace: false,
  },
];

describe("the companion's Kubernetes calls, as the chart's ServiceAccount (real API server)", () => {
  it.each(VARIANTS)(
    "$values: exactly the declared calls, none refused, every rule of the Role used",
    async ({ set, features, sameNamespace }) => {
      const hub = await cluster.namespace("permissions");
      const ns = {
        hub,
        build: sameNamespace ? hub : await cluster.namespace("permissions-builds"),
      };
      const companion = await cluster.installCompanion({
        namespace: ns.hub,
        buildNamespace: ns.build,
        set,
      });
      const volumes = mkdtempSync(join(tmpdir(), "permissions-volumes-"));
      chmodSync(volumes, 0o755);
      const kubelet = new TestKubelet({
        cluster,
        namespaces: [...new Set([ns.hub, ns.build])],
        volumeDir: volumeDirsUnder(volumes),
        nodeLabels: { "kubernetes.io/hostname": TEST_NODE, "hub.jupyter.org/node-purpose": "user" },
      }).start();
      const kube = createKubernetesClient(companion.connection);
      const problems: string[] = [];
      try {
        const run = async (
          feature: Feature | "always",
          flow: (k: KubernetesClient) => Promise<void>,
        ) => {
          const log: string[] = [];
          await flow(recording(kube, ns, log));
          problems.push(...explain(feature, log, sameNamespace));
        };
        if (features.includes("projects"))
          await run("projects", (k) => projectsFlow(k, ns, volumes));
        if (features.includes("build")) await run("build", (k) => buildFlow(k, ns));
        if (features.includes("profileEditor"))
          await run("profileEditor", (k) => profileEditorFlow(k, ns));
        await run("always", (k) => sessionsFlow(k, ns));
      } finally {
        await kubelet.close();
        rmSync(volumes, { recursive: true, force: true });
      }
      expect(problems).toEqual([]);

      // The audit log has a request once the API server finished answering it.
      await expect
        .poll(() => unusedRules(companion, cluster.requestsBy(companion.user)))
        .toEqual([]);
      const refused = cluster
        .requestsBy(companion.user)
        .filter((r) => r.code === 403)
        .map(
          (r) => `${r.verb} ${r.group || "core"}/${r.resource} ${r.name ?? ""} in ${r.namespace}`,
        );
      expect(refused).toEqual([]);
    },
  );
});
