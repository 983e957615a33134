/**
 * Container image references, read the way Kubernetes' container runtimes read them: the grammar
 * of `github.com/distribution/reference` (regexp.go, reference.go) with Docker's normalisation
 * (normalize.go `ParseNormalizedNamed`, `splitDockerDomain`): `python:3.12` is
 * `docker.io/library/python:3.12`, `jupyter/base-notebook` is `docker.io/jupyter/base-notebook`,
 * and the first path component is a registry only if it has a `.` or a `:`, is `localhost`, or has
 * an upper-case letter. Digests follow `github.com/opencontainers/go-digest` (sha256, sha384 and
 * sha512 in lower-case hex).
 *
 * Shared by the page and the companion: the profile editor checks images with it, and the
 * registry checker asks the registry about exactly the repository and reference parsed here.
 */

export interface ImageReference {
  /** e.g. `docker.io`, `quay.io`, `127.0.0.1:5000`. */
  domain: string;
  /** The repository inside the registry, e.g. `library/python` or `jupyter/scipy-notebook`. */
  path: string;
  tag: string | undefined;
  digest: string | undefined;
  /** `domain/path[:tag][@digest]`: the fully qualified form. */
  canonical: string;
}

export type ImageReferenceResult =
  { ok: true; reference: ImageReference } | { ok: false; message: string; position?: number };

export const DOCKER_HUB_DOMAIN = "docker.io";
const LEGACY_DOCKER_HUB_DOMAIN = "index.docker.io";
const OFFICIAL_REPOSITORY_PREFIX = "library/";
/** reference.go RepositoryNameTotalLengthMax. */
export const REPOSITORY_PATH_MAX_LENGTH = 255;

const ALPHANUMERIC = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|[-]+)";
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const REMOTE_NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const IDENTIFIER = /^[a-f0-9]{64}$/;
/** go-digest's registered algorithms and the length of their lower-case hex encoding. */
const DIGEST_ALGORITHMS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** Every character any part of a reference may hold. */
const REFERENCE_CHARACTERS = /[A-Za-z0-9._:/@+[\]-]/;

function failure(message: string, text: string): ImageReferenceResult {
  const chars = Array.from(text);
  const index = chars.findIndex((c) => !REFERENCE_CHARACTERS.test(c));
  return index === -1 ? { ok: false, message } : { ok: false, message, position: index };
}

/** normalize.go splitDockerDomain: which part names the registry. */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf("/");
  if (slash === -1)
    return { domain: DOCKER_HUB_DOMAIN, remainder: OFFICIAL_REPOSITORY_PREFIX + name };
  const maybeDomain = name.slice(0, slash);
  let domain: string;
  let remainder: string;
  if (
    maybeDomain === "localhost" ||
    /[.:]/.test(maybeDomain) ||
    maybeDomain.toLowerCase() !== maybeDomain
  ) {
    domain = maybeDomain === LEGACY_DOCKER_HUB_DOMAIN ? DOCKER_HUB_DOMAIN : maybeDomain;
    remainder = name.slice(slash + 1);
  } else {
    domain = DOCKER_HUB_DOMAIN;
    remainder = name;
  }
  if (domain === DOCKER_HUB_DOMAIN && !remainder.includes("/"))
    remainder = OFFICIAL_REPOSITORY_PREFIX + remainder;
  return { domain, remainder };
}

/** Parses an image reference as a container runtime would pull it. */
export function parseImageReference(text: string): ImageReferenceResult {
  if (text === "") return { ok: false, message: "An image reference cannot be empty." };
  if (IDENTIFIER.test(text))
    return {
      ok: false,
      message: "A bare 64-character hex string is an image id, not a reference a node can pull.",
    };
  const { domain, remainder } = splitDockerDomain(text);
  const at = remainder.indexOf("@");
  const beforeDigest = at === -1 ? remainder : remainder.slice(0, at);
  const digest = at === -1 ? undefined : remainder.slice(at + 1);
  const colon = beforeDigest.lastIndexOf(":");
  const path = colon === -1 ? beforeDigest : beforeDigest.slice(0, colon);
  const tag = colon === -1 ? undefined : beforeDigest.slice(colon + 1);

  if (path.toLowerCase() !== path)
    return failure(`The repository name "${path}" must be lower-case.`, text);
  if (!DOMAIN.test(domain))
    return failure(`"${domain}" is not a valid registry host[:port].`, text);
  if (!REMOTE_NAME.test(path))
    return failure(
      `"${path}" is not a valid repository name: lower-case letters and digits, separated by '.', '_', '__', '-' or '/'.`,
      text,
    );
  if (path.length > REPOSITORY_PATH_MAX_LENGTH)
    return {
      ok: false,
      message: `The repository name is longer than ${REPOSITORY_PATH_MAX_LENGTH} characters.`,
    };
  if (tag !== undefined && !TAG.test(tag))
    return failure(
      `"${tag}" is not a valid tag: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'.`,
      text,
    );
  if (digest !== undefined) {
    if (!DIGEST.test(digest)) return failure(`"${digest}" is not a valid digest.`, text);
    const [algorithm = "", encoded = ""] = digest.split(":");
    const expected = DIGEST_ALGORITHMS[algorithm];
    if (expected === undefined)
      return {
        ok: false,
        message: `The digest algorithm "${algorithm}" is not supported (use sha256).`,
      };
    if (encoded.length !== expected || !/^[a-f0-9]+$/.test(encoded))
      return {
        ok: false,
        message: `A ${algorithm} digest is ${expected} lower-case hex digits.`,
      };
  }
  const canonical = `${domain}/${path}${tag === undefined ? "" : `:${tag}`}${digest === undefined ? "" : `@${digest}`}`;
  return { ok: true, reference: { domain, path, tag, digest, canonical } };
}

/** The host the registry's HTTP API answers on: Docker Hub's is not `docker.io`. */
export function registryApiHost(domain: string): string {
  return domain === DOCKER_HUB_DOMAIN ? "registry-1.docker.io" : domain;
}

/** The tag or digest a manifest request asks for (`latest` when the reference names neither). */
export function manifestReference(reference: ImageReference): string {
  return reference.digest ?? reference.tag ?? "latest";
}

/**
 * Does a canonical reference fall under an allowed entry? An entry is a registry (`quay.io`), a
 * repository prefix on a path boundary (`quay.io/jupyter` covers `quay.io/jupyter/scipy-notebook`
 * but not `quay.io/jupyterhub`), or one repository; `*` allows any image. Entries are normalised
 * as references are, so `python` allows `docker.io/library/python`.
 */
export function isAllowedImage(reference: ImageReference, allowed: readonly string[]): boolean {
  const repository = `${reference.domain}/${reference.path}`;
  return allowed.some((entry) => {
    if (entry === "*") return true;
    const prefix = normaliseAllowedImage(entry);
    return prefix !== null && (repository === prefix || repository.startsWith(`${prefix}/`));
  });
}

/** An allowed-images entry in canonical form (`domain` or `domain/path`), or null if it is invalid. */
export function normaliseAllowedImage(entry: string): string | null {
  const trimmed = entry.replace(/\/+$/, "");
  if (trimmed === "") return null;
  if (!trimmed.includes("/") && /[.:]|^localhost$/.test(trimmed))
    return DOMAIN.test(trimmed)
      ? trimmed === LEGACY_DOCKER_HUB_DOMAIN
        ? DOCKER_HUB_DOMAIN
        : trimmed
      : null;
  const parsed = parseImageReference(trimmed);
  if (!parsed.ok || parsed.reference.tag !== undefined || parsed.reference.digest !== undefined)
    return null;
  return `${parsed.reference.domain}/${parsed.reference.path}`;
}
