/**
 * Test and bench wiring for the projects API: a bare Fastify with the companion's error handling
 * and the test stand-in for the core's auth (server/test-support/test-auth.ts), in front of
 * either the local stack (file store + folder removal) or the cluster stack against the
 * Kubernetes double (ConfigMap store + removal Jobs + pod lookup).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import Fastify, { type FastifyInstance } from "fastify";

import { KubernetesDouble } from "../../test-support/kubernetes-double.ts";
import { installTestAuth } from "../../test-support/test-auth.ts";
import { installErrorHandling } from "../errors.ts";
import {
  createKubernetesClient,
  loadKubeConfig,
  type KubernetesClient,
} from "../kubernetes/client.ts";
import { KubernetesFolderRemover, LocalFolderRemover } from "./folder-removal.ts";
import type { RemovalJobSettings } from "./removal-job.ts";
import { projectRoutes } from "./routes.ts";
import { KubernetesRunningServers, NoRunningServers } from "./running-servers.ts";
import { ProjectService } from "./service.ts";
import { ConfigMapProjectStore, FileProjectStore } from "./store.ts";

export const NAMESPACE = "hub";
export const PREFIX = "/services/launchpad";

export const JOB_SETTINGS: RemovalJobSettings = {
  namespace: NAMESPACE,
  image: "busybox:1.37",
  nodeSelector: { "hub.jupyter.org/node-purpose": "user" },
  tolerations: [
    { key: "hub.jupyter.org/dedicated", operator: "Equal", value: "user", effect: "NoSchedule" },
  ],
};

export interface ProjectsHarness {
  app: FastifyInstance;
  service: ProjectService;
  double?: KubernetesDouble;
  kube?: KubernetesClient;
  dataDir: string;
  close(): Promise<void>;
}

async function appWith(service: ProjectService): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  installErrorHandling(app);
  installTestAuth(app);
  await app.register(projectRoutes({ service }), { prefix: PREFIX });
  return app;
}

export async function localHarness(
  options: { limit?: number; now?: () => Date } = {},
): Promise<ProjectsHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), "launchpad-projects-"));
  const service = new ProjectService({
    store: new FileProjectStore(dataDir),
    remover: new LocalFolderRemover(dataDir),
    running: new NoRunningServers(),
    limit: options.limit ?? 3,
    ...(options.now ? { now: options.now } : {}),
  });
  const app = await appWith(service);
  return { app, service, dataDir, close: () => app.close() };
}

export async function clusterHarness(
  options: { limit?: number; now?: () => Date } = {},
): Promise<ProjectsHarness & { double: KubernetesDouble; kube: KubernetesClient }> {
  const dataDir = mkdtempSync(join(tmpdir(), "launchpad-projects-"));
  const double = await new KubernetesDouble().start();
  const kube = createKubernetesClient(
    loadKubeConfig({ kubeconfigPath: double.writeKubeconfig(dataDir, NAMESPACE), env: {} }),
  );
  const service = new ProjectService({
    store: new ConfigMapProjectStore({ kube, namespace: NAMESPACE }),
    remover: new KubernetesFolderRemover(kube, JOB_SETTINGS),
    running: new KubernetesRunningServers(kube, NAMESPACE),
    limit: options.limit ?? 3,
    ...(options.now ? { now: options.now } : {}),
  });
  const app = await appWith(service);
  return {
    app,
    service,
    double,
    kube,
    dataDir,
    close: async () => {
      await app.close();
      await double.close();
    },
  };
}
