/**
 * Composes the build and projects features from the config: the cluster adapters in hub mode
 * (BinderHub over HTTP, Leases for the per-user build limit, ConfigMap records, removal Jobs), the
 * local ones in local mode (memory limiter, file store, local folders, and the BinderHub simulator
 * unless a real BinderHub is configured). Same routes either way.
 */
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Features } from "../../contract/api.ts";
import { randomBytes } from "node:crypto";
import { ANY_NAME, type UserExists } from "./auth/target-user.ts";
import { buildRoutes } from "./builds/routes.ts";
import { BuildService } from "./builds/service.ts";
import { createKubernetesBuildLimiter, createMemoryBuildLimiter } from "./builds/limiter.ts";
import { createKubernetesPodCanceller } from "./builds/pod-canceller.ts";
import type { Config } from "./config.ts";
import type { DemoProjectStart } from "./local/demo-hub.ts";
import { noKubernetes, type KubernetesClient } from "./kubernetes/client.ts";
import { createBinderHubSimulator } from "./local/binderhub-simulator.ts";
import type { HubUser } from "./hub/hub-client.ts";
import { Metrics } from "./metrics.ts";
import { createProfileEditor } from "./profile-editor/index.ts";
import { createProjects } from "./projects/index.ts";
import type { ProjectService } from "./projects/service.ts";

export interface FeatureDeps {
  /** The Kubernetes API (hub mode); default: in-cluster credentials or `kubeconfigPath`. */
  kube?: KubernetesClient;
  /** The fetch the BinderHub client uses. */
  binderhubFetch?: typeof fetch;
  /** The fetch the profile editor's registry checker uses. */
  registryFetch?: typeof fetch;
}

export interface FeatureSet {
  features: Features;
  routes: ((app: FastifyInstance) => Promise<void>)[];
  /** Ends open build streams for shutdown (each tells its page to reconnect); resolves once all have. */
  drain(): Promise<void>;
  /** Whether a user may edit the profile list (absent: the editor is off). */
  mayEditProfiles?: (user: HubUser) => boolean;
  /** Stops background work (lease renewals, the sweeps, their Lease) on shutdown. */
  stop(): Promise<void>;
  /** Local mode: the demo hub accepted a start on a project (see demo-hub.ts). */
  onDemoProjectStart?: (start: DemoProjectStart) => Promise<void>;
}

/**
 * `userExists`: whether the hub has a user of that name (the app's hub client, or local mode's
 * one user); `kubernetes`: the client the app shares with its other parts (session revocations).
 */
export function composeFeatures(
  config: Config,
  deps: FeatureDeps,
  log: FastifyBaseLogger,
  userExists: UserExists,
  kubernetes: () => KubernetesClient = () => deps.kube ?? noKubernetes(),
  metrics: Metrics = new Metrics({ processMetrics: false }),
): FeatureSet {
  const routes: FeatureSet["routes"] = [];
  const stops: (() => Promise<void>)[] = [];
  let buildService: BuildService | undefined;
  const build = config.buildEnabled && (config.mode === "local" || Boolean(config.binderhubUrl));
  const projects = config.projectsEnabled;

  const namespace = (): string => {
    // loadConfig requires it in hub mode whenever a feature that uses the cluster is on.
    if (!config.hubNamespace) throw new Error("hubNamespace is not configured");
    return config.hubNamespace;
  };

  let projectService: ProjectService | undefined;
  if (projects) {
    const onError = (error: unknown, context: { user: string; id?: string }) =>
      log.warn({ err: error, ...context }, "project removal");
    const created =
      config.mode === "hub"
        ? createProjects(
            {
              mode: "hub",
              kube: kubernetes(),
              namespace: namespace(),
              limit: config.projectLimitPerUser,
              // Passed through to the Kubernetes API, which validates tolerations and affinity.
              removalJob: config.removalJob,
              replicaId: config.replicaId,
              sweepLeaseName: `${config.serviceName}-projects-sweep`,
              userExists,
            },
            onError,
            metrics,
          )
        : createProjects(
            {
              mode: "local",
              localDataDir: config.localDataDir,
              limit: config.projectLimitPerUser,
              userExists,
            },
            onError,
            metrics,
          );
    projectService = created.service;
    stops.push(created.stop);
    routes.push(created.routes);
  }

  if (build) {
    const limits = {
      concurrentPerUser: config.buildConcurrentPerUser,
      perHourPerUser: config.buildsPerHourPerUser,
    };
    const limiter =
      config.mode === "hub"
        ? createKubernetesBuildLimiter({
            kube: kubernetes(),
            namespace: namespace(),
            replicaId: config.replicaId,
            ...limits,
            onError: (error, what) => log.warn({ err: error, what }, "build limiter"),
          })
        : createMemoryBuildLimiter(limits);
    stops.push(() => {
      limiter.close();
      return Promise.resolve();
    });
    // loadConfig requires a BinderHub URL in hub mode; local mode without one simulates BinderHub.
    const binderhub = config.binderhubUrl
      ? {
          url: config.binderhubUrl,
          // values.yaml: without its own token the companion calls BinderHub with its hub token.
          token: config.binderhubToken ?? config.hubApiToken ?? "",
          ...(deps.binderhubFetch ? { fetch: deps.binderhubFetch } : {}),
        }
      : createBinderHubSimulator({ token: randomBytes(16).toString("hex") });
    const service = (buildService = new BuildService(
      {
        binderhub,
        limiter,
        podCanceller:
          config.mode === "hub"
            ? createKubernetesPodCanceller({
                kube: kubernetes(),
                namespace: config.buildNamespace ?? namespace(),
              })
            : undefined,
        allowedProviders: config.buildProviders,
        beforeBuild: projectService
          ? (user, source) => projectService.buildRefusal(user, source)
          : undefined,
        watch: {
          idleMs: config.buildIdleTimeoutSeconds * 1000,
          deadlineMs: config.buildTimeoutSeconds * 1000,
        },
        metrics,
      },
      log,
    ));
    // Whose build it is matters only for the project limit: without projects an admin's `?user=`
    // asks nothing of the hub (and the companion's role has no read:users:name, see the NOTES).
    routes.push(buildRoutes(service, projectService ? userExists : ANY_NAME));
  }

  let mayEditProfiles: FeatureSet["mayEditProfiles"];
  if (config.profileEditorEnabled) {
    const editor = createProfileEditor(config, {
      ...(config.mode === "hub" ? { kube: kubernetes, namespace } : {}),
      ...(deps.registryFetch ? { registryFetch: deps.registryFetch } : {}),
      onError: (error, what) => log.warn({ err: error }, `profile editor: ${what}`),
    });
    routes.push(editor.routes);
    stops.push(() => {
      editor.stop();
      return Promise.resolve();
    });
    mayEditProfiles = editor.mayEdit;
  }

  return {
    features: { build, projects },
    routes,
    drain: async () => {
      await buildService?.drain();
    },
    ...(mayEditProfiles ? { mayEditProfiles } : {}),
    stop: async () => {
      await Promise.all(stops.map((stop) => stop()));
    },
    ...(projectService && config.mode === "local"
      ? {
          onDemoProjectStart: ({ user, projectId, image }: DemoProjectStart) =>
            projectService.recordDemoStart(user, projectId, image),
        }
      : {}),
  };
}
