/**
 * What BinderHub will call a build, as far as the companion can tell before BinderHub answers:
 * the repository URL it annotates the build pod with (`binder-repo`), the build slug, and the
 * build pod's name. The cancel policy finds the pod to delete by them.
 *
 * Upstream (jupyterhub/binderhub at b9fad995, the commit of the vectors below):
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/repoproviders.py (each provider's `__init__`,
 * `get_repo_url()` and `get_build_slug()`); `BuildHandler.get` (`spec.rstrip("/")`,
 * `build_name = _generate_build_name(provider.get_build_slug(), ref, prefix="build-")`:
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L306, #L413-L415 there), `_generate_build_name` and
 * `_safe_build_slug` (#L84-L140 there); `KubernetesBuildExecutor.submit` (the `binder-repo`
 * annotation, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/build.py#L535-L545). Checked against golden vectors
 * that BinderHub's own functions produced (server/test-support/binderhub-naming/vectors.json).
 *
 * The DOI providers' and HydroShare's slugs depend on records BinderHub looks up
 * (`get_resolved_ref()` sets `record_id`, and Dataverse's `identifier`): without them they are
 * `undefined`. Local mode's BinderHub simulator makes those records up and names its images here.
 * The spec is the raw one the companion forwards (escapes intact).
 */
import { createHash } from "node:crypto";

import type { Provider } from "../../../contract/build.ts";

/** urllib.parse.unquote: runs of `%XX` decode as UTF-8 (bad bytes → U+FFFD); never throws. */
function unquote(text: string): string {
  if (!text.includes("%")) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
    Buffer.from(run.replaceAll("%", ""), "hex").toString("utf8"),
  );
}

/** repoproviders.py GIT_SSH_PATTERN `([\w\-]+@[\w\-\.]+):(.+)` (re.match, IGNORECASE). */
const GIT_SSH = /^([\p{L}\p{N}_-]+@[\p{L}\p{N}_.-]+):([^\n]+)/u;
/** HydroshareProvider.url_regex `.*([0-9a-f]{32}).*` (re.match: the last 32-hex run). */
const HYDROSHARE_ID = /^[^\n]*([0-9a-f]{32})/;

function trimmed(spec: string): { spec: string; parts: string[] } {
  const rstripped = spec.replace(/\/+$/, "");
  return { spec: rstripped, parts: rstripped.split("/") };
}

/** The part before the first `/` (GitLab's namespace, git's URL), as `spec.split("/", 1)[0]`. */
function head(spec: string): string {
  const at = spec.indexOf("/");
  return at === -1 ? spec : spec.slice(0, at);
}

/** GitRepoProvider's repository: the unescaped URL, scp-style `user@host:path` as ssh://. */
function gitRepository(spec: string): string {
  const repo = unquote(head(spec));
  const ssh = GIT_SSH.exec(repo);
  return ssh ? `ssh://${ssh[1] ?? ""}/${ssh[2] ?? ""}` : repo;
}

/** CKANProvider: the dataset id, `path.split("/dataset/")[1].split("/")[0]`. */
function ckanDatasetId(repo: string): string | undefined {
  const path = (
    repo.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, "").split(/[?#]/, 1)[0] ?? ""
  ).replace(/;[^/]*$/, "");
  const parts = path.split("/dataset/");
  return parts.length === 2 ? (parts[1] ?? "").split("/")[0] : undefined;
}

/** `get_repo_url()`: the build pod's `binder-repo` annotation. */
export function binderRepoUrl(provider: Provider, rawSpec: string): string {
  const { spec, parts } = trimmed(rawSpec);
  switch (provider) {
    case "gh":
      return `https://github.com/${parts[0] ?? ""}/${(parts[1] ?? "").replace(/\.git$/, "")}`;
    case "gl":
      return `https://gitlab.com/${unquote(head(spec))}.git`;
    case "git":
      return gitRepository(spec);
    case "gist":
      return `https://gist.github.com/${parts[0] ?? ""}/${parts[1] ?? ""}.git`;
    case "hydroshare": {
      const id = HYDROSHARE_ID.exec(spec)?.[1];
      return id === undefined ? spec : `https://www.hydroshare.org/resource/${id}`;
    }
    case "ckan":
      return unquote(spec);
    case "zenodo":
    case "figshare":
    case "dataverse":
      return spec;
  }
}

/** What `get_resolved_ref()` learns from the network and keeps on the provider object. */
export interface ResolvedRecord {
  /** zenodo, figshare, dataverse, hydroshare: `self.record_id`. */
  recordId?: string;
  /** dataverse: `self.identifier`, the dataset's identifier (e.g. `DVN/TJCLKP`). */
  identifier?: string;
}

/** `get_build_slug()`; undefined where it needs a record it is not given. */
export function buildSlug(
  provider: Provider,
  rawSpec: string,
  record: ResolvedRecord = {},
): string | undefined {
  const { spec, parts } = trimmed(rawSpec);
  switch (provider) {
    case "gh":
      return `${parts[0] ?? ""}-${(parts[1] ?? "").replace(/\.git$/, "")}`;
    case "gl":
      return unquote(head(spec))
        .split("/")
        .map((part) => part.replaceAll("-", "_-"))
        .join("-");
    case "git":
      return gitRepository(spec);
    case "gist":
      return parts[1];
    case "ckan": {
      const id = ckanDatasetId(unquote(spec));
      return id === undefined ? undefined : `ckan-${id}`;
    }
    case "zenodo":
    case "figshare":
    case "hydroshare":
      return record.recordId === undefined ? undefined : `${provider}-${record.recordId}`;
    case "dataverse":
      return record.identifier === undefined
        ? undefined
        : `dataverse-${escapeSlug(record.identifier).toLowerCase()}`;
  }
}

/**
 * escapism.escape(text, safe=[A-Za-z0-9], escape_char="-"): every other UTF-8 byte becomes `-`
 * and its upper-case hex, not zero-padded (`f"{byte:X}"`), as builder.py `_safe_build_slug` and
 * DataverseProvider.get_build_slug use it.
 */
function escapeSlug(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const safe =
      (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122);
    out += safe ? String.fromCharCode(byte) : `-${byte.toString(16).toUpperCase()}`;
  }
  return out;
}

/** builder.py `_safe_build_slug(build_slug, limit, hash_length=6)`. */
export function safeBuildSlug(slug: string, limit: number, hashLength = 6): string {
  const hash = createHash("sha256").update(slug, "utf8").digest("hex");
  return `${escapeSlug(slug).slice(0, limit - hashLength - 1)}-${hash.slice(0, hashLength)}`.toLowerCase();
}

/**
 * The image BinderHub builds (builder.py `BuildHandler.get`): `"{prefix}{build_slug}:{ref}"` with
 * `build_slug = _safe_build_slug(provider.get_build_slug(), limit=255 - len(image_prefix))`, then
 * `.replace("_", "-").lower()`.
 */
export function imageName(imagePrefix: string, slug: string, resolvedRef: string): string {
  const safe = safeBuildSlug(slug, 255 - imagePrefix.length);
  return `${imagePrefix}${safe}:${resolvedRef}`.replaceAll("_", "-").toLowerCase();
}

const BUILD_POD_PREFIX = "build-";
const POD_NAME_LIMIT = 63;
const REF_LENGTH = 6;

/** The part of the build-pod name that does not depend on the resolved ref: `build-<slug>-`. */
export function buildPodNamePrefix(slug: string): string {
  return `${BUILD_POD_PREFIX}${safeBuildSlug(slug, POD_NAME_LIMIT - BUILD_POD_PREFIX.length - REF_LENGTH - 1)}-`;
}

/** builder.py `_generate_build_name(slug, resolved_ref, prefix="build-")`. */
export function buildPodName(slug: string, resolvedRef: string): string {
  return `${buildPodNamePrefix(slug)}${safeBuildSlug(resolvedRef, REF_LENGTH, 2).slice(0, REF_LENGTH)}`;
}
