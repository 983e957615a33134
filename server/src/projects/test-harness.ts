/**
 * Test and bench wiring for the projects API: a bare Fastify with the companion's error handling
 * and the test stand-in for the core's auth (server/test-support/test-auth.ts), in front of
 * either the local stack (file store + folder removal) or the cluster stack (ConfigMap store +
 * removal Jobs + pod lookup) against a Kubernetes API: the real one in the tests
 * (routes.kube.test.ts), the double in the bench.
 */
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { V1Pod } from "@kubernetes/client-node";
import Fastify, { type FastifyInstance } from "fastify";

import type { LaunchProjectRequest } from "../../../contract/projects.ts";

import { KubernetesDouble } from "../../test-support/kubernetes-double.ts";
import { installTestAuth } from "../../test-support/test-auth.ts";
import { installErrorHandling } from "../errors.ts";
import { type KubernetesClient } from "../kubernetes/client.ts";
import { createKubernetesClient, loadConnection } from "../kubernetes/rest-client.ts";
import { POD_ANNOTATIONS } from "../kubernetes/metadata.ts";
import { KubernetesFolderRemover, LocalFolderRemover } from "./folder-removal.ts";
import type { RemovalJobSettings } from "./removal-job.ts";
import { projectRoutes } from "./routes.ts";
import { KubernetesRunningServers, NoRunningServers } from "./running-servers.ts";
import { ProjectService } from "./service.ts";
import { ConfigMapProjectStore, FileProjectStore } from "./store.ts";

export const NAMESPACE = "hub";
/** A launch request on `repository` at `ref`, with an image named after the ref. */
export function launchBody(repository: string, ref = "main"): LaunchProjectRequest {
  return {
    provider: "gh",
    repository,
    ref,
    image: `registry.example.org/img:${ref}`,
    profile_slug: "python",
    display_name: repository,
  };
}

export const PREFIX = "/services/launchpad";

/** Removal Jobs as the chart configures them on z2jh's user nodes. */
export function jobSettings(namespace: string): RemovalJobSettings {
  return {
    namespace,
    image: "busybox:1.37",
    nodeSelector: { "hub.jupyter.org/node-purpose": "user" },
    tolerations: [
      { key: "hub.jupyter.org/dedicated", operator: "Equal", value: "user", effect: "NoSchedule" },
    ],
  };
}

/**
 * A user's server pod as KubeSpawner 7.1 and the hub glue make it: KubeSpawner's and the glue's
 * labels and annotations, the user's claim mounted at the home with subPath projects/<id>, and the glue's
 * record of the real volume and subPath.
 */
export function userServerPod(user: string, id: string): V1Pod {
  return {
    metadata: {
      name: `jupyter-${user}`,
      labels: {
        component: "singleuser-server",
        "hub.jupyter.org/username": user,
        // The glue's (chart/files/launchpad_glue.py `apply_project`): SHA-256 of the name, 40 hex.
        "launchpad.jupyter.org/user": createHash("sha256").update(user).digest("hex").slice(0, 40),
      },
      annotations: {
        "hub.jupyter.org/username": user,
        [POD_ANNOTATIONS.user]: user,
        [POD_ANNOTATIONS.projectId]: id,
        [POD_ANNOTATIONS.homeVolume]: JSON.stringify({
          persistentVolumeClaim: { claimName: `claim-${user}` },
        }),
        [POD_ANNOTATIONS.homeSubPath]: "",
        [POD_ANNOTATIONS.homeMountPath]: "/home/jovyan",
        [POD_ANNOTATIONS.runAsUid]: "1000",
        [POD_ANNOTATIONS.runAsGid]: "100",
      },
    },
    spec: {
      securityContext: { runAsUser: 1000, runAsGroup: 100, fsGroup: 100 },
      volumes: [{ name: `volume-${user}`, persistentVolumeClaim: { claimName: `claim-${user}` } }],
      containers: [
        {
          name: "notebook",
          image: "registry.example.org/img:main",
          volumeMounts: [
            { name: `volume-${user}`, mountPath: "/home/jovyan", subPath: `projects/${id}` },
          ],
        },
      ],
    },
  };
}

export interface ProjectsHarness {
  app: FastifyInstance;
  service: ProjectService;
  close(): Promise<void>;
}

/** The users the hub has, unless a test says otherwise. */
export const HUB_USERS: readonly string[] = ["alice", "bob"];

interface HarnessOptions {
  limit?: number;
  now?: () => Date;
  /** The users the hub has (what an admin's `?user=` may name); default HUB_USERS. */
  hubUsers?: readonly string[];
}

async function appWith(
  service: ProjectService,
  hubUsers: readonly string[] = HUB_USERS,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  installErrorHandling(app);
  installTestAuth(app);
  await app.register(
    projectRoutes({ service, userExists: (name) => Promise.resolve(hubUsers.includes(name)) }),
    { prefix: PREFIX },
  );
  return app;
}

export async function localHarness(
  options: HarnessOptions = {},
): Promise<ProjectsHarness & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "launchpad-projects-"));
  const service = new ProjectService({
    store: new FileProjectStore(dataDir),
    remover: new LocalFolderRemover(dataDir),
    running: new NoRunningServers(),
    limit: options.limit ?? 3,
    ...(options.now ? { now: options.now } : {}),
  });
  const app = await appWith(service, options.hubUsers);
  return { app, service, dataDir, close: () => app.close() };
}

export async function clusterHarness(
  options: HarnessOptions & { kube: KubernetesClient; namespace: string },
): Promise<ProjectsHarness> {
  const { kube, namespace } = options;
  const service = new ProjectService({
    store: new ConfigMapProjectStore({ kube, namespace }),
    remover: new KubernetesFolderRemover(kube, jobSettings(namespace)),
    running: new KubernetesRunningServers(kube, namespace),
    limit: options.limit ?? 3,
    ...(options.now ? { now: options.now } : {}),
  });
  const app = await appWith(service, options.hubUsers);
  return { app, service, close: () => app.close() };
}

/** The cluster stack against a fresh Kubernetes double, for the bench. */
export async function doubleClusterHarness(
  options: { limit?: number } = {},
): Promise<ProjectsHarness> {
  const double = await new KubernetesDouble().start();
  const kube = createKubernetesClient(
    loadConnection({
      kubeconfigPath: double.writeKubeconfig(mkdtempSync(join(tmpdir(), "launchpad-kube-"))),
      env: {},
    }),
  );
  const harness = await clusterHarness({ kube, namespace: NAMESPACE, ...options });
  return {
    ...harness,
    close: async () => {
      await harness.close();
      await double.close();
    },
  };
}
