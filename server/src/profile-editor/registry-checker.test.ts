import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  freePort,
  startRegistry,
  writeOciLayout,
  type Registry,
} from "../../test-support/registry.ts";
import {
  MANIFEST_MEDIA_TYPES,
  parseChallenge,
  parseDockerConfig,
  RegistryChecker,
} from "./registry-checker.ts";

/**
 * Against the real distribution registry (Debian's docker-registry) in token mode, with images
 * skopeo pushed from an OCI layout: `jupyter/base` is public, `team/secret` private.
 */
describe("RegistryChecker against a real registry with token auth", () => {
  let registry: Registry;
  let layout: string;

  beforeAll(async () => {
    registry = await startRegistry({
      auth: "token",
      publicRepositories: ["jupyter/base"],
      users: { reader: { password: "reader-password", pull: ["team/secret"], push: [] } },
    });
    layout = await mkdtemp(path.join(tmpdir(), "launchpad-oci-"));
    await writeOciLayout(layout, [
      { ref: "single", kind: "manifest" },
      { ref: "multi", kind: "index" },
    ]);
    await registry.push(layout, "single", "jupyter/base:1.0");
    await registry.push(layout, "multi", "jupyter/base:multi-arch");
    await registry.push(layout, "single", "team/secret:1.0");
  }, 120_000);

  afterAll(async () => {
    await registry?.stop();
    if (layout) await rm(layout, { recursive: true, force: true });
  });

  const checker = (options: ConstructorParameters<typeof RegistryChecker>[0] = {}) =>
    new RegistryChecker({ insecureRegistries: [registry.domain], ...options });
  const allowed = () => [registry.domain];

  it("finds a tagged image and a multi-arch index anonymously, through the token flow", async () => {
    const results = await checker().check(
      [`${registry.domain}/jupyter/base:1.0`, `${registry.domain}/jupyter/base:multi-arch`],
      allowed(),
    );
    expect(results.map((r) => [r.status, r.digest?.slice(0, 7)])).toEqual([
      ["ok", "sha256:"],
      ["ok", "sha256:"],
    ]);
    expect(registry.tokenServer?.requests.at(-1)).toEqual({
      account: null,
      scope: "repository:jupyter/base:pull",
      service: "launchpad-test-registry",
    });
  });

  it("would misreport the multi-arch image without the index media types (why Accept lists them)", async () => {
    const token = await fetch(
      `${registry.tokenServer?.url}/token?service=launchpad-test-registry&scope=repository:jupyter/base:pull`,
    ).then((r) => r.json() as Promise<{ token: string }>);
    const head = (accept: string) =>
      fetch(`${registry.url}/v2/jupyter/base/manifests/multi-arch`, {
        method: "HEAD",
        headers: { accept, authorization: `Bearer ${token.token}` },
      }).then((r) => r.status);
    expect(await head("application/vnd.docker.distribution.manifest.v2+json")).toBe(404);
    expect(await head(MANIFEST_MEDIA_TYPES.join(", "))).toBe(200);
  });

  it("says a missing tag in a public repository is missing (MANIFEST_UNKNOWN)", async () => {
    const [result] = await checker().check([`${registry.domain}/jupyter/base:2.0`], allowed());
    expect(result).toMatchObject({
      status: "missing",
      message: `${registry.domain}/jupyter/base has no tag 2.0 (MANIFEST_UNKNOWN). Check the tag on the registry's page.`,
    });
  });

  it("says 'not found or private' when anonymous access is refused and no credentials are set", async () => {
    const [secret, nowhere] = await checker().check(
      [`${registry.domain}/team/secret:1.0`, `${registry.domain}/team/nowhere:1.0`],
      allowed(),
    );
    expect(secret?.status).toBe("private");
    expect(secret?.message).toContain("was not found, or it is private");
    expect(nowhere?.status).toBe("private");
  });

  it("pulls a private image's manifest with credentials from a docker config", async () => {
    const credentials = parseDockerConfig(
      JSON.stringify({
        auths: {
          [registry.domain]: { auth: Buffer.from("reader:reader-password").toString("base64") },
        },
      }),
    );
    const [result] = await checker({ credentials }).check(
      [`${registry.domain}/team/secret:1.0`],
      allowed(),
    );
    expect(result?.status).toBe("ok");
    expect(registry.tokenServer?.requests.at(-1)?.account).toBe("reader");

    const wrong = parseDockerConfig(
      JSON.stringify({ auths: { [registry.domain]: { username: "reader", password: "nope" } } }),
    );
    const [refused] = await checker({ credentials: wrong }).check(
      [`${registry.domain}/team/secret:1.0`],
      allowed(),
    );
    expect(refused).toMatchObject({
      status: "private",
      message: expect.stringContaining("refused the configured credentials"),
    });
  });

  it("refuses what is not an image reference or not allowed, without asking anyone", async () => {
    const before = registry.tokenServer?.requests.length;
    const results = await checker().check(
      ["quay.io/Jupyter/x:1", `${registry.domain}/jupyter/base:1.0`],
      ["quay.io"],
    );
    expect(results.map((r) => r.status)).toEqual(["invalid", "invalid"]);
    expect(registry.tokenServer?.requests.length).toBe(before);
  });
});

describe("RegistryChecker when the registry does not answer", () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let silentPort = 0;

  beforeAll(async () => {
    // Accepts connections and never answers, as a registry behind a broken proxy does.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it("calls a closed port and a silent server unreachable, with what happened", async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const checker = new RegistryChecker({
      insecureRegistries: [closed, `127.0.0.1:${silentPort}`],
      timeoutMs: 300,
    });
    const [refused, timedOut] = await checker.check(
      [`${closed}/x/y:1`, `127.0.0.1:${silentPort}/x/y:1`],
      ["*"],
    );
    expect(refused).toMatchObject({
      status: "unreachable",
      message: expect.stringContaining("ECONNREFUSED"),
    });
    expect(timedOut).toMatchObject({
      status: "unreachable",
      message: expect.stringContaining("no answer in time"),
    });
  });
});

describe("Docker Hub's conventions", () => {
  /**
   * Docker Hub cannot be reached from here; this stands in for it with the answers it gives
   * (https://distribution.github.io/distribution/spec/auth/token/ and Docker's docs): the API at
   * registry-1.docker.io, a challenge naming auth.docker.io and service registry.docker.io, and
   * a 401 for a repository that does not exist or is private even with a token.
   */
  function dockerHub(existing: Record<string, string>) {
    const calls: string[] = [];
    const fake: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      calls.push(`${init?.method ?? "GET"} ${url.host}${url.pathname}${url.search}`);
      if (url.host === "auth.docker.io") {
        return Promise.resolve(
          Response.json({ token: `token-for:${url.searchParams.get("scope")}` }),
        );
      }
      const match = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
      const repository = match?.[1] ?? "";
      const auth = new Headers(init?.headers).get("authorization");
      if (auth !== `Bearer token-for:repository:${repository}:pull`)
        return Promise.resolve(
          new Response(null, {
            status: 401,
            headers: {
              "www-authenticate": `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:${repository}:pull"`,
            },
          }),
        );
      const digest = existing[`${repository}:${match?.[2] ?? ""}`];
      if (
        !(repository in Object.fromEntries(Object.keys(existing).map((k) => [k.split(":")[0], 1])))
      )
        return Promise.resolve(new Response(null, { status: 401 }));
      if (!digest)
        return Promise.resolve(
          init?.method === "HEAD"
            ? new Response(null, { status: 404 })
            : Response.json(
                { errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] },
                { status: 404 },
              ),
        );
      return Promise.resolve(
        new Response(null, { status: 200, headers: { "docker-content-digest": digest } }),
      );
    };
    return { calls, fake };
  }

  it("asks registry-1.docker.io for library/python, with a token from auth.docker.io", async () => {
    const hub = dockerHub({ "library/python:3.12": "sha256:aaa" });
    const [result] = await new RegistryChecker({ fetch: hub.fake }).check(
      ["python:3.12"],
      ["docker.io"],
    );
    expect(result).toMatchObject({ status: "ok", digest: "sha256:aaa" });
    expect(hub.calls).toEqual([
      "HEAD registry-1.docker.io/v2/library/python/manifests/3.12",
      "GET auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fpython%3Apull",
      "HEAD registry-1.docker.io/v2/library/python/manifests/3.12",
    ]);
  });

  it("tells a missing tag from a missing or private repository", async () => {
    const hub = dockerHub({ "library/python:3.12": "sha256:aaa" });
    const [tag, repository] = await new RegistryChecker({ fetch: hub.fake }).check(
      ["docker.io/library/python:3.99", "someone/private-thing:1"],
      ["docker.io"],
    );
    expect(tag).toMatchObject({
      status: "missing",
      message: expect.stringContaining("has no tag 3.99 (MANIFEST_UNKNOWN)"),
    });
    expect(repository).toMatchObject({
      status: "private",
      message: expect.stringContaining(
        "docker.io/someone/private-thing was not found, or it is private",
      ),
    });
  });
});

describe("parsing", () => {
  it("reads WWW-Authenticate challenges with quoted commas", () => {
    expect(
      parseChallenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull,push"',
      ),
    ).toEqual({
      scheme: "bearer",
      params: {
        realm: "https://ghcr.io/token",
        service: "ghcr.io",
        scope: "repository:a/b:pull,push",
      },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: "basic",
      params: { realm: "Registry Realm" },
    });
  });

  it("maps Docker Hub's historical config key to docker.io", () => {
    const credentials = parseDockerConfig(
      JSON.stringify({
        auths: { "https://index.docker.io/v1/": { auth: Buffer.from("u:p:x").toString("base64") } },
      }),
    );
    expect(credentials.get("docker.io")).toEqual({ username: "u", password: "p:x" });
  });
});
