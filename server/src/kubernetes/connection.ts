/**
 * Where the Kubernetes API is and how the companion proves who it is: in a pod, its
 * ServiceAccount's mounted token and CA (client-go's `rest.InClusterConfig`,
 * https://github.com/kubernetes/client-go/blob/v0.36.5/rest/config.go#L543-L573); elsewhere
 * (development, tests) the current context of a kubeconfig file
 * (https://kubernetes.io/docs/reference/config-api/kubeconfig.v1/). Of a kubeconfig's user it
 * understands what a ServiceAccount or a test cluster hands out — a bearer token, a token file, a
 * client certificate — and refuses the rest (`exec`, `auth-provider`) by name, rather than
 * sending requests that can only fail.
 */
import { readFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";

export interface KubeConnection {
  /** The API server's base URL, e.g. `https://10.0.0.1:443`. */
  server: string;
  /** PEM of the CA the API server's certificate must chain to (none: the system's CAs). */
  ca?: string;
  /** Skip verifying the API server's certificate (kubeconfig `insecure-skip-tls-verify`). */
  insecureSkipTlsVerify?: boolean;
  /** The bearer token to send now (a token file is read again as it rotates). */
  token?: () => string;
  /** Client certificate and key (PEM). */
  cert?: string;
  key?: string;
  /** The context's namespace, if it names one. */
  namespace?: string;
}

export interface ConnectionOptions {
  /** Used when not running in a pod (no KUBERNETES_SERVICE_HOST). */
  kubeconfigPath?: string;
  env?: Record<string, string | undefined>;
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * A projected ServiceAccount token is rotated by the kubelet, so the file is read again each
 * minute, as client-go's `NewCachedFileTokenSource` does ("half of the duration between when the
 * kubelet refreshes a projected service account token and when the original token expires",
 * https://github.com/kubernetes/client-go/blob/v0.36.5/transport/token_source.go#L66-L82).
 */
const TOKEN_FILE_REREAD_MS = 60_000;

export function tokenFromFile(path: string, now: () => number = Date.now): () => string {
  let token = "";
  let readAt = Number.NEGATIVE_INFINITY;
  return () => {
    if (now() - readAt >= TOKEN_FILE_REREAD_MS) {
      token = readFileSync(path, "utf8").trim();
      readAt = now();
    }
    return token;
  };
}

/** In a pod: the mounted ServiceAccount; otherwise the kubeconfig file, or a clear error. */
export function loadConnection(options: ConnectionOptions = {}): KubeConnection {
  const env = options.env ?? process.env;
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host) {
    const port = env.KUBERNETES_SERVICE_PORT;
    if (!port) throw new Error("Kubernetes: KUBERNETES_SERVICE_HOST is set but not _PORT");
    return inClusterConnection(host, port, SERVICE_ACCOUNT_DIR);
  }
  if (options.kubeconfigPath) {
    return connectionFromKubeconfig(
      readFileSync(options.kubeconfigPath, "utf8"),
      options.kubeconfigPath,
    );
  }
  throw new Error(
    "Kubernetes: not in a pod (KUBERNETES_SERVICE_HOST unset) and no kubeconfig path configured",
  );
}

export function inClusterConnection(host: string, port: string, dir: string): KubeConnection {
  const namespace = readOptional(`${dir}/namespace`)?.trim();
  return {
    // net.JoinHostPort: an IPv6 address in brackets.
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    ca: readFileSync(`${dir}/ca.crt`, "utf8"),
    token: tokenFromFile(`${dir}/token`),
    ...(namespace ? { namespace } : {}),
  };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

type Fields = Record<string, unknown>;

function fields(value: unknown, what: string): Fields {
  if (value && typeof value === "object" && !Array.isArray(value)) return value as Fields;
  throw new Error(`kubeconfig: ${what} is not a mapping`);
}

function named(list: unknown, name: string, kind: string, key: string): Fields {
  const entries = Array.isArray(list) ? (list as unknown[]) : [];
  for (const entry of entries) {
    const { name: entryName, [key]: body } = fields(entry, `an entry of ${kind}`);
    if (entryName === name) return fields(body ?? {}, `${kind} "${name}"`);
  }
  throw new Error(`kubeconfig: no ${kind} entry named "${name}"`);
}

function text(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  throw new Error(`kubeconfig: ${what} is not a string`);
}

/**
 * The current context of a kubeconfig document (YAML or JSON). File paths in it are relative to
 * the file's folder, as kubectl reads them.
 */
export function connectionFromKubeconfig(document: string, path = "kubeconfig"): KubeConnection {
  const root = fields(parse(document), "the document");
  const contextName = text(root["current-context"], "current-context");
  if (!contextName) throw new Error(`kubeconfig ${path}: no current-context`);
  const context = named(root.contexts, contextName, "contexts", "context");
  const cluster = named(root.clusters, String(context.cluster), "clusters", "cluster");
  const user = named(root.users, String(context.user), "users", "user");
  const base = dirname(path);
  const file = (value: unknown, what: string) => {
    const name = text(value, what);
    return name === undefined ? undefined : readFileSync(resolve(base, name), "utf8");
  };
  const data = (value: unknown, what: string) => {
    const encoded = text(value, what);
    return encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8");
  };
  for (const unsupported of ["exec", "auth-provider", "username"]) {
    if (user[unsupported] !== undefined)
      throw new Error(
        `kubeconfig ${path}: user "${String(context.user)}" authenticates with ${unsupported}, ` +
          "which Launchpad does not support; use a token, a token file or a client certificate",
      );
  }
  const server = text(cluster.server, "cluster server");
  if (!server)
    throw new Error(`kubeconfig ${path}: cluster "${String(context.cluster)}" has no server`);
  const ca =
    data(cluster["certificate-authority-data"], "certificate-authority-data") ??
    file(cluster["certificate-authority"], "certificate-authority");
  const token = text(user.token, "token");
  const tokenFile = text(user.tokenFile, "tokenFile");
  const cert =
    data(user["client-certificate-data"], "client-certificate-data") ??
    file(user["client-certificate"], "client-certificate");
  const key =
    data(user["client-key-data"], "client-key-data") ?? file(user["client-key"], "client-key");
  const namespace = text(context.namespace, "namespace");
  return {
    server: server.replace(/\/+$/, ""),
    ...(ca ? { ca } : {}),
    ...(cluster["insecure-skip-tls-verify"] === true ? { insecureSkipTlsVerify: true } : {}),
    ...(token
      ? { token: () => token }
      : tokenFile
        ? { token: tokenFromFile(resolve(base, tokenFile)) }
        : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(namespace ? { namespace } : {}),
  };
}
