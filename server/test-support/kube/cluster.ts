/**
 * The tests' own side of the real control plane (control-plane.ts): an admin client for set-up and
 * assertions, namespaces per test, kubeconfigs, and the companion's identity — the chart's own
 * ServiceAccount, Role and RoleBinding rendered by the real `helm template` and created here, with
 * a bound ServiceAccount token from the TokenRequest API (what the kubelet projects into a pod).
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import {
  ApiException,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  type KubernetesObject,
} from "@kubernetes/client-node";

import { render, type K8sObject } from "../../../chart/tests/helm.ts";
import { connectionFromKubeconfig, type KubeConnection } from "../../src/kubernetes/connection.ts";
import type { ControlPlaneInfo } from "./control-plane.ts";

/** A kubeconfig (as JSON, which is YAML) for one bearer token, trusting the control plane's CA. */
export function kubeconfigDocument(
  info: Pick<ControlPlaneInfo, "url" | "ca">,
  token: string,
  namespace = "default",
): object {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "test",
        cluster: {
          server: info.url,
          "certificate-authority-data": Buffer.from(info.ca).toString("base64"),
        },
      },
    ],
    users: [{ name: "test", user: { token } }],
    contexts: [{ name: "test", context: { cluster: "test", user: "test", namespace } }],
    "current-context": "test",
  };
}

export function writeKubeconfig(
  info: Pick<ControlPlaneInfo, "url" | "ca">,
  token: string,
  file: string,
  namespace?: string,
): string {
  writeFileSync(file, JSON.stringify(kubeconfigDocument(info, token, namespace), null, 2), {
    mode: 0o600,
  });
  return file;
}

export function kubeConfigFor(
  info: Pick<ControlPlaneInfo, "url" | "ca">,
  token: string,
  namespace?: string,
): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(JSON.stringify(kubeconfigDocument(info, token, namespace)));
  return kc;
}

/** The companion's own connection (rest-client.ts) for a token, trusting the control plane's CA. */
export function connectionFor(
  info: Pick<ControlPlaneInfo, "url" | "ca">,
  token: string,
  namespace?: string,
): KubeConnection {
  return connectionFromKubeconfig(JSON.stringify(kubeconfigDocument(info, token, namespace)));
}

/** The HTTP status of a client-node failure (0 when it is not an API answer). */
export function statusOf(error: unknown): number {
  return error instanceof ApiException ? error.code : 0;
}

/** One request as the API server's audit log saw it. */
export interface AuditedRequest {
  verb: string;
  /** "" for the core group. */
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  code: number;
}

/** The ServiceAccount's user name, as authentication gives it (and RBAC and audit use it). */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** The companion's identity in a test cluster, as the chart installs it. */
export interface CompanionIdentity {
  /** Hub namespace (the release namespace): ServiceAccount, Role, RoleBinding. */
  namespace: string;
  buildNamespace: string;
  serviceAccount: string;
  /** `system:serviceaccount:<namespace>:<serviceAccount>` */
  user: string;
  /** The Role(s) and RoleBinding(s) exactly as `helm template` rendered them, as created. */
  rbac: K8sObject[];
  token: string;
  /** For the test's own client-node clients. */
  kubeconfig: KubeConfig;
  /** For the companion's client (rest-client.ts). */
  connection: KubeConnection;
}

export class TestCluster {
  readonly info: ControlPlaneInfo;
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  readonly coordination: CoordinationV1Api;
  readonly objects: KubernetesObjectApi;

  constructor(info: ControlPlaneInfo) {
    this.info = info;
    this.kc = kubeConfigFor(info, info.adminToken);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.batch = this.kc.makeApiClient(BatchV1Api);
    this.coordination = this.kc.makeApiClient(CoordinationV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(this.kc);
  }

  /**
   * A fresh namespace `<prefix>-<random>` with its `default` ServiceAccount, which the
   * ServiceAccount admission plugin requires of every pod and which, in a cluster, the
   * controller-manager's serviceaccounts controller would create.
   */
  async namespace(prefix = "t"): Promise<string> {
    return this.createNamespace(`${prefix}-${randomBytes(4).toString("hex")}`);
  }

  /** The namespace `name` with its `default` ServiceAccount (see `namespace()`). */
  async createNamespace(name: string): Promise<string> {
    await this.core.createNamespace({ body: { metadata: { name } } });
    await this.core.createNamespacedServiceAccount({
      namespace: name,
      body: { metadata: { name: "default" } },
    });
    return name;
  }

  async create<T extends KubernetesObject>(object: T): Promise<T> {
    return this.objects.create(object);
  }

  /** A bound token for a ServiceAccount (TokenRequest, the audience of the API server). */
  async serviceAccountToken(
    namespace: string,
    name: string,
    expirationSeconds = 3600,
  ): Promise<string> {
    const request = await this.core.createNamespacedServiceAccountToken({
      namespace,
      name,
      body: { spec: { audiences: [], expirationSeconds } },
    });
    const token = request.status?.token;
    if (!token) throw new Error(`TokenRequest for ${namespace}/${name} gave no token`);
    return token;
  }

  /**
   * Renders the chart with `helm template` (release namespace = the hub namespace, build pods in
   * `buildNamespace`), creates exactly its ServiceAccount, Roles and RoleBindings, and returns a
   * kubeconfig authenticating as that ServiceAccount.
   */
  async installCompanion(options: {
    namespace: string;
    buildNamespace: string;
    set?: string[];
  }): Promise<CompanionIdentity> {
    const rendered = render({
      namespace: options.namespace,
      set: [`build.namespace=${options.buildNamespace}`, ...(options.set ?? [])],
    });
    const wanted = rendered.filter((o) =>
      ["ServiceAccount", "Role", "RoleBinding"].includes(o.kind),
    );
    const serviceAccounts = wanted.filter((o) => o.kind === "ServiceAccount");
    if (serviceAccounts.length !== 1)
      throw new Error(`the chart rendered ${serviceAccounts.length} ServiceAccounts`);
    for (const object of wanted) {
      await this.create({
        ...object,
        metadata: { ...object.metadata, namespace: object.metadata.namespace ?? options.namespace },
      });
    }
    const serviceAccount = serviceAccounts[0]!.metadata.name;
    const token = await this.serviceAccountToken(options.namespace, serviceAccount);
    return {
      namespace: options.namespace,
      buildNamespace: options.buildNamespace,
      serviceAccount,
      user: serviceAccountUser(options.namespace, serviceAccount),
      rbac: wanted.filter((o) => o.kind !== "ServiceAccount"),
      token,
      kubeconfig: kubeConfigFor(this.info, token, options.namespace),
      connection: connectionFor(this.info, token, options.namespace),
    };
  }

  /** Every request `user` has made so far, from the API server's audit log. */
  requestsBy(user: string): AuditedRequest[] {
    interface AuditEvent {
      stage?: string;
      verb?: string;
      user?: { username?: string };
      objectRef?: {
        apiGroup?: string;
        resource?: string;
        subresource?: string;
        namespace?: string;
        name?: string;
      };
      responseStatus?: { code?: number };
    }
    return readFileSync(this.info.auditLog, "utf8")
      .split("\n")
      .filter((line) => line.includes(user))
      .map((line) => JSON.parse(line) as AuditEvent)
      .filter((e) => e.stage === "ResponseComplete" && e.user?.username === user && e.objectRef)
      .map((e) => ({
        verb: e.verb ?? "",
        group: e.objectRef?.apiGroup ?? "",
        resource: e.objectRef?.resource ?? "",
        ...(e.objectRef?.subresource ? { subresource: e.objectRef.subresource } : {}),
        ...(e.objectRef?.namespace ? { namespace: e.objectRef.namespace } : {}),
        ...(e.objectRef?.name ? { name: e.objectRef.name } : {}),
        code: e.responseStatus?.code ?? 0,
      }));
  }

  /** A kubeconfig file for a token (for processes: the companion, KubeSpawner). */
  writeKubeconfig(
    dir: string,
    token: string,
    namespace?: string,
    name = "kubeconfig.json",
  ): string {
    return writeKubeconfig(this.info, token, join(dir, name), namespace);
  }
}
