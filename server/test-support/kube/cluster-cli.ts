/**
 * A test cluster as a process, for e2e (the hub's KubeSpawner, the companion and the BinderHub
 * double all talk to it): the real control plane (control-plane.ts), the hub's and BinderHub's
 * namespaces, the identities a z2jh install gives each peer, and the test kubelet as the node.
 *
 *   node server/test-support/kube/cluster-cli.ts --dir /tmp/x --volumes /tmp/v \
 *     --hub-namespace e2e --build-namespace e2e-builds [--set build.enabled=false ...] \
 *     [--user-server '["python", "e2e/hub/mock_singleuser.py"]'] [--fail-image REGEX] \
 *     [--fail-init-image REGEX] [--hold-servers FILE]
 *
 * Writes into --dir, then prints `test-cluster ready`:
 * - kubeconfig-companion.json: the chart's ServiceAccount with exactly the Role(s) and
 *   RoleBinding(s) `helm template` renders (with the --set values);
 * - kubeconfig-hub.json: the hub's ServiceAccount with z2jh's hub Role (KubeSpawner's pods, PVCs,
 *   events: https://github.com/jupyterhub/zero-to-jupyterhub-k8s/blob/4.2.0/jupyterhub/templates/hub/rbac.yaml);
 * - kubeconfig-admin.json: the tests' own (system:masters), also the BinderHub double's, which
 *   stands for BinderHub's build pods only;
 * --volumes is where the kubelet finds volumes' host folders (volumeDirsUnder): pods' users must
 * be able to traverse it and every folder above it.
 * --user-server is what the kubelet runs for a user's pod (KubeSpawner's `component:
 * singleuser-server` label) in place of its notebook container: a command line (JSON array) run
 * with the container's environment (JUPYTERHUB_SERVICE_URL, _PREFIX, _USER, … as KubeSpawner
 * sets them) plus POD_IP (the pod's loopback address, as the downward API's `status.podIP` would
 * give it: the process binds there, where a container would bind 0.0.0.0 in its own network
 * namespace) and POD_IMAGE. Its output goes to this process's stdout, each line prefixed with
 * the pod's name.
 * --node-pool '{"label": "value", …}' (repeatable): one more user node with these labels (profiles'
 * node_selector, e.g. an instance type).
 * --fail-image: a user pod whose notebook image matches the regular expression goes Failed
 * instead of running (the tests' stand-in for an image that does not start).
 * --fail-init-image: an init container of a user pod whose image matches exits 1 (the project's
 * seed step in a built image whose content it cannot copy), so the pod stays in its init phase.
 * --hold-servers: the user server is started with LAUNCHPAD_E2E_HOLD_FILE set to this path and
 * answers no request while the file exists (the hub's pending page then stays on screen).
 * SIGUSR1 pauses the kubelet and then writes `kubelet-paused`; SIGUSR2 resumes it and removes the
 * file. SIGTERM stops everything.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { TestCluster } from "./cluster.ts";
import { startControlPlane } from "./control-plane.ts";
import type { V1Pod } from "@kubernetes/client-node";

import {
  TEST_NODE,
  containerEnv,
  TestKubelet,
  runOnNode,
  volumeDirsUnder,
  type PodProcess,
} from "./test-kubelet.ts";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    volumes: { type: "string" },
    "hub-namespace": { type: "string", default: "e2e" },
    "build-namespace": { type: "string", default: "e2e-builds" },
    set: { type: "string", multiple: true, default: [] },
    "user-server": { type: "string" },
    "fail-image": { type: "string" },
    "fail-init-image": { type: "string" },
    "hold-servers": { type: "string" },
    "node-pool": { type: "string", multiple: true, default: [] },
  },
});
const { dir, volumes } = values;
if (!dir || !volumes) throw new Error("--dir and --volumes are required");
const hub = values["hub-namespace"];
const build = values["build-namespace"];
const userServer = values["user-server"] ? parseArgv(values["user-server"]) : undefined;
const failImage = values["fail-image"] ? new RegExp(values["fail-image"]) : undefined;
const failInitImage = values["fail-init-image"] ? new RegExp(values["fail-init-image"]) : undefined;
const holdServers = values["hold-servers"];

function parseArgv(text: string): string[] {
  const argv: unknown = JSON.parse(text);
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string"))
    throw new Error(`--user-server must be a JSON array of strings: ${text}`);
  return argv;
}

/** Runs the stand-in single-user server for a user's pod (see --user-server above). */
function startUserServer(pod: V1Pod, podIP: string): Promise<PodProcess | undefined> {
  if (pod.metadata?.labels?.component !== "singleuser-server") return Promise.resolve(undefined);
  const container = pod.spec!.containers.find((c) => c.name === "notebook");
  const image = container?.image ?? "";
  if (failImage?.test(image))
    return Promise.reject(new Error(`image ${image} matches --fail-image: the pod fails`));
  if (!userServer || !container) return Promise.resolve(undefined);
  const prefix = `[pod ${pod.metadata.name!}] `;
  const print = (chunk: Buffer) =>
    process.stdout.write(
      chunk
        .toString()
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => `${prefix}${line}\n`)
        .join(""),
    );
  return Promise.resolve(
    runOnNode(
      userServer,
      {
        ...containerEnv(container),
        POD_IP: podIP,
        POD_IMAGE: image,
        ...(holdServers ? { LAUNCHPAD_E2E_HOLD_FILE: holdServers } : {}),
      },
      print,
    ),
  );
}

const plane = await startControlPlane();
const cluster = new TestCluster(plane);
let kubelet: TestKubelet | undefined;
const stop = async () => {
  await kubelet?.close();
  await plane.close();
};
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void stop().then(() => process.exit(0)));

try {
  for (const namespace of new Set([hub, build])) await cluster.createNamespace(namespace);
  const companion = await cluster.installCompanion({
    namespace: hub,
    buildNamespace: build,
    set: values.set,
  });
  cluster.writeKubeconfig(dir, companion.token, hub, "kubeconfig-companion.json");

  // z2jh's hub ServiceAccount and Role, as the jupyterhub chart renders them.
  await cluster.core.createNamespacedServiceAccount({
    namespace: hub,
    body: { metadata: { name: "hub" } },
  });
  await cluster.create({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "hub", namespace: hub },
    rules: [
      {
        apiGroups: [""],
        resources: ["pods", "persistentvolumeclaims", "secrets", "services"],
        verbs: ["get", "watch", "list", "create", "delete"],
      },
      { apiGroups: [""], resources: ["events"], verbs: ["get", "watch", "list"] },
    ],
  } as Parameters<TestCluster["create"]>[0]);
  await cluster.create({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "hub", namespace: hub },
    subjects: [{ kind: "ServiceAccount", name: "hub", namespace: hub }],
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "hub" },
  } as Parameters<TestCluster["create"]>[0]);
  cluster.writeKubeconfig(
    dir,
    await cluster.serviceAccountToken(hub, "hub", 6 * 3600),
    hub,
    "kubeconfig-hub.json",
  );
  cluster.writeKubeconfig(dir, plane.adminToken, hub, "kubeconfig-admin.json");

  kubelet = new TestKubelet({
    cluster,
    namespaces: [...new Set([hub, build])],
    volumeDir: volumeDirsUnder(volumes),
    onPodStart: startUserServer,
    initExitCode: (pod, container) =>
      pod.metadata?.labels?.component === "singleuser-server" &&
      failInitImage?.test(container.image ?? "")
        ? 1
        : 0,
    // A z2jh user node, where users' pods and removal Jobs may be asked to run.
    nodeLabels: { "kubernetes.io/hostname": TEST_NODE, "hub.jupyter.org/node-purpose": "user" },
    nodePools: values["node-pool"].map((labels) => JSON.parse(labels) as Record<string, string>),
    onError: (error, what) => console.error(`test kubelet: ${what}:`, error),
  }).start();
  const paused = join(dir, "kubelet-paused");
  process.on("SIGUSR1", () => void kubelet?.pause().then(() => writeFileSync(paused, "")));
  process.on("SIGUSR2", () => {
    kubelet?.resume();
    rmSync(paused, { force: true });
  });
  console.log(`test-cluster ready ${plane.url} (${plane.version})`);
} catch (error) {
  console.error(error);
  await stop();
  process.exit(1);
}
