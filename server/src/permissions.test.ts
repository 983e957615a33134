import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { projectId } from "../../contract/projects.ts";
import { generateBuildName } from "../test-support/binderhub-naming.ts";
import { JOB, KubernetesDouble, POD } from "../test-support/kubernetes-double.ts";
import { configMapRevocationStore, SessionRevocations } from "./auth/session-revocations.ts";
import { createKubernetesBuildLimiter } from "./builds/limiter.ts";
import { createKubernetesPodCanceller } from "./builds/pod-canceller.ts";
import { createHubClient } from "./hub/hub-client.ts";
import {
  createKubernetesClient,
  loadKubeConfig,
  type KubernetesClient,
} from "./kubernetes/client.ts";
import {
  HUB_API,
  KUBERNETES_API,
  KUBERNETES_USES,
  type Feature,
  type KubernetesCall,
  type KubernetesRequest,
} from "./permissions.ts";
import { KubernetesFolderRemover } from "./projects/folder-removal.ts";
import { KubernetesRunningServers } from "./projects/running-servers.ts";
import { ProjectService } from "./projects/service.ts";
import { ConfigMapProjectStore } from "./projects/store.ts";

const HUB_NS = "hub";
const BUILD_NS = "builds";

/** How RBAC names a request: apiserver's RequestInfo (verb from method, collection or object). */
function rbacOf(method: string, path: string): KubernetesRequest | string {
  const match = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/[^/]+\/([^/?]+)(\/[^/?]+)?/.exec(
    path,
  );
  if (!match) return `unparsed ${method} ${path}`;
  const named = match[3] !== undefined;
  const verb =
    method === "GET"
      ? named
        ? "get"
        : "list"
      : method === "POST"
        ? "create"
        : method === "PUT"
          ? "update"
          : method === "DELETE"
            ? "delete"
            : `unknown ${method}`;
  return {
    group: (match[1] ?? "") as KubernetesRequest["group"],
    resource: match[2] as KubernetesRequest["resource"],
    verb: verb as KubernetesRequest["verb"],
  };
}

describe("KUBERNETES_API says what each client method sends", () => {
  let seen: (KubernetesRequest | string)[] = [];
  let close: () => Promise<void> = () => Promise.resolve();
  let client: KubernetesClient;

  beforeEach(async () => {
    seen = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      seen.push(rbacOf(req.method ?? "", req.url ?? ""));
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", metadata: { name: "x" }, items: [] }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    close = () => new Promise((resolve) => server.close(() => resolve()));
    const kubeconfig = join(mkdtempSync(join(tmpdir(), "permissions-")), "kubeconfig.json");
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          {
            name: "c",
            cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true },
          },
        ],
        users: [{ name: "u", user: { token: "t" } }],
        contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
        "current-context": "x",
      }),
    );
    client = createKubernetesClient(loadKubeConfig({ kubeconfigPath: kubeconfig, env: {} }));
  });
  afterEach(() => close());

  const object = { metadata: { name: "x", resourceVersion: "1" } };
  const calls: Record<KubernetesCall, (c: KubernetesClient) => Promise<unknown>> = {
    listPods: (c) => c.listPods("ns", "a=b"),
    deletePod: (c) => c.deletePod("ns", "x", "uid"),
    createLease: (c) => c.createLease("ns", object),
    readLease: (c) => c.readLease("ns", "x"),
    listLeases: (c) => c.listLeases("ns", "a=b"),
    replaceLease: (c) => c.replaceLease("ns", object),
    deleteLease: (c) => c.deleteLease("ns", "x"),
    readConfigMap: (c) => c.readConfigMap("ns", "x"),
    listConfigMaps: (c) => c.listConfigMaps("ns", "a=b"),
    createConfigMap: (c) => c.createConfigMap("ns", object),
    replaceConfigMap: (c) => c.replaceConfigMap("ns", object),
    createJob: (c) => c.createJob("ns", object),
    readJob: (c) => c.readJob("ns", "x"),
    deleteJob: (c) => c.deleteJob("ns", "x"),
  };

  it.each(Object.keys(KUBERNETES_API) as KubernetesCall[])("%s", async (call) => {
    await calls[call](client).catch(() => undefined);
    expect(seen, `${call} must send exactly what KUBERNETES_API says`).toEqual([
      KUBERNETES_API[call],
    ]);
  });
});

/** A client that records which call went to which namespace, over the Kubernetes double. */
function recording(inner: KubernetesClient, log: string[]): KubernetesClient {
  return new Proxy(inner, {
    get(target, property: string) {
      const method: unknown = Reflect.get(target, property);
      if (typeof method !== "function") return method;
      return (namespace: string, ...rest: unknown[]) => {
        log.push(`${property}@${namespace === BUILD_NS ? "build" : "hub"}`);
        return (method as (...args: unknown[]) => unknown).call(target, namespace, ...rest);
      };
    },
  });
}

function declared(feature: Feature | "always"): string[] {
  return [
    ...new Set(
      KUBERNETES_USES.filter((u) => u.feature === feature).map((u) => `${u.call}@${u.namespace}`),
    ),
  ].sort();
}

describe("the adapters make exactly the calls KUBERNETES_USES declares", () => {
  let double: KubernetesDouble;
  let kube: KubernetesClient;
  beforeEach(async () => {
    double = await new KubernetesDouble().start();
    kube = createKubernetesClient(
      loadKubeConfig({
        kubeconfigPath: double.writeKubeconfig(mkdtempSync(join(tmpdir(), "uses-"))),
        env: {},
      }),
    );
  });
  afterEach(() => double.close());

  const explain = (feature: Feature | "always", made: string[]) => {
    const want = declared(feature);
    const undeclared = made.filter((m) => !want.includes(m));
    const unused = want.filter((w) => !made.includes(w));
    return [
      ...undeclared.map(
        (m) => `${feature} calls ${m}: add it to KUBERNETES_USES in server/src/permissions.ts`,
      ),
      ...unused.map(
        (w) =>
          `KUBERNETES_USES declares ${w} for ${feature} but no flow made it: remove it, or exercise it here`,
      ),
    ];
  };

  it("projects: record, list with a running server, delete through a Job, sweep", async () => {
    const log: string[] = [];
    const k = recording(kube, log);
    const service = new ProjectService({
      store: new ConfigMapProjectStore({ kube: k, namespace: HUB_NS }),
      remover: new KubernetesFolderRemover(k, { namespace: HUB_NS, image: "busybox:1.37" }),
      running: new KubernetesRunningServers(k, HUB_NS),
      limit: 5,
    });
    const id = projectId("gh", "o/r");
    await service.launch("alice", id, {
      provider: "gh",
      repository: "o/r",
      ref: "main",
      image: "registry.example.org/img:1",
      profile_slug: "python",
      display_name: "o/r",
    });
    double.put(POD, HUB_NS, {
      metadata: {
        name: "jupyter-alice",
        labels: { component: "singleuser-server", "hub.jupyter.org/username": "alice" },
        annotations: {
          "hub.jupyter.org/username": "alice",
          "launchpad.jupyter.org/project-id": id,
          "launchpad.jupyter.org/home-volume":
            '{"persistentVolumeClaim":{"claimName":"claim-alice"}}',
          "launchpad.jupyter.org/home-subpath": "",
          "launchpad.jupyter.org/home-mount-path": "/home/jovyan",
        },
      },
      status: { phase: "Running" },
    });
    await service.list("alice");
    double.remove(POD, HUB_NS, "jupyter-alice");
    const deleting = await service.delete("alice", id, "alice");
    expect(deleting.state).toBe("deleting");
    const [job] = double.objects(JOB, HUB_NS);
    double.put(JOB, HUB_NS, {
      ...job!,
      status: { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] },
    });
    await service.sweep();
    expect(await service.list("alice")).toMatchObject({ projects: [] });
    expect(explain("projects", [...new Set(log)].sort())).toEqual([]);
  });

  it("building: limits across replicas, cancel from another replica, pod cancel, pruning", async () => {
    const log: string[] = [];
    const k = recording(kube, log);
    let now = Date.now();
    const limiter = createKubernetesBuildLimiter({
      kube: k,
      namespace: HUB_NS,
      renewIntervalMs: 50,
      now: () => now,
    });
    const other = createKubernetesBuildLimiter({ kube: k, namespace: HUB_NS, now: () => now });
    try {
      const build = {
        user: "alice",
        provider: "gh" as const,
        spec: "o/r/HEAD",
        repoUrl: "https://github.com/o/r",
        ref: "HEAD",
      };
      const acquired = await limiter.acquire(build);
      if (!acquired.ok) throw new Error(acquired.message);
      await new Promise((resolve) => setTimeout(resolve, 120)); // renewals
      expect(await other.otherWatchers({ ...build, user: "bob" })).toBe(1);
      expect(await other.requestCancel(build)).toBe(1);
      await acquired.ticket.release();
      const podName = generateBuildName(
        "o-r",
        "0123456789abcdef0123456789abcdef01234567",
        "build-",
      );
      double.put(POD, BUILD_NS, {
        metadata: {
          name: podName,
          labels: { component: "binderhub-build", name: podName },
          annotations: { "binder-repo": build.repoUrl },
        },
        status: { phase: "Running" },
      });
      const canceller = createKubernetesPodCanceller({ kube: k, namespace: BUILD_NS });
      expect(await canceller.cancel(build)).toEqual({ deleted: [podName] });
      now += 2 * 3_600_000; // an hour later the ended Lease is pruned
      const again = await limiter.acquire(build);
      if (again.ok) await again.ticket.release();
    } finally {
      limiter.close();
      other.close();
    }
    expect(explain("build", [...new Set(log)].sort())).toEqual([]);
  });
});

describe("the session revocations make exactly the calls KUBERNETES_USES declares", () => {
  it("always: revoke twice (create, then replace), check from another replica (read)", async () => {
    const double = await new KubernetesDouble().start();
    try {
      const log: string[] = [];
      const kube = recording(
        createKubernetesClient(
          loadKubeConfig({
            kubeconfigPath: double.writeKubeconfig(mkdtempSync(join(tmpdir(), "uses-"))),
            env: {},
          }),
        ),
        log,
      );
      const store = configMapRevocationStore(kube, HUB_NS);
      const replica = new SessionRevocations({ store, now: Date.now });
      await replica.revoke({ id: "a".repeat(22), expiresAt: 4_000_000_000 });
      await replica.revoke({ id: "b".repeat(22), expiresAt: 4_000_000_000 });
      const other = new SessionRevocations({ store, now: Date.now });
      expect(await other.isRevoked({ id: "a".repeat(22), expiresAt: 4_000_000_000 })).toBe(true);
      const made = [...new Set(log)].sort();
      const want = declared("always");
      expect(made.filter((m) => !want.includes(m))).toEqual([]);
      expect(want.filter((w) => !made.includes(w))).toEqual([]);
    } finally {
      await double.close();
    }
  });
});

describe("HUB_API says what each hub client method sends", () => {
  it("calls only the declared paths, with the declared credentials", async () => {
    const seen: string[] = [];
    const hub = createHubClient({
      apiUrl: "http://hub.example/hub/api",
      clientId: "service-launchpad",
      clientSecret: "secret",
      fetch: (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        const headers = new Headers(init?.headers);
        const body = init?.body instanceof URLSearchParams ? init.body : undefined;
        const credential = headers.get("authorization")?.startsWith("token ")
          ? "user"
          : body?.get("client_secret") === "secret"
            ? "client"
            : "none";
        seen.push(`${init?.method ?? "GET"} ${url.pathname.replace("/hub/api", "")} ${credential}`);
        return Promise.resolve(
          Response.json({ access_token: "a", token_type: "Bearer", name: "alice" }),
        );
      },
    });
    await hub.exchangeCode({ code: "c", redirectUri: "http://x/cb", codeVerifier: "v" });
    await hub.getTokenOwner("user-token");
    expect(seen).toEqual([
      `${HUB_API.exchangeCode.method} ${HUB_API.exchangeCode.path} ${HUB_API.exchangeCode.token}`,
      `${HUB_API.getTokenOwner.method} ${HUB_API.getTokenOwner.path} ${HUB_API.getTokenOwner.token}`,
    ]);
  });
});
