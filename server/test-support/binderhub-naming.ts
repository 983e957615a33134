/**
 * How BinderHub names what it builds, written for the BinderHub double straight from upstream's
 * source — never from the companion's code, so an e2e test that finds the pod or image the double
 * made checks the companion against BinderHub, not against itself. Checked by
 * binderhub-naming.test.ts against golden vectors that BinderHub's own functions produced
 * (binderhub-naming/vectors.json, made by binderhub-naming/make_vectors.py).
 *
 * Upstream (jupyterhub/binderhub at the commit in vectors.json, b9fad995:
 * https://github.com/jupyterhub/binderhub/tree/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub):
 * - binderhub/builder.py `BuildHandler.get`: `spec.rstrip("/")`, `repo_url =
 *   provider.get_repo_url()`, `ref = await provider.get_resolved_ref()`, the image
 *   `"{image_prefix}{_safe_build_slug(slug, limit=255 - len(image_prefix))}:{ref}"` with `_` → `-`
 *   and lower-cased, and `build_name = _generate_build_name(slug, ref, prefix="build-")`;
 *   `_safe_build_slug` and `_generate_build_name` (same file);
 * - binderhub/build.py `KubernetesBuildExecutor.submit`: the pod is named `build_name`, labelled
 *   `name=<build_name>` and `component=binderhub-build`, annotated `binder-repo=<repo_url>`;
 * - binderhub/repoproviders.py: each provider's `__init__` (how the spec splits),
 *   `get_repo_url()` and `get_build_slug()`.
 * - escapism 1.1.0 `escape()`: each unsafe character becomes `escape_char` + its UTF-8 bytes in
 *   upper-case hex, NOT zero-padded (`f"{byte:X}"`: a tab is `-9`).
 */
import { createHash } from "node:crypto";

import type { Provider } from "../../contract/build.ts";

/** What `get_resolved_ref()` learns from the network and keeps on the provider object. */
export interface Resolution {
  /** gh, gl, git, gist: the commit (or gist version) the ref resolves to. */
  resolvedRef?: string;
  /** zenodo, figshare, dataverse, hydroshare, ckan: `self.record_id`. */
  recordId?: string;
  /** dataverse: `self.identifier` (the dataset's identifier, e.g. `DVN/TJCLKP`). */
  identifier?: string;
}

export interface BinderHubNames {
  /** `get_repo_url()`: the build pod's `binder-repo` annotation. */
  repoUrl: string;
  /** `get_build_slug()`. */
  buildSlug: string;
  /** `get_resolved_ref()`: the image tag. */
  ref: string;
  imageName: string;
  /** The build pod's name. */
  buildPodName: string;
}

/** Raised where upstream's provider raises (BinderHub then fails the build with the message). */
export class ProviderError extends Error {}

/** Where upstream's `get_resolved_ref()` returns None ("Could not resolve ref for …"). */
export class UnresolvedRefError extends Error {}

const ALPHANUMERIC = /^[A-Za-z0-9]$/;

/** escapism.escape(text, safe=[A-Za-z0-9], escape_char) for characters outside `safe`. */
export function escapismEscape(text: string, escapeChar = "_"): string {
  let out = "";
  for (const char of text) {
    if (ALPHANUMERIC.test(char)) {
      out += char;
      continue;
    }
    for (const byte of new TextEncoder().encode(char))
      out += escapeChar + byte.toString(16).toUpperCase();
  }
  return out;
}

/** builder.py `_safe_build_slug(build_slug, limit, hash_length=6)`. */
export function safeBuildSlug(slug: string, limit: number, hashLength = 6): string {
  const hash = createHash("sha256").update(slug, "utf8").digest("hex");
  // The escaped text is ASCII, so Python's code-point slice (a negative end included) is JS's.
  const name = escapismEscape(slug, "-").slice(0, limit - hashLength - 1);
  return `${name}-${hash.slice(0, hashLength)}`.toLowerCase();
}

/** builder.py `_generate_build_name(build_slug, ref, prefix="", limit=63, ref_length=6)`. */
export function generateBuildName(
  slug: string,
  ref: string,
  prefix = "",
  limit = 63,
  refLength = 6,
): string {
  const safeSlug = safeBuildSlug(slug, limit - prefix.length - refLength - 1);
  const safeRef = safeBuildSlug(ref, refLength, 2);
  return `${prefix}${safeSlug}-${safeRef.slice(0, refLength)}`.toLowerCase();
}

/** The image builder.py names: `{image_prefix}{safe slug}:{ref}`, `_` → `-`, lower-cased. */
export function imageName(imagePrefix: string, slug: string, ref: string): string {
  const safe = safeBuildSlug(slug, 255 - imagePrefix.length);
  return `${imagePrefix}${safe}:${ref}`.replaceAll("_", "-").toLowerCase();
}

/**
 * urllib.parse.unquote: every run of `%XX` escapes is decoded as UTF-8 (invalid bytes become
 * U+FFFD), anything else — a lone `%`, `%zz` — is left as it is. Never throws.
 */
export function pyUnquote(text: string): string {
  if (!text.includes("%")) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  });
}

/** Python's `str.split(sep, 1)` into exactly two parts, or the provider's error. */
function splitOnce(text: string, what: string): [string, string] {
  const at = text.indexOf("/");
  if (at === -1) throw new ProviderError(`${what}: not enough values to unpack`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * repoproviders.py `GIT_SSH_PATTERN = ([\w\-]+@[\w\-\.]+):(.+)`, re.IGNORECASE, used with
 * `match` (anchored at the start only). Python's `\w` is Unicode-aware; `.` is anything but "\n".
 */
const GIT_SSH = /^([\p{L}\p{N}_-]+@[\p{L}\p{N}_.-]+):([^\n]+)/u;
const GIT_PROTOCOLS = new Set(["http", "https", "git", "ssh"]);
/** repoproviders.py `HydroshareProvider.url_regex = .*([0-9a-f]{32}).*`, with `match`. */
const HYDROSHARE_ID = /^[^\n]*([0-9a-f]{32})/;

/** urlparse(url).scheme: letters, digits, `+-.` before the first `:`, lower-cased. */
function urlScheme(url: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  return match?.[1]?.toLowerCase() ?? "";
}

/** The git providers' repository after `__init__`. */
function gitRepo(spec: string): { repo: string; unresolvedRef: string } {
  const [escapedUrl, ref] = splitOnce(spec, "git");
  let repo = pyUnquote(escapedUrl);
  const ssh = GIT_SSH.exec(repo);
  if (ssh) repo = `ssh://${ssh[1] ?? ""}/${ssh[2] ?? ""}`;
  const proto = urlScheme(repo);
  if (!GIT_PROTOCOLS.has(proto))
    throw new ProviderError(
      `Unsupported git url ${repo}, protocol ${proto} not in http, https, git, ssh`,
    );
  const unresolvedRef = pyUnquote(ref);
  if (unresolvedRef === "")
    throw new ProviderError(
      "`unresolved_ref` must be specified in the url for the basic git provider",
    );
  return { repo, unresolvedRef };
}

function github(spec: string): { user: string; repo: string; unresolvedRef: string } {
  // tokenize_spec: spec.split("/", 2) must give three parts.
  const first = spec.indexOf("/");
  const second = first === -1 ? -1 : spec.indexOf("/", first + 1);
  if (second === -1)
    throw new ProviderError(`Spec is not of the form "user/repo/ref", provided: "${spec}".`);
  const repo = spec.slice(first + 1, second);
  return {
    user: spec.slice(0, first),
    repo: repo.endsWith(".git") ? repo.slice(0, -4) : repo,
    unresolvedRef: spec.slice(second + 1),
  };
}

function hydroshareId(spec: string): string {
  const id = HYDROSHARE_ID.exec(spec)?.[1];
  if (id === undefined)
    throw new ProviderError("The specified Hydroshare resource id was not recognized.");
  return id;
}

/** urllib.parse.urlparse(url).path: after the scheme and netloc, before `;params`, `?`, `#`. */
function urlparsePath(url: string): string {
  const rest = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, "");
  const afterNetloc = rest.startsWith("//") ? rest.replace(/^\/\/[^/?#]*/, "") : rest;
  const path = afterNetloc.split(/[?#]/, 1)[0] ?? "";
  // _splitparams: a `;` in the last segment starts the params.
  const semicolon = path.indexOf(";", path.lastIndexOf("/"));
  return semicolon === -1 ? path : path.slice(0, semicolon);
}

/**
 * CKANProvider.get_resolved_ref: the dataset id from the path, taken before any request is made;
 * undefined where upstream returns None (no `/dataset/` in the path).
 */
function ckanDatasetId(repo: string): string | undefined {
  const parts = urlparsePath(repo).split("/dataset/");
  if (parts.length < 2) return undefined;
  // `url_prefix, dataset_url = path.split("/dataset/")` raises on a second "/dataset/".
  if (parts.length > 2) throw new ProviderError("too many values to unpack (expected 2)");
  return (parts[1] ?? "").split("/")[0];
}

/** `get_repo_url()` of each provider (the build pod's `binder-repo`). */
export function repoUrl(provider: Provider, rawSpec: string): string {
  const spec = rawSpec.replace(/\/+$/, "");
  switch (provider) {
    case "gh": {
      const { user, repo } = github(spec);
      return `https://github.com/${user}/${repo}`;
    }
    case "gl":
      return `https://gitlab.com/${pyUnquote(splitOnce(spec, "gl")[0])}.git`;
    case "git":
      return gitRepo(spec).repo;
    case "gist": {
      const [user, id] = spec.split("/");
      return `https://gist.github.com/${user ?? ""}/${id ?? ""}.git`;
    }
    case "zenodo":
    case "figshare":
    case "dataverse":
      return spec;
    case "hydroshare":
      return `https://www.hydroshare.org/resource/${hydroshareId(spec)}`;
    case "ckan":
      return pyUnquote(spec);
  }
}

/** `get_build_slug()` of each provider, given what `get_resolved_ref()` set. */
export function buildSlug(provider: Provider, rawSpec: string, resolution: Resolution): string {
  const spec = rawSpec.replace(/\/+$/, "");
  const recordId = () => {
    if (resolution.recordId === undefined)
      throw new ProviderError(`${provider}: no record id (get_resolved_ref did not run)`);
    return resolution.recordId;
  };
  switch (provider) {
    case "gh": {
      const { user, repo } = github(spec);
      return `${user}-${repo}`;
    }
    case "gl":
      return pyUnquote(splitOnce(spec, "gl")[0])
        .split("/")
        .map((part) => part.replaceAll("-", "_-"))
        .join("-");
    case "git":
      return gitRepo(spec).repo;
    case "gist":
      return spec.split("/")[1] ?? "";
    case "zenodo":
      return `zenodo-${recordId()}`;
    case "figshare":
      return `figshare-${recordId()}`;
    case "dataverse":
      return `dataverse-${escapismEscape(resolution.identifier ?? "", "-").toLowerCase()}`;
    case "hydroshare":
      return `hydroshare-${recordId()}`;
    case "ckan": {
      const id = ckanDatasetId(pyUnquote(spec));
      if (id === undefined) throw new ProviderError("Not a CKAN dataset URL");
      return `ckan-${id}`;
    }
  }
}

/** The resolved ref BinderHub tags with: a commit for git providers, else the record id. */
function refOf(provider: Provider, resolution: Resolution): string {
  const ref = ["gh", "gl", "git", "gist"].includes(provider)
    ? resolution.resolvedRef
    : resolution.recordId;
  if (ref === undefined) throw new ProviderError(`${provider}: the ref did not resolve`);
  return ref;
}

export function binderhubNames(
  provider: Provider,
  spec: string,
  resolution: Resolution,
  imagePrefix = "",
): BinderHubNames {
  const slug = buildSlug(provider, spec, resolution);
  const ref = refOf(provider, resolution);
  return {
    repoUrl: repoUrl(provider, spec),
    buildSlug: slug,
    ref,
    imageName: imageName(imagePrefix, slug, ref),
    buildPodName: generateBuildName(slug, ref, "build-"),
  };
}

// ---------------------------------------------------------------------------------------------
// What the double answers where BinderHub would ask the network.

/** The commit of the recorded build (fullbuild.eventsource): binder-examples/octave at HEAD. */
export const RECORDED_BUILD = {
  repoUrl: "https://github.com/binder-examples/octave",
  commit: "1479e0252b2e648bb755ee913292b79495931717",
};

/** repoproviders.py `SHA1_PATTERN.match`: 40 hex digits at the start. */
const SHA1 = /^[0-9a-f]{40}/;

/** A stand-in commit: stable per repository and ref, so another ref gets another image tag. */
function standInCommit(repoUrl: string, ref: string): string {
  if (repoUrl === RECORDED_BUILD.repoUrl && ["HEAD", "main", "master", ""].includes(ref))
    return RECORDED_BUILD.commit;
  return createHash("sha1").update(`${repoUrl}\n${ref}`).digest("hex");
}

/**
 * What `get_resolved_ref()` would learn, made up offline: a commit ref that already is a SHA is
 * kept (as upstream keeps it); other refs resolve to a stand-in commit; a DOI resolves to the
 * record it names (Zenodo's number, Figshare's id and version, v1 when unversioned); Dataverse's
 * identifier is the DOI's suffix; HydroShare and CKAN records carry a fixed modification time.
 */
export function resolveOffline(provider: Provider, rawSpec: string): Resolution {
  const spec = rawSpec.replace(/\/+$/, "");
  const url = repoUrl(provider, spec);
  switch (provider) {
    case "gh":
    case "gl":
    case "git":
    case "gist": {
      const ref =
        provider === "gh"
          ? github(spec).unresolvedRef
          : provider === "gist"
            ? (spec.split("/")[2] ?? "")
            : pyUnquote(splitOnce(spec, provider)[1]);
      return { resolvedRef: SHA1.test(ref) ? ref : standInCommit(url, ref) };
    }
    case "zenodo":
      return { recordId: /zenodo\.(\d+)/.exec(spec)?.[1] ?? "1" };
    case "figshare": {
      const fields = spec.slice(spec.indexOf("/") + 1).split(".");
      const last = fields.at(-1) ?? "";
      return last.startsWith("v")
        ? { recordId: `${fields.at(-2) ?? ""}.v${last.slice(1)}` }
        : { recordId: `${last}.v1` };
    }
    case "dataverse":
      return { identifier: spec.slice(spec.indexOf("/") + 1), recordId: "1.v1.0" };
    case "hydroshare":
      return { recordId: `${hydroshareId(spec)}.v1585005408` };
    case "ckan": {
      const id = ckanDatasetId(pyUnquote(spec));
      if (id === undefined) throw new UnresolvedRefError();
      return { recordId: `${id}.v1643280000` };
    }
  }
}
