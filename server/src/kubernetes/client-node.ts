/**
 * KubernetesClient (client.ts) over `@kubernetes/client-node`. Import it only through
 * `kubernetesConnection` (a dynamic import), or in tests: loading the library is most of the
 * companion's start-up memory, and local mode never needs it.
 */
import {
  ApiException,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  Observable,
  type ConfigurationOptions,
} from "@kubernetes/client-node";
import { KubernetesError, type KubernetesClient, type KubernetesClientOptions } from "./client.ts";

export function loadKubeConfig(options: KubernetesClientOptions = {}): KubeConfig {
  const env = options.env ?? process.env;
  const kc = new KubeConfig();
  if (env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else if (options.kubeconfigPath) {
    kc.loadFromFile(options.kubeconfigPath);
  } else {
    throw new Error(
      "Kubernetes: not in a pod (KUBERNETES_SERVICE_HOST unset) and no kubeconfig path configured",
    );
  }
  return kc;
}

function toKubernetesError(error: unknown, what: string): KubernetesError {
  if (error instanceof KubernetesError) return error;
  if (error instanceof ApiException) {
    let reason: string | undefined;
    let message = `${what}: HTTP ${error.code}`;
    try {
      const body: unknown = typeof error.body === "string" ? JSON.parse(error.body) : error.body;
      if (body && typeof body === "object") {
        const status = body as { reason?: unknown; message?: unknown };
        if (typeof status.reason === "string") reason = status.reason;
        if (typeof status.message === "string") message = `${what}: ${status.message}`;
      }
    } catch {
      // a non-JSON body keeps the generic message
    }
    return new KubernetesError(error.code, reason, message, { cause: error });
  }
  const name = (error as { name?: string } | null)?.name;
  const why =
    name === "TimeoutError" || name === "AbortError"
      ? "no answer before the deadline"
      : String((error as Error)?.message ?? error);
  return new KubernetesError(0, undefined, `${what}: ${why}`, { cause: error });
}

export function createKubernetesClient(
  kc: KubeConfig,
  options: KubernetesClientOptions = {},
): KubernetesClient {
  const core = kc.makeApiClient(CoreV1Api);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  // client-node sends `RequestContext.getSignal()` to fetch; a middleware sets a deadline per call.
  const withDeadline = () => ({
    middleware: [
      {
        pre: (context: { setSignal(signal: AbortSignal): void }) => {
          context.setSignal(AbortSignal.timeout(timeoutMs));
          return new Observable(Promise.resolve(context));
        },
        post: <T>(response: T) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: "append" as const,
  });
  async function call<T>(
    what: string,
    run: (opts: ReturnType<typeof withDeadline>) => Promise<T>,
    idempotent = false,
  ): Promise<T> {
    try {
      return await run(withDeadline());
    } catch (error) {
      const failure = toKubernetesError(error, what);
      // A reused keep-alive socket the server just closed fails with ECONNRESET before any
      // answer; a read is safe to send once more.
      if (idempotent && failure.status === 0 && /ECONNRESET|socket hang up/.test(failure.message)) {
        try {
          return await run(withDeadline());
        } catch (again) {
          throw toKubernetesError(again, what);
        }
      }
      throw failure;
    }
  }
  return {
    async listPods(namespace, labelSelector) {
      const list = await call(
        `list pods in ${namespace}`,
        (o) =>
          core.listNamespacedPod(
            { namespace, labelSelector },
            o as unknown as ConfigurationOptions,
          ),
        true,
      );
      return list.items;
    },
    async deletePod(namespace, name, uid) {
      await call(`delete pod ${namespace}/${name}`, (o) =>
        core.deleteNamespacedPod(
          { namespace, name, body: uid ? { preconditions: { uid } } : {} },
          o as unknown as ConfigurationOptions,
        ),
      );
    },
    createLease: (namespace, body) =>
      call(`create lease in ${namespace}`, (o) =>
        coordination.createNamespacedLease(
          { namespace, body },
          o as unknown as ConfigurationOptions,
        ),
      ),
    readLease: (namespace, name) =>
      call(
        `read lease ${namespace}/${name}`,
        (o) =>
          coordination.readNamespacedLease(
            { namespace, name },
            o as unknown as ConfigurationOptions,
          ),
        true,
      ),
    async listLeases(namespace, labelSelector) {
      const list = await call(
        `list leases in ${namespace}`,
        (o) =>
          coordination.listNamespacedLease(
            { namespace, labelSelector },
            o as unknown as ConfigurationOptions,
          ),
        true,
      );
      return list.items;
    },
    replaceLease: (namespace, body) =>
      call(`replace lease ${namespace}/${body.metadata?.name ?? "?"}`, (o) =>
        coordination.replaceNamespacedLease(
          { namespace, name: body.metadata?.name ?? "", body },
          o as unknown as ConfigurationOptions,
        ),
      ),
    async deleteLease(namespace, name, resourceVersion) {
      await call(`delete lease ${namespace}/${name}`, (o) =>
        coordination.deleteNamespacedLease(
          { namespace, name, body: resourceVersion ? { preconditions: { resourceVersion } } : {} },
          o as unknown as ConfigurationOptions,
        ),
      );
    },
    readConfigMap: (namespace, name) =>
      call(`read configmap ${namespace}/${name}`, (o) =>
        core.readNamespacedConfigMap({ namespace, name }, o as unknown as ConfigurationOptions),
      ),
    async listConfigMaps(namespace, labelSelector) {
      const list = await call(`list configmaps in ${namespace}`, (o) =>
        core.listNamespacedConfigMap(
          { namespace, labelSelector },
          o as unknown as ConfigurationOptions,
        ),
      );
      return list.items;
    },
    createConfigMap: (namespace, body) =>
      call(`create configmap in ${namespace}`, (o) =>
        core.createNamespacedConfigMap({ namespace, body }, o as unknown as ConfigurationOptions),
      ),
    replaceConfigMap: (namespace, body) =>
      call(`replace configmap ${namespace}/${body.metadata?.name ?? "?"}`, (o) =>
        core.replaceNamespacedConfigMap(
          { namespace, name: body.metadata?.name ?? "", body },
          o as unknown as ConfigurationOptions,
        ),
      ),
    async deleteConfigMap(namespace, name) {
      await call(`delete configmap ${namespace}/${name}`, (o) =>
        core.deleteNamespacedConfigMap({ namespace, name }, o as unknown as ConfigurationOptions),
      );
    },
    createJob: (namespace, body) =>
      call(`create job in ${namespace}`, (o) =>
        batch.createNamespacedJob({ namespace, body }, o as unknown as ConfigurationOptions),
      ),
    readJob: (namespace, name) =>
      call(`read job ${namespace}/${name}`, (o) =>
        batch.readNamespacedJob({ namespace, name }, o as unknown as ConfigurationOptions),
      ),
    async deleteJob(namespace, name) {
      await call(`delete job ${namespace}/${name}`, (o) =>
        batch.deleteNamespacedJob(
          { namespace, name, body: { propagationPolicy: "Background" } },
          o as unknown as ConfigurationOptions,
        ),
      );
    },
  };
}
