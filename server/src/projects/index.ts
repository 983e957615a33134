/**
 * Wiring: `createProjects(settings)` builds the projects service for local or hub mode and returns
 * it with its route plugin and a stop function for the background sweep. features.ts calls it and
 * `buildApp` registers the routes under the service prefix.
 */
import type { FastifyInstance } from "fastify";

import type { KubernetesClient } from "../kubernetes/client.ts";
import type { Metrics } from "../metrics.ts";
import { LeaderLease } from "../kubernetes/leader-lease.ts";
import { COMPONENTS, launchpadLabels } from "../kubernetes/metadata.ts";
import { KubernetesFolderRemover, LocalFolderRemover } from "./folder-removal.ts";
import type { RemovalJobSettings } from "./removal-job.ts";
import { projectRoutes, type ProjectRoutesOptions } from "./routes.ts";
import { KubernetesRunningServers, NoRunningServers } from "./running-servers.ts";
import { ProjectService } from "./service.ts";
import { ConfigMapProjectStore, FileProjectStore } from "./store.ts";

export type ProjectsSettings = (
  | { mode: "local"; localDataDir: string; limit: number }
  | {
      mode: "hub";
      kube: KubernetesClient;
      /** The hub's namespace: records, removal Jobs and users' pods live there. */
      namespace: string;
      limit: number;
      removalJob: Omit<RemovalJobSettings, "namespace">;
      /** How often the background sweep runs; default 30 s. */
      sweepIntervalMs?: number;
      /** This replica, for the Lease that lets one replica sweep. */
      replicaId: string;
      /** The sweep Lease's name (one per release). */
      sweepLeaseName: string;
    }
) &
  Pick<ProjectRoutesOptions, "userExists">;

export function createProjects(
  settings: ProjectsSettings,
  onError: (error: unknown, context: { user: string; id?: string }) => void = () => {},
  metrics?: Metrics,
): {
  service: ProjectService;
  routes: (app: FastifyInstance) => Promise<void>;
  /** Stops the sweep and gives up its Lease. */
  stop: () => Promise<void>;
} {
  const service =
    settings.mode === "local"
      ? new ProjectService({
          store: new FileProjectStore(settings.localDataDir),
          remover: new LocalFolderRemover(settings.localDataDir),
          running: new NoRunningServers(),
          limit: settings.limit,
          onError,
          metrics,
        })
      : new ProjectService({
          store: new ConfigMapProjectStore({ kube: settings.kube, namespace: settings.namespace }),
          remover: new KubernetesFolderRemover(settings.kube, {
            ...settings.removalJob,
            namespace: settings.namespace,
          }),
          running: new KubernetesRunningServers(settings.kube, settings.namespace),
          limit: settings.limit,
          onError,
          metrics,
        });
  let stop = () => Promise.resolve();
  if (settings.mode === "hub") {
    const interval = settings.sweepIntervalMs ?? 30_000;
    // Every replica could sweep; one does, and another takes over within two rounds if it goes.
    const turn = new LeaderLease({
      kube: settings.kube,
      namespace: settings.namespace,
      name: settings.sweepLeaseName,
      holder: settings.replicaId,
      durationSeconds: Math.ceil((2 * interval) / 1000),
      labels: launchpadLabels(COMPONENTS.projectsSweep),
    });
    stop = service.startSweeping(interval, turn);
  }
  return { service, routes: projectRoutes({ service, userExists: settings.userExists }), stop };
}
