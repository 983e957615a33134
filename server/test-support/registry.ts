/**
 * A real container registry on loopback for tests: Debian's `docker-registry` (the CNCF
 * distribution registry, 2.8) with images pushed by Debian's `skopeo` from an OCI image layout
 * written here (https://github.com/opencontainers/image-spec/blob/main/image-layout.md).
 *
 * With `auth: "token"` the registry runs in its token mode (distribution's
 * `registry/auth/token`: it trusts JWTs whose `x5c` certificate chains to `rootcertbundle`), and
 * a small token server of ours implements the token endpoint of
 * https://distribution.github.io/distribution/spec/auth/token/ the way public registries behave:
 * anonymous callers get pull access to public repositories and a token with no access for the
 * rest (Docker Hub does the same, and the registry then answers 401 insufficient_scope), known
 * users get what their account allows, and wrong passwords get 401.
 *
 * scripts/setup-e2e.sh installs both Debian packages; tests that need them call
 * `startRegistry()`, which throws a clear error when they are missing.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, createSign, randomBytes, X509Certificate } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

import { freePort } from "./processes.ts";

export { freePort };

const run = promisify(execFile);

export const REGISTRY_BINARY = "/usr/bin/docker-registry";
export const SKOPEO_BINARY = "/usr/bin/skopeo";

// ---------------------------------------------------------------------------------------------
// An OCI image layout
// ---------------------------------------------------------------------------------------------

function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A one-file tar archive (POSIX ustar), enough for a layer. */
function tarWithFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(content.length.toString(8).padStart(11, "0") + "\0", 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

export interface LayoutImage {
  /** The layout's ref name (`org.opencontainers.image.ref.name`). */
  ref: string;
  /** `index`: a multi-arch image index with one manifest, as most public images are today. */
  kind: "manifest" | "index";
}

/** Writes an OCI image layout holding one small image per entry, each with its own content. */
export async function writeOciLayout(dir: string, images: readonly LayoutImage[]): Promise<void> {
  await mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
  const blob = async (data: Buffer) => {
    const digest = sha256(data);
    await writeFile(path.join(dir, "blobs", "sha256", digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const entries = [];
  for (const image of images) {
    const raw = tarWithFile(
      "launchpad-test.txt",
      Buffer.from(`${image.ref} ${randomBytes(8).toString("hex")}\n`),
    );
    const layer = await blob(gzipSync(raw));
    const config = await blob(
      Buffer.from(
        JSON.stringify({
          architecture: "amd64",
          os: "linux",
          rootfs: { type: "layers", diff_ids: [sha256(raw)] },
          config: {},
        }),
      ),
    );
    const manifest = await blob(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
          layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
        }),
      ),
    );
    const manifestDescriptor = {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      ...manifest,
    };
    if (image.kind === "manifest") {
      entries.push({
        ...manifestDescriptor,
        annotations: { "org.opencontainers.image.ref.name": image.ref },
      });
    } else {
      const index = await blob(
        Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: "application/vnd.oci.image.index.v1+json",
            manifests: [
              { ...manifestDescriptor, platform: { architecture: "amd64", os: "linux" } },
            ],
          }),
        ),
      );
      entries.push({
        mediaType: "application/vnd.oci.image.index.v1+json",
        ...index,
        annotations: { "org.opencontainers.image.ref.name": image.ref },
      });
    }
  }
  await writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    path.join(dir, "index.json"),
    JSON.stringify({ schemaVersion: 2, manifests: entries }),
  );
}

// ---------------------------------------------------------------------------------------------
// The token server
// ---------------------------------------------------------------------------------------------

export interface TokenServerOptions {
  /** PEM of the RSA key that signs tokens, and of its self-signed certificate. */
  keyPem: string;
  certPem: string;
  issuer: string;
  service: string;
  /** Repositories anyone may pull. */
  publicRepositories: readonly string[];
  /** name → password and what the account may do (`*`: every repository). */
  users: Readonly<
    Record<string, { password: string; pull: readonly string[]; push: readonly string[] }>
  >;
}

export interface TokenServer {
  url: string;
  /** Every request the server answered, for assertions on the flow. */
  requests: { account: string | null; scope: string | null; service: string | null }[];
  close(): Promise<void>;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const certificate = new X509Certificate(options.certPem).raw.toString("base64");
  const requests: TokenServer["requests"] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://token.invalid");
    if (url.pathname !== "/token") {
      response.writeHead(404).end();
      return;
    }
    let account: string | null = null;
    const header = request.headers.authorization;
    if (header?.startsWith("Basic ")) {
      const [name = "", password = ""] = Buffer.from(header.slice(6), "base64")
        .toString("utf8")
        .split(":");
      const user = options.users[name];
      if (!user || user.password !== password) {
        requests.push({
          account: name,
          scope: url.searchParams.get("scope"),
          service: url.searchParams.get("service"),
        });
        response
          .writeHead(401, { "content-type": "application/json" })
          .end(JSON.stringify({ details: "incorrect username or password" }));
        return;
      }
      account = name;
    }
    const scope = url.searchParams.get("scope");
    requests.push({ account, scope, service: url.searchParams.get("service") });
    const access: { type: string; name: string; actions: string[] }[] = [];
    // scope=repository:<name>:<actions> (several scopes may be space-separated).
    for (const part of (scope ?? "").split(" ").filter(Boolean)) {
      const match = /^repository:(.+):([a-z,*]+)$/.exec(part);
      if (!match) continue;
      const name = match[1] ?? "";
      const wanted = (match[2] ?? "").split(",");
      const user = account ? options.users[account] : undefined;
      const may = (list: readonly string[] | undefined) =>
        Boolean(list?.includes("*") || list?.includes(name));
      const granted = wanted.filter((action) =>
        action === "pull"
          ? options.publicRepositories.includes(name) || may(user?.pull)
          : action === "push"
            ? may(user?.push)
            : false,
      );
      access.push({ type: "repository", name, actions: granted });
    }
    const now = Math.floor(Date.now() / 1000);
    const input = `${base64url({ typ: "JWT", alg: "RS256", x5c: [certificate] })}.${base64url({
      iss: options.issuer,
      sub: account ?? "",
      aud: options.service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString("hex"),
      access,
    })}`;
    const signature = createSign("RSA-SHA256")
      .update(input)
      .sign(options.keyPem)
      .toString("base64url");
    const token = `${input}.${signature}`;
    response.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: 300,
        issued_at: new Date().toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------------
// The registry process
// ---------------------------------------------------------------------------------------------

export interface RegistryOptions {
  /** `none`: anyone pulls and pushes; `token`: the token server decides (default). */
  auth?: "none" | "token";
  publicRepositories?: readonly string[];
  /** Extra accounts, besides the `pusher` the helpers push with. */
  users?: TokenServerOptions["users"];
}

export interface Registry {
  /** `127.0.0.1:<port>`: the domain images on it are named with. */
  domain: string;
  url: string;
  tokenServer: TokenServer | undefined;
  dir: string;
  /** Copies `layoutRef` of an OCI layout to `<domain>/<repository>:<tag>` (all platforms). */
  push(layoutDir: string, layoutRef: string, target: string): Promise<void>;
  stop(): Promise<void>;
}

export const PUSHER = { name: "pusher", password: "pusher-password" };

function requireBinaries(): void {
  const missing = [REGISTRY_BINARY, SKOPEO_BINARY].filter((binary) => !existsSync(binary));
  if (missing.length > 0)
    throw new Error(
      `${missing.join(" and ")} missing: run scripts/setup-e2e.sh (Debian's docker-registry and skopeo)`,
    );
}

async function waitForRegistry(url: string, process: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (process.exitCode !== null)
      throw new Error(`docker-registry exited:\n${await readFile(log, "utf8").catch(() => "")}`);
    try {
      const response = await fetch(`${url}/v2/`);
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `docker-registry did not answer at ${url}:\n${await readFile(log, "utf8").catch(() => "")}`,
  );
}

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  requireBinaries();
  const auth = options.auth ?? "token";
  const dir = await mkdtemp(path.join(tmpdir(), "launchpad-registry-"));
  const port = await freePort();
  const domain = `127.0.0.1:${port}`;
  const url = `http://${domain}`;
  let tokenServer: TokenServer | undefined;
  let authConfig = "";
  if (auth === "token") {
    const keyFile = path.join(dir, "token-key.pem");
    const certFile = path.join(dir, "token-cert.pem");
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=launchpad-test-token-server",
    ]);
    tokenServer = await startTokenServer({
      keyPem: await readFile(keyFile, "utf8"),
      certPem: await readFile(certFile, "utf8"),
      issuer: "launchpad-test-token-server",
      service: "launchpad-test-registry",
      publicRepositories: options.publicRepositories ?? [],
      users: {
        [PUSHER.name]: { password: PUSHER.password, pull: ["*"], push: ["*"] },
        ...options.users,
      },
    });
    authConfig = [
      "auth:",
      "  token:",
      `    realm: ${tokenServer.url}/token`,
      "    service: launchpad-test-registry",
      "    issuer: launchpad-test-token-server",
      `    rootcertbundle: ${certFile}`,
    ].join("\n");
  }
  const config = path.join(dir, "config.yml");
  await writeFile(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${path.join(dir, "data")}`,
      "http:",
      `  addr: ${domain}`,
      authConfig,
    ].join("\n"),
  );
  const log = path.join(dir, "registry.log");
  const out = createWriteStream(log);
  const child = spawn(REGISTRY_BINARY, ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  try {
    await waitForRegistry(url, child, log);
  } catch (error) {
    child.kill("SIGKILL");
    await tokenServer?.close();
    throw error;
  }
  return {
    domain,
    url,
    tokenServer,
    dir,
    async push(layoutDir, layoutRef, target) {
      await run(SKOPEO_BINARY, [
        "copy",
        "--all",
        "--quiet",
        "--dest-tls-verify=false",
        ...(auth === "token" ? ["--dest-creds", `${PUSHER.name}:${PUSHER.password}`] : []),
        `oci:${layoutDir}:${layoutRef}`,
        `docker://${domain}/${target}`,
      ]);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      await tokenServer?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
