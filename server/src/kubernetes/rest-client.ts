/**
 * KubernetesClient (client.ts) over the API server's REST interface, with Node's own HTTP client.
 * The companion makes sixteen calls on four resources (pods, ConfigMaps, Leases, Jobs); each is one
 * request to its documented path (https://kubernetes.io/docs/reference/using-api/api-concepts/),
 * and a failure's body is a `Status` whose `reason` and `message` are kept
 * (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/). A generated
 * client library for the whole API cost the companion some 75 MB of memory for these calls.
 * The tests run every call against a real kube-apiserver as the chart's ServiceAccount.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import {
  KubernetesError,
  type ConfigMap,
  type Job,
  type KubernetesClient,
  type KubernetesClientOptions,
  type Lease,
  type Pod,
} from "./client.ts";
import type { KubeConnection } from "./connection.ts";

export { loadConnection } from "./connection.ts";

/** The most of an answer the companion reads (a list of a namespace's ConfigMaps included). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

interface Call {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** What the call does, for errors: "read lease hub/x". */
  what: string;
  /** A read: sent once more when a reused keep-alive socket turns out closed. */
  idempotent?: boolean;
}

const segment = encodeURIComponent;
const core = (namespace: string, plural: string, name?: string) =>
  `/api/v1/namespaces/${segment(namespace)}/${plural}${name === undefined ? "" : `/${segment(name)}`}`;
const group = (api: string, namespace: string, plural: string, name?: string) =>
  `/apis/${api}/namespaces/${segment(namespace)}/${plural}${name === undefined ? "" : `/${segment(name)}`}`;

function statusError(status: number, text: string, what: string): KubernetesError {
  let reason: string | undefined;
  let message = `${what}: HTTP ${status}`;
  try {
    const body = JSON.parse(text) as { reason?: unknown; message?: unknown } | null;
    if (body && typeof body.reason === "string" && body.reason) reason = body.reason;
    if (body && typeof body.message === "string" && body.message)
      message = `${what}: ${body.message}`;
  } catch {
    // not a Status: the generic message stays
  }
  return new KubernetesError(status, reason, message);
}

function transportError(error: unknown, what: string): KubernetesError {
  const name = (error as { name?: unknown } | null)?.name;
  const why =
    name === "TimeoutError" || name === "AbortError"
      ? "no answer before the deadline"
      : String((error as Error | null)?.message ?? error);
  return new KubernetesError(0, undefined, `${what}: ${why}`, { cause: error });
}

function readAnswer(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        response.destroy(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    response.on("error", reject);
    response.on("aborted", () => reject(new Error("the answer was cut off")));
  });
}

export function createKubernetesClient(
  connection: KubeConnection,
  options: KubernetesClientOptions = {},
): KubernetesClient {
  const base = new URL(connection.server);
  const secure = base.protocol === "https:";
  if (!secure && base.protocol === "http:" && !connection.insecureSkipTlsVerify)
    throw new Error(
      `Kubernetes: ${connection.server} is plain http; set insecure-skip-tls-verify to mean it`,
    );
  if (!secure && base.protocol !== "http:")
    throw new Error(`Kubernetes: ${connection.server} is not an http(s) URL`);
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const agent = secure
    ? new HttpsAgent({
        keepAlive: true,
        ...(connection.ca ? { ca: connection.ca } : {}),
        ...(connection.cert ? { cert: connection.cert } : {}),
        ...(connection.key ? { key: connection.key } : {}),
        rejectUnauthorized: !connection.insecureSkipTlsVerify,
      })
    : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  const prefix = base.pathname.replace(/\/+$/, "");

  function once(call: Call): Promise<unknown> {
    const url = new URL(`${prefix}${call.path}`, base);
    for (const [key, value] of Object.entries(call.query ?? {}))
      if (value !== "") url.searchParams.set(key, value);
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    const token = connection.token?.();
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method: call.method,
          agent,
          signal: AbortSignal.timeout(timeoutMs),
          headers: {
            accept: "application/json",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(payload === undefined
              ? {}
              : {
                  "content-type": "application/json",
                  "content-length": Buffer.byteLength(payload),
                }),
          },
        },
        (response) => {
          readAnswer(response).then((text) => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              try {
                resolve(text === "" ? {} : JSON.parse(text));
              } catch (error) {
                reject(transportError(error, call.what));
              }
            } else reject(statusError(status, text, call.what));
          }, reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    }).catch((error: unknown) => {
      throw error instanceof KubernetesError ? error : transportError(error, call.what);
    });
  }

  async function run<T>(call: Call): Promise<T> {
    try {
      return (await once(call)) as T;
    } catch (error) {
      // A reused keep-alive socket the server just closed fails with ECONNRESET before any
      // answer; a read is safe to send once more.
      if (
        call.idempotent &&
        error instanceof KubernetesError &&
        error.status === 0 &&
        /ECONNRESET|socket hang up/.test(error.message)
      )
        return (await once(call)) as T;
      throw error;
    }
  }

  /** The five calls on one kind of namespaced object, e.g. ("configmap", ns => core(ns, "configmaps")). */
  function resource<T extends { metadata?: { name?: string } }>(
    noun: string,
    path: (namespace: string, name?: string) => string,
  ) {
    const nameOf = (object: T) => object.metadata?.name ?? "";
    return {
      create: (namespace: string, body: T) =>
        run<T>({
          method: "POST",
          path: path(namespace),
          body,
          what: `create ${noun} in ${namespace}`,
        }),
      read: (namespace: string, name: string) =>
        run<T>({
          method: "GET",
          path: path(namespace, name),
          what: `read ${noun} ${namespace}/${name}`,
          idempotent: true,
        }),
      list: async (namespace: string, labelSelector: string) =>
        (
          await run<{ items?: T[] }>({
            method: "GET",
            path: path(namespace),
            query: { labelSelector },
            what: `list ${noun}s in ${namespace}`,
            idempotent: true,
          })
        ).items ?? [],
      replace: (namespace: string, body: T) =>
        run<T>({
          method: "PUT",
          path: path(namespace, nameOf(body)),
          body,
          what: `replace ${noun} ${namespace}/${nameOf(body) || "?"}`,
        }),
      async remove(namespace: string, name: string, body?: unknown) {
        await run({
          method: "DELETE",
          path: path(namespace, name),
          body,
          what: `delete ${noun} ${namespace}/${name}`,
        });
      },
    };
  }
  const pods = resource<Pod>("pod", (namespace, name) => core(namespace, "pods", name));
  const leases = resource<Lease>("lease", (namespace, name) =>
    group("coordination.k8s.io/v1", namespace, "leases", name),
  );
  const configMaps = resource<ConfigMap>("configmap", (namespace, name) =>
    core(namespace, "configmaps", name),
  );
  const jobs = resource<Job>("job", (namespace, name) =>
    group("batch/v1", namespace, "jobs", name),
  );

  return {
    listPods: pods.list,
    deletePod: (namespace, name, uid) =>
      pods.remove(namespace, name, uid ? { preconditions: { uid } } : {}),
    createLease: leases.create,
    readLease: leases.read,
    listLeases: leases.list,
    replaceLease: leases.replace,
    deleteLease: (namespace, name, resourceVersion) =>
      leases.remove(namespace, name, resourceVersion ? { preconditions: { resourceVersion } } : {}),
    readConfigMap: configMaps.read,
    listConfigMaps: configMaps.list,
    createConfigMap: configMaps.create,
    replaceConfigMap: configMaps.replace,
    deleteConfigMap: (namespace, name) => configMaps.remove(namespace, name),
    createJob: jobs.create,
    readJob: jobs.read,
    deleteJob: (namespace, name) =>
      jobs.remove(namespace, name, { propagationPolicy: "Background" }),
  };
}
