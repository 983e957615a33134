/**
 * The companion's only door to the Kubernetes API: the calls Launchpad makes (KubernetesClient),
 * each with a deadline, and one error type carrying the HTTP status and the apiserver's
 * `Status.reason` (NotFound, AlreadyExists, Conflict…). The implementation is rest-client.ts,
 * loaded by `kubernetesConnection` only when the companion talks to a cluster (hub mode).
 *
 * Credentials (connection.ts): in a pod (KUBERNETES_SERVICE_HOST set) the ServiceAccount token
 * mounted by Kubernetes; elsewhere a kubeconfig file. The chart's Role grants exactly these verbs.
 *
 * The object types are `@kubernetes/client-node`'s models, as types only (nothing of the library
 * is loaded). Objects are the API's JSON as it is: timestamps are RFC 3339 strings although the
 * models type them `Date` (read them with `Date.parse(String(…))`, write `microTime(…)`).
 */
import type { V1ConfigMap, V1Job, V1Lease, V1Pod } from "@kubernetes/client-node";
import type { ConnectionOptions } from "./connection.ts";

export interface KubernetesClientOptions extends ConnectionOptions {
  /** A deadline for each API call; default 10 s. */
  requestTimeoutMs?: number;
  /**
   * Told each call's duration and outcome: "ok", the HTTP status of an error answer, or "error"
   * when no answer came (metrics.ts `kubernetesRequests`).
   */
  observe?: (operation: keyof KubernetesClient, status: string, seconds: number) => void;
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

/**
 * The client, made on first use; its code is loaded now, so call this only when the companion
 * talks to a cluster (hub mode). `given` (tests) is used as it is, and nothing is loaded.
 */
export async function kubernetesConnection(
  options: KubernetesClientOptions & { given?: KubernetesClient | undefined } = {},
): Promise<() => KubernetesClient> {
  const { given, ...connect } = options;
  if (given) return () => given;
  const { createKubernetesClient, loadConnection } = await import("./rest-client.ts");
  let client: KubernetesClient | undefined;
  return () => {
    if (!client) {
      const made = createKubernetesClient(loadConnection(connect), connect);
      client = connect.observe ? observed(made, connect.observe) : made;
    }
    return client;
  };
}

/** `client` with each call's duration and outcome told to `observe`. */
export function observed(
  client: KubernetesClient,
  observe: NonNullable<KubernetesClientOptions["observe"]>,
): KubernetesClient {
  const wrapped: Partial<Record<keyof KubernetesClient, unknown>> = {};
  for (const operation of Object.keys(client) as (keyof KubernetesClient)[]) {
    wrapped[operation] = async (...args: unknown[]) => {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const result: unknown = await (
          client[operation] as (...parameters: unknown[]) => Promise<unknown>
        ).apply(client, args);
        observe(operation, "ok", seconds());
        return result;
      } catch (error) {
        const status = error instanceof KubernetesError ? error.status : 0;
        observe(operation, status === 0 ? "error" : String(status), seconds());
        throw error;
      }
    };
  }
  return wrapped as KubernetesClient;
}

/** Where there is no cluster (local mode): any use is a bug. */
export function noKubernetes(): KubernetesClient {
  throw new Error("local mode talks to no Kubernetes API");
}

/** metav1.MicroTime wants exactly six fractional digits (RFC3339Micro); Date gives three. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
