import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { createHubClient } from "./hub/hub-client.ts";
import { type KubernetesClient } from "./kubernetes/client.ts";
import { createKubernetesClient, loadConnection } from "./kubernetes/rest-client.ts";
import {
  HUB_API,
  KUBERNETES_API,
  type KubernetesCall,
  type KubernetesRequest,
} from "./permissions.ts";

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
    client = createKubernetesClient(loadConnection({ kubeconfigPath: kubeconfig, env: {} }));
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
    deleteConfigMap: (c) => c.deleteConfigMap("ns", "x"),
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

describe("HUB_API says what each hub client method sends", () => {
  it("calls only the declared paths, with the declared credentials", async () => {
    const seen: string[] = [];
    const hub = createHubClient({
      apiUrl: "http://hub.example/hub/api",
      clientId: "service-launchpad",
      clientSecret: "secret",
      serviceToken: "service-token",
      fetch: (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        const headers = new Headers(init?.headers);
        const body = init?.body instanceof URLSearchParams ? init.body : undefined;
        const authorization = headers.get("authorization");
        const credential =
          authorization === "token service-token"
            ? "service"
            : authorization?.startsWith("token ")
              ? "user"
              : body?.get("client_secret") === "secret"
                ? "client"
                : "none";
        seen.push(
          `${init?.method ?? "GET"} ${decodeURIComponent(url.pathname).replace("/hub/api", "")} ${credential}`,
        );
        return Promise.resolve(
          Response.json({ access_token: "a", token_type: "Bearer", name: "alice" }),
        );
      },
    });
    await hub.exchangeCode({ code: "c", redirectUri: "http://x/cb", codeVerifier: "v" });
    await hub.getTokenOwner("user-token");
    await hub.userExists("{name}");
    expect(seen).toEqual([
      `${HUB_API.exchangeCode.method} ${HUB_API.exchangeCode.path} ${HUB_API.exchangeCode.token}`,
      `${HUB_API.getTokenOwner.method} ${HUB_API.getTokenOwner.path} ${HUB_API.getTokenOwner.token}`,
      `${HUB_API.userExists.method} ${HUB_API.userExists.path} ${HUB_API.userExists.token}`,
    ]);
  });
});
