/**
 * Does the registry have this image? Asked the way container runtimes ask, with the OCI
 * distribution API (https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 * "Checking if content exists in the registry"): `HEAD /v2/<name>/manifests/<reference>`.
 *
 * - The `Accept` header lists the OCI index and manifest and Docker's manifest list and v2
 *   manifest: a registry answers 404 MANIFEST_UNKNOWN for a multi-arch image whose media type the
 *   client did not accept (distribution's manifest handler: "OCI index found, but accept header
 *   does not support OCI indexes"), which would report a real image as missing.
 * - Authentication is the registry token flow quay.io, ghcr.io and Docker Hub use
 *   (https://distribution.github.io/distribution/spec/auth/token/): a 401 with
 *   `WWW-Authenticate: Bearer realm=…,service=…,scope=…` sends us to the realm for a token,
 *   anonymously or with Basic credentials from the configured docker config file. Docker Hub's
 *   API lives at registry-1.docker.io, official images under `library/`, and its realm is
 *   auth.docker.io with `service=registry.docker.io` (all from its challenge).
 * - A HEAD answer has no body, so a 404 is asked again with GET to read the error code.
 *
 * Outcomes (contract/profile-editor/schema.ts IMAGE_CHECK_STATUSES): ok, missing (a public
 * repository without that tag), private (anonymous access refused and no credentials, or the
 * credentials refused), unreachable (no answer: an admin may publish anyway), invalid.
 */
import { readFileSync } from "node:fs";

import {
  isAllowedImage,
  manifestReference,
  parseImageReference,
  registryApiHost,
  DOCKER_HUB_DOMAIN,
  type ImageReference,
} from "../../../contract/image-reference.ts";
import type { ImageCheckResult } from "../../../contract/profile-editor/schema.ts";

export const MANIFEST_MEDIA_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
] as const;

export interface RegistryCredential {
  username: string;
  password: string;
}

/**
 * Credentials from a docker config file (`{"auths": {"quay.io": {"auth": base64("user:pass")}}}`,
 * the `.dockerconfigjson` of a `kubernetes.io/dockerconfigjson` Secret), keyed by registry domain.
 * Docker Hub's key is historically `https://index.docker.io/v1/`.
 */
export function parseDockerConfig(text: string): Map<string, RegistryCredential> {
  const parsed = JSON.parse(text) as {
    auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  };
  const out = new Map<string, RegistryCredential>();
  for (const [key, entry] of Object.entries(parsed.auths ?? {})) {
    let username = entry.username;
    let password = entry.password;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
    }
    if (!username || password === undefined) continue;
    let domain = key.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
    if (["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"].includes(domain))
      domain = DOCKER_HUB_DOMAIN;
    out.set(domain, { username, password });
  }
  return out;
}

export function loadDockerConfig(path: string): Map<string, RegistryCredential> {
  return parseDockerConfig(readFileSync(path, "utf8"));
}

export interface RegistryCheckerOptions {
  fetch?: typeof fetch;
  credentials?: Map<string, RegistryCredential>;
  /** Registries reached over plain HTTP (`host:port`), e.g. a registry on a cluster's loopback. */
  insecureRegistries?: readonly string[];
  /** Per request; default 8 s. */
  timeoutMs?: number;
  /** How long a found image is not asked about again; default 30 s (failures are always asked again). */
  cacheMs?: number;
  /** Checks running at once; default 4. */
  concurrency?: number;
  now?: () => Date;
}

/** A `WWW-Authenticate` challenge: scheme and parameters (RFC 7235 §4.1). */
export function parseChallenge(
  header: string,
): { scheme: string; params: Record<string, string> } | null {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!match) return null;
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (const param of (match[2] ?? "").matchAll(pattern)) {
    const name = (param[1] ?? "").toLowerCase();
    params[name] = param[2] !== undefined ? param[2].replace(/\\(.)/g, "$1") : (param[3] ?? "");
  }
  return { scheme: (match[1] ?? "").toLowerCase(), params };
}

type Outcome = Omit<ImageCheckResult, "image" | "checked_at">;

class Unreachable extends Error {}

/** The configured credentials were refused by the token service. */
const REFUSED = Symbol("refused");

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const name = (error as { name?: string } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") return "no answer in time";
  return cause?.code ?? cause?.message ?? String((error as Error)?.message ?? error);
}

export class RegistryChecker {
  private readonly fetch: typeof fetch;
  private readonly credentials: Map<string, RegistryCredential>;
  private readonly insecure: Set<string>;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly concurrency: number;
  private readonly now: () => Date;
  private readonly cache = new Map<string, { at: number; result: ImageCheckResult }>();

  constructor(options: RegistryCheckerOptions = {}) {
    this.fetch = options.fetch ?? fetch;
    this.credentials = options.credentials ?? new Map<string, RegistryCredential>();
    this.insecure = new Set(options.insecureRegistries ?? []);
    this.timeoutMs = options.timeoutMs ?? 8_000;
    this.cacheMs = options.cacheMs ?? 30_000;
    this.concurrency = options.concurrency ?? 4;
    this.now = options.now ?? (() => new Date());
  }

  /** One result per image, in order; never throws for what a registry answers. */
  async check(images: readonly string[], allowed: readonly string[]): Promise<ImageCheckResult[]> {
    const results = new Array<ImageCheckResult>(images.length);
    let next = 0;
    const worker = async () => {
      while (next < images.length) {
        const index = next++;
        const image = images[index] ?? "";
        results[index] = await this.checkOne(image, allowed);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, images.length) }, worker));
    return results;
  }

  private async checkOne(image: string, allowed: readonly string[]): Promise<ImageCheckResult> {
    const at = this.now();
    const parsed = parseImageReference(image);
    if (!parsed.ok)
      return { image, status: "invalid", message: parsed.message, checked_at: at.toISOString() };
    if (!isAllowedImage(parsed.reference, allowed))
      return {
        image,
        status: "invalid",
        message: `${parsed.reference.domain}/${parsed.reference.path} is not under an allowed registry or prefix.`,
        checked_at: at.toISOString(),
      };
    const key = parsed.reference.canonical;
    const cached = this.cache.get(key);
    if (cached && at.getTime() - cached.at < this.cacheMs) return { ...cached.result, image };
    const outcome = await this.ask(parsed.reference);
    const result = { image, ...outcome, checked_at: at.toISOString() };
    if (result.status === "ok") this.cache.set(key, { at: at.getTime(), result });
    return result;
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(url, {
        ...init,
        redirect: "follow",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new Unreachable(describeNetworkError(error));
    }
  }

  private async ask(reference: ImageReference): Promise<Outcome> {
    const host = registryApiHost(reference.domain);
    const scheme = this.insecure.has(reference.domain) ? "http" : "https";
    const ref = manifestReference(reference);
    const url = `${scheme}://${host}/v2/${reference.path}/manifests/${ref}`;
    const name = `${reference.domain}/${reference.path}`;
    const credential = this.credentials.get(reference.domain);
    const headers: Record<string, string> = { accept: MANIFEST_MEDIA_TYPES.join(", ") };
    try {
      let response = await this.request(url, { method: "HEAD", headers });
      let authenticated = false;
      if (response.status === 401) {
        const challenge = parseChallenge(response.headers.get("www-authenticate") ?? "");
        const authorization = await this.authorize(challenge, reference, credential);
        if (authorization === REFUSED)
          return {
            status: "private",
            message: `${reference.domain} refused the configured credentials for ${reference.path}; ask your infrastructure admins to check them.`,
          };
        if (authorization) {
          authenticated = true;
          headers.authorization = authorization;
          response = await this.request(url, { method: "HEAD", headers });
        }
      }
      if (response.ok) {
        const digest = response.headers.get("docker-content-digest") ?? undefined;
        return {
          status: "ok",
          message: `${name}:${ref} is in the registry.`,
          ...(digest ? { digest } : {}),
        };
      }
      if (response.status === 401 || response.status === 403)
        return {
          status: "private",
          message:
            authenticated && credential
              ? `${reference.domain} does not let the configured credentials pull ${reference.path}: it does not exist, or they lack access.`
              : `${name} was not found, or it is private: ${reference.domain} refused anonymous access. If it is private, ask your infrastructure admins to give Launchpad registry credentials.`,
        };
      if (response.status === 404) return await this.explainMissing(url, headers, name, ref);
      if (response.status === 429)
        return {
          status: "unreachable",
          message: `${reference.domain} is rate-limiting requests (HTTP 429); try again later, or publish anyway.`,
        };
      if (response.status >= 500)
        return {
          status: "unreachable",
          message: `${reference.domain} answered HTTP ${response.status}; you can publish anyway, and the version will record it.`,
        };
      return {
        status: "unreachable",
        message: `${reference.domain} answered HTTP ${response.status} for ${reference.path}.`,
      };
    } catch (error) {
      if (error instanceof Unreachable)
        return {
          status: "unreachable",
          message: `${reference.domain} could not be reached (${error.message}); you can publish anyway, and the version will record it.`,
        };
      throw error;
    }
  }

  /** A 404 from HEAD has no body: GET says whether the tag or the whole repository is missing. */
  private async explainMissing(
    url: string,
    headers: Record<string, string>,
    name: string,
    ref: string,
  ): Promise<Outcome> {
    const response = await this.request(url, { method: "GET", headers });
    const body = (await response.json().catch(() => null)) as {
      errors?: { code?: string }[];
    } | null;
    const code = body?.errors?.[0]?.code;
    if (code === "NAME_UNKNOWN")
      return { status: "missing", message: `There is no repository ${name} (NAME_UNKNOWN).` };
    const what = ref.includes(":") ? `digest ${ref}` : `tag ${ref}`;
    return {
      status: "missing",
      message: `${name} has no ${what}${code ? ` (${code})` : ""}. Check the tag on the registry's page.`,
    };
  }

  /** The Authorization header for a challenge; null: stay anonymous; REFUSED: credentials refused. */
  private async authorize(
    challenge: ReturnType<typeof parseChallenge>,
    reference: ImageReference,
    credential: RegistryCredential | undefined,
  ): Promise<string | null | typeof REFUSED> {
    const basic = credential
      ? `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}`
      : undefined;
    if (challenge?.scheme === "basic") return basic ?? null;
    if (challenge?.scheme !== "bearer" || !challenge.params.realm) return null;
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      return null;
    }
    if (challenge.params.service) realm.searchParams.set("service", challenge.params.service);
    realm.searchParams.set("scope", challenge.params.scope ?? `repository:${reference.path}:pull`);
    const response = await this.request(realm.toString(), {
      headers: basic ? { authorization: basic } : {},
    });
    if (response.status === 401 || response.status === 403) return credential ? REFUSED : null;
    if (!response.ok) throw new Unreachable(`its token service answered HTTP ${response.status}`);
    const body = (await response.json().catch(() => null)) as {
      token?: string;
      access_token?: string;
    } | null;
    const token = body?.token ?? body?.access_token;
    if (!token) throw new Unreachable("its token service sent no token");
    return `Bearer ${token}`;
  }
}
