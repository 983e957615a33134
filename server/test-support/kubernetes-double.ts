/**
 * A test double of the Kubernetes API server: an in-memory HTTP server speaking the real REST
 * shapes that the companion's client (src/kubernetes/rest-client.ts) and the tests' own
 * `@kubernetes/client-node` talk to unchanged, through a generated kubeconfig.
 *
 * The companion's Kubernetes behaviour is tested against a real kube-apiserver (`*.kube.test.ts`,
 * test-support/kube/) and so is the e2e stack. This double is left for what a real API server
 * cannot be made to do on demand, and for unit tests where Kubernetes is only the store behind
 * the behaviour under test:
 * - failure injection, a 500 Status or a request never answered (`failNext`):
 *   kubernetes/client.test.ts, builds/routes.test.ts;
 * - resourceVersions that are not integers (`opaqueResourceVersions`; the API conventions promise
 *   nothing about their form, and today's servers send integers): builds/limiter.test.ts;
 * - in-process tests of the build streams and the sessions (builds/routes.test.ts,
 *   builds/service.test.ts, auth/sessions.test.ts, features.test.ts), the profile editor's version
 *   store as one of its two backends (profile-editor/service.test.ts, routes.test.ts; its real
 *   API server tests are profile-editor/store.kube.test.ts), objects of older releases put in place
 *   directly (kubernetes/metadata.test.ts), and the projects bench (projects/test-harness.ts),
 *   whose budget was set against it.
 * Users' server pods are never made here: the companion's tests and the e2e hub's KubeSpawner
 * create them in the real API server, where the test kubelet runs them
 * (test-support/kube/test-kubelet.ts).
 *
 * What it reproduces from the real apiserver (k8s.io/apiserver, apimachinery):
 * - paths `/api/v1/namespaces/<ns>/<plural>[/<name>]` and
 *   `/apis/<group>/<version>/namespaces/<ns>/<plural>[/<name>]`;
 * - a generic store keyed by group/version/plural/namespace/name, so more resources (ConfigMaps,
 *   batch/v1 Jobs…) are one `resources` entry away;
 * - `metadata.resourceVersion` (one global counter, or with `opaqueResourceVersions` random strings:
 *   the API conventions let a client compare resourceVersions only for equality), `uid`,
 *   `creationTimestamp`;
 * - create → 201, or 409 `AlreadyExists`; get/replace/delete of a missing object → 404 `NotFound`;
 *   replace with a stale `metadata.resourceVersion` → 409 `Conflict`; delete with
 *   `preconditions` that do not match → 409 `Conflict`; errors are `Status` objects;
 * - list with `labelSelector` (`k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (…)`, `k notin (…)`) and
 *   `fieldSelector` on `metadata.name`;
 * - delete answers the object for pods (graceful deletion) and a `Success` Status for others;
 * - MicroTime fields (Lease `acquireTime`/`renewTime`) must carry six fractional digits
 *   (metav1.MicroTime, RFC3339Micro), else 400 `Invalid`, as the apiserver's JSON decoding does.
 * Failure injection: `failNext()` answers matching requests with a 500 Status or never answers.
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";

export interface ResourceKind {
  /** "" for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** Whether DELETE answers the object (pods) rather than a Status. */
  deleteReturnsObject?: boolean;
  /** Fields under `spec` that are metav1.MicroTime. */
  microTimeSpecFields?: readonly string[];
}

export const POD: ResourceKind = {
  group: "",
  version: "v1",
  plural: "pods",
  kind: "Pod",
  deleteReturnsObject: true,
};
export const LEASE: ResourceKind = {
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  kind: "Lease",
  microTimeSpecFields: ["acquireTime", "renewTime"],
};
export const CONFIG_MAP: ResourceKind = {
  group: "",
  version: "v1",
  plural: "configmaps",
  kind: "ConfigMap",
};
export const JOB: ResourceKind = { group: "batch", version: "v1", plural: "jobs", kind: "Job" };

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface FailureRule {
  method?: string;
  plural?: string;
  /** Only requests whose path contains this. */
  pathIncludes?: string;
  /** 500 answers an InternalError Status; "timeout" never answers (until the double closes). */
  fail: 500 | "timeout";
  /** How many matching requests to fail; default 1. */
  times?: number;
}

export interface RecordedKubeRequest {
  method: string;
  path: string;
  query: string;
  status: number;
}

export interface KubernetesDoubleOptions {
  /** Bearer token the kubeconfig carries and the double requires; default "kube-double-token". */
  token?: string;
  resources?: readonly ResourceKind[];
  /**
   * resourceVersions as opaque strings in no order: "Clients must not assume that resource
   * versions are numeric or collatable" (Kubernetes API conventions, Concurrency Control and
   * Consistency). A real etcd-backed API server hands out increasing integers, so only this shows
   * code that compares them.
   */
  opaqueResourceVersions?: boolean;
}

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(?:Z|[+-]\d{2}:\d{2})$/;

type Requirement = (labels: Record<string, string>) => boolean;

/** Parses a label selector the way apimachinery's labels.Parse accepts it (the common subset). */
export function parseLabelSelector(selector: string): Requirement[] | string {
  const requirements: Requirement[] = [];
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  for (const raw of parts) {
    const part = raw.trim();
    if (part === "") continue;
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(part))) {
      const [, key = "", op, value = ""] = m;
      requirements.push(op === "!=" ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((m = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part))) {
      const [, key = "", op, list = ""] = m;
      const values = new Set(list.split(",").map((v) => v.trim()));
      requirements.push(
        op === "in"
          ? (l) => l[key] !== undefined && values.has(l[key])
          : (l) => l[key] === undefined || !values.has(l[key]),
      );
    } else if ((m = /^!([\w./-]+)$/.exec(part))) {
      const key = m[1] ?? "";
      requirements.push((l) => l[key] === undefined);
    } else if ((m = /^([\w./-]+)$/.exec(part))) {
      const key = m[1] ?? "";
      requirements.push((l) => l[key] !== undefined);
    } else {
      return `unable to parse requirement: ${part}`;
    }
  }
  return requirements;
}

function apiVersionOf(kind: ResourceKind): string {
  return kind.group === "" ? kind.version : `${kind.group}/${kind.version}`;
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: code < 400 ? "Success" : "Failure",
    message,
    reason,
    details,
    code,
  };
}

export class KubernetesDouble {
  readonly token: string;
  readonly requests: RecordedKubeRequest[] = [];
  private readonly kinds = new Map<string, ResourceKind>();
  /** key: group/version/plural/namespace → name → object */
  private readonly store = new Map<string, Map<string, KubeObject>>();
  private readonly failures: (FailureRule & { left: number })[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private resourceVersion = "1000";
  private versions = 1000;
  private readonly opaqueResourceVersions: boolean;
  url = "";

  constructor(options: KubernetesDoubleOptions = {}) {
    this.token = options.token ?? "kube-double-token";
    this.opaqueResourceVersions = options.opaqueResourceVersions ?? false;
    for (const kind of options.resources ?? [POD, LEASE, CONFIG_MAP, JOB]) {
      this.kinds.set(`${kind.group}/${kind.version}/${kind.plural}`, kind);
    }
  }

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.send(req, res, 500, status(500, "InternalError", String(error)));
      });
    });
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    // As the API server keeps idle connections: 90 s (k8s.io/apiserver pkg/server/secure_serving.go
    // `IdleTimeout`). Node's default of 5 s closes sockets a client is about to reuse (ECONNRESET).
    server.keepAliveTimeout = 90_000;
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A kubeconfig (JSON is YAML) that points a client at this double. */
  kubeconfig(namespace = "default"): string {
    return JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      // Both clients refuse plain http unless insecure-skip-tls-verify is set.
      clusters: [
        { name: "double", cluster: { server: this.url, "insecure-skip-tls-verify": true } },
      ],
      users: [{ name: "double", user: { token: this.token } }],
      contexts: [{ name: "double", context: { cluster: "double", user: "double", namespace } }],
      "current-context": "double",
    });
  }

  writeKubeconfig(dir: string, namespace = "default"): string {
    const path = join(dir, "kubeconfig.json");
    writeFileSync(path, this.kubeconfig(namespace));
    return path;
  }

  failNext(rule: FailureRule): void {
    this.failures.push({ ...rule, left: rule.times ?? 1 });
  }

  /** Direct access for test setup and assertions (no HTTP). */
  objects(kind: ResourceKind, namespace: string): KubeObject[] {
    return [...(this.bucket(kind, namespace)?.values() ?? [])].map((o) => structuredClone(o));
  }

  put(kind: ResourceKind, namespace: string, object: KubeObject): KubeObject {
    const stored = this.stamp(kind, namespace, structuredClone(object), true);
    this.bucket(kind, namespace, true)!.set(stored.metadata.name, stored);
    return structuredClone(stored);
  }

  remove(kind: ResourceKind, namespace: string, name: string): boolean {
    return this.bucket(kind, namespace)?.delete(name) ?? false;
  }

  private bucket(
    kind: ResourceKind,
    namespace: string,
    create = false,
  ): Map<string, KubeObject> | undefined {
    const key = `${kind.group}/${kind.version}/${kind.plural}/${namespace}`;
    let bucket = this.store.get(key);
    if (!bucket && create) {
      bucket = new Map();
      this.store.set(key, bucket);
    }
    return bucket;
  }

  private stamp(
    kind: ResourceKind,
    namespace: string,
    object: KubeObject,
    fresh: boolean,
  ): KubeObject {
    object.apiVersion = apiVersionOf(kind);
    object.kind = kind.kind;
    object.metadata.namespace = namespace;
    this.resourceVersion = this.opaqueResourceVersions
      ? randomUUID().slice(0, 8)
      : String(++this.versions);
    object.metadata.resourceVersion = this.resourceVersion;
    if (fresh) {
      object.metadata.uid = randomUUID();
      object.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    }
    return object;
  }

  private send(req: IncomingMessage, res: ServerResponse, code: number, body: unknown): void {
    const [path = "", query = ""] = (req.url ?? "").split("?");
    this.requests.push({ method: req.method ?? "", path, query, status: code });
    if (res.headersSent) return;
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double");
    const method = req.method ?? "GET";
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return this.send(req, res, 401, status(401, "Unauthorized", "Unauthorized"));
    }
    const m =
      /^\/api\/(v1)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname) ??
      /^\/apis\/([^/]+\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    const groupVersion = m?.[1] ?? "";
    const kind = this.kinds.get(
      `${groupVersion.includes("/") ? groupVersion : `/${groupVersion}`}/${m?.[3] ?? ""}`,
    );
    if (!m || !kind)
      return this.send(
        req,
        res,
        404,
        status(404, "NotFound", "the server could not find the requested resource"),
      );
    const namespace = decodeURIComponent(m[2] ?? "");
    const name = m[4] === undefined ? undefined : decodeURIComponent(m[4]);

    const rule = this.failures.find(
      (r) =>
        r.left > 0 &&
        (!r.method || r.method === method) &&
        (!r.plural || r.plural === kind.plural) &&
        (!r.pathIncludes || url.pathname.includes(r.pathIncludes)),
    );
    if (rule) {
      rule.left--;
      if (rule.fail === "timeout") {
        const [path = ""] = (req.url ?? "").split("?");
        this.requests.push({ method, path, query: url.search, status: 0 });
        return; // never answered; the socket is destroyed by close()
      }
      return this.send(req, res, 500, status(500, "InternalError", "injected failure"));
    }

    const body =
      method === "POST" || method === "PUT" || method === "DELETE"
        ? await readJson(req)
        : undefined;
    if (body === INVALID_JSON)
      return this.send(req, res, 400, status(400, "BadRequest", "invalid JSON body"));
    const bucket = this.bucket(kind, namespace, true)!;
    const resourceName = kind.group === "" ? kind.plural : `${kind.plural}.${kind.group}`;
    const details = { name, group: kind.group, kind: kind.plural };
    const notFound = () =>
      this.send(
        req,
        res,
        404,
        status(404, "NotFound", `${resourceName} "${name}" not found`, details),
      );

    if (name === undefined) {
      if (method === "GET") {
        let items = [...bucket.values()];
        const selector = url.searchParams.get("labelSelector");
        if (selector) {
          const requirements = parseLabelSelector(selector);
          if (typeof requirements === "string")
            return this.send(req, res, 400, status(400, "BadRequest", requirements));
          items = items.filter((o) => requirements.every((r) => r(o.metadata.labels ?? {})));
        }
        const fieldSelector = url.searchParams.get("fieldSelector");
        if (fieldSelector) {
          const fm = /^metadata\.name(==|=|!=)(.*)$/.exec(fieldSelector);
          if (!fm)
            return this.send(
              req,
              res,
              400,
              status(400, "BadRequest", `field label not supported: ${fieldSelector}`),
            );
          items = items.filter((o) => (fm[1] === "!=") !== (o.metadata.name === fm[2]));
        }
        return this.send(req, res, 200, {
          kind: `${kind.kind}List`,
          apiVersion: apiVersionOf(kind),
          metadata: { resourceVersion: this.resourceVersion },
          items: items.map((o) => structuredClone(o)),
        });
      }
      if (method === "POST") {
        const object = body as KubeObject | undefined;
        if (!object?.metadata)
          return this.send(req, res, 400, status(400, "BadRequest", "metadata is required"));
        if (!object.metadata.name && typeof object.metadata.generateName === "string") {
          object.metadata.name = `${object.metadata.generateName}${randomUUID().slice(0, 5)}`;
        }
        const objectName = object.metadata.name;
        if (!objectName)
          return this.send(req, res, 422, status(422, "Invalid", "metadata.name: Required value"));
        const invalid = this.checkMicroTimes(kind, object);
        if (invalid) return this.send(req, res, 400, status(400, "BadRequest", invalid));
        if (bucket.has(objectName)) {
          return this.send(
            req,
            res,
            409,
            status(409, "AlreadyExists", `${resourceName} "${objectName}" already exists`, {
              ...details,
              name: objectName,
            }),
          );
        }
        delete object.metadata.resourceVersion;
        const stored = this.stamp(kind, namespace, object, true);
        bucket.set(objectName, stored);
        return this.send(req, res, 201, stored);
      }
      return this.send(
        req,
        res,
        405,
        status(405, "MethodNotAllowed", `method ${method} not allowed on a collection here`),
      );
    }

    const existing = bucket.get(name);
    if (method === "GET") return existing ? this.send(req, res, 200, existing) : notFound();
    if (method === "PUT") {
      if (!existing) return notFound();
      const object = body as KubeObject | undefined;
      if (!object?.metadata || object.metadata.name !== name) {
        return this.send(
          req,
          res,
          400,
          status(400, "BadRequest", "the name of the object does not match the name on the URL"),
        );
      }
      const invalid = this.checkMicroTimes(kind, object);
      if (invalid) return this.send(req, res, 400, status(400, "BadRequest", invalid));
      const expected = object.metadata.resourceVersion;
      if (
        expected !== undefined &&
        expected !== "" &&
        expected !== existing.metadata.resourceVersion
      ) {
        return this.send(
          req,
          res,
          409,
          status(
            409,
            "Conflict",
            `Operation cannot be fulfilled on ${resourceName} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            details,
          ),
        );
      }
      object.metadata.uid = existing.metadata.uid;
      object.metadata.creationTimestamp = existing.metadata.creationTimestamp;
      const stored = this.stamp(kind, namespace, object, false);
      bucket.set(name, stored);
      return this.send(req, res, 200, stored);
    }
    if (method === "DELETE") {
      if (!existing) return notFound();
      const preconditions = (
        body as { preconditions?: { resourceVersion?: string; uid?: string } } | undefined
      )?.preconditions;
      if (
        (preconditions?.resourceVersion &&
          preconditions.resourceVersion !== existing.metadata.resourceVersion) ||
        (preconditions?.uid && preconditions.uid !== existing.metadata.uid)
      ) {
        return this.send(
          req,
          res,
          409,
          status(
            409,
            "Conflict",
            `Operation cannot be fulfilled on ${resourceName} "${name}": the precondition did not match`,
            details,
          ),
        );
      }
      bucket.delete(name);
      if (kind.deleteReturnsObject)
        return this.send(req, res, 200, {
          ...existing,
          metadata: { ...existing.metadata, deletionTimestamp: new Date().toISOString() },
        });
      return this.send(
        req,
        res,
        200,
        status(200, "", "", { ...details, uid: existing.metadata.uid }),
      );
    }
    return this.send(
      req,
      res,
      405,
      status(405, "MethodNotAllowed", `method ${method} not supported by this double`),
    );
  }

  private checkMicroTimes(kind: ResourceKind, object: KubeObject): string | undefined {
    const spec = object.spec as Record<string, unknown> | undefined;
    for (const field of kind.microTimeSpecFields ?? []) {
      const value = spec?.[field];
      if (
        value !== undefined &&
        value !== null &&
        (typeof value !== "string" || !MICRO_TIME.test(value))
      ) {
        return `${kind.kind} in version "${kind.version}" cannot be handled as a ${kind.kind}: parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse spec.${field}`;
      }
    }
    return undefined;
  }
}

const INVALID_JSON = Symbol("invalid JSON");

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}

export async function startKubernetesDouble(
  options?: KubernetesDoubleOptions,
): Promise<KubernetesDouble> {
  return new KubernetesDouble(options).start();
}
