/**
 * The companion's only door to the Kubernetes API: a thin wrapper over `@kubernetes/client-node`
 * exposing just the calls Launchpad makes, each with a deadline, and one error type carrying the
 * HTTP status and the apiserver's `Status.reason` (NotFound, AlreadyExists, Conflict…).
 *
 * Credentials: in a pod (KUBERNETES_SERVICE_HOST set) the ServiceAccount token mounted by
 * Kubernetes; elsewhere a kubeconfig file. The chart's Role grants exactly these verbs.
 */
import {
  ApiException,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  Observable,
  type V1ConfigMap,
  type V1Job,
  type ConfigurationOptions,
  type V1Lease,
  type V1Pod,
} from "@kubernetes/client-node";

export interface KubernetesClientOptions {
  /** Used when not running in a pod (no KUBERNETES_SERVICE_HOST). */
  kubeconfigPath?: string;
  /** A deadline for each API call; default 10 s. */
  requestTimeoutMs?: number;
  env?: Record<string, string | undefined>;
}

export class KubernetesError extends Error {
  /** HTTP status, or 0 when no answer came (timeout, connection refused). */
  readonly status: number;
  /** The Status object's `reason`, e.g. "NotFound", "Conflict", "AlreadyExists". */
  readonly reason: string | undefined;
  constructor(
    status: number,
    reason: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "KubernetesError";
    this.status = status;
    this.reason = reason;
  }
}

export function isKubernetesError(error: unknown, status?: number): error is KubernetesError {
  return error instanceof KubernetesError && (status === undefined || error.status === status);
}

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

/**
 * The client, created on first use: local mode and tests without a cluster never load a kubeconfig.
 * `given` (tests) is used as it is.
 */
export function lazyKubernetesClient(
  kubeconfigPath: string | undefined,
  given?: KubernetesClient,
): () => KubernetesClient {
  let client = given;
  return () => {
    client ??= createKubernetesClient(loadKubeConfig(kubeconfigPath ? { kubeconfigPath } : {}));
    return client;
  };
}

/** A lease as the companion uses it (only fields it reads or writes). */
export type Lease = V1Lease;
export type Pod = V1Pod;
export type ConfigMap = V1ConfigMap;
export type Job = V1Job;

export interface KubernetesClient {
  listPods(namespace: string, labelSelector: string): Promise<Pod[]>;
  /** Deletes only if the pod still has this uid (so a re-created pod of the same name is safe). */
  deletePod(namespace: string, name: string, uid?: string): Promise<void>;
  createLease(namespace: string, lease: Lease): Promise<Lease>;
  readLease(namespace: string, name: string): Promise<Lease>;
  listLeases(namespace: string, labelSelector: string): Promise<Lease[]>;
  /** Fails with 409 Conflict when `lease.metadata.resourceVersion` is stale. */
  replaceLease(namespace: string, lease: Lease): Promise<Lease>;
  deleteLease(namespace: string, name: string, resourceVersion?: string): Promise<void>;
  readConfigMap(namespace: string, name: string): Promise<ConfigMap>;
  listConfigMaps(namespace: string, labelSelector: string): Promise<ConfigMap[]>;
  /** Fails with 409 AlreadyExists when another writer created it first. */
  createConfigMap(namespace: string, configMap: ConfigMap): Promise<ConfigMap>;
  /** Fails with 409 Conflict when `configMap.metadata.resourceVersion` is stale. */
  replaceConfigMap(namespace: string, configMap: ConfigMap): Promise<ConfigMap>;
  deleteConfigMap(namespace: string, name: string): Promise<void>;
  /** Fails with 409 AlreadyExists when a Job of that name exists. */
  createJob(namespace: string, job: Job): Promise<Job>;
  readJob(namespace: string, name: string): Promise<Job>;
  /** Deletes the Job and (background propagation) its pods. */
  deleteJob(namespace: string, name: string): Promise<void>;
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

/** metav1.MicroTime wants exactly six fractional digits (RFC3339Micro); Date gives three. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
