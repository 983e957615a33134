/**
 * "Your Projects": one repository a user has built and launched, with its own folder of work at
 * `<home root>/projects/<id>` on the user's volume (docs/projects.md).
 *
 * Shared by the page and the companion. The id derivation here is synchronous and identical in the
 * browser and in Node, because the page computes it before a build and the companion recomputes it.
 */
import * as z from "zod/mini";

import { ProviderSchema, type Provider } from "./build.ts";
import { parseImageReference } from "./image-reference.ts";
import { describeInvisibleCharacter, findInvisibleCharacters } from "./invisible-characters.ts";
import { PROVIDER_REFS } from "./providers/catalog.ts";
import { isBuildRef } from "./providers/repository.ts";
import { sha256Hex } from "./sha256.ts";

/**
 * A project id: it names a folder on users' volumes, so nothing else may pass.
 * The hub glue has the same regex in Python (`PROJECT_ID_RE` in chart/files/launchpad_glue.py);
 * keep the two identical. The removal Job's shell `case` pattern mirrors it too.
 */
export const PROJECT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$/;
export const PROJECT_ID_MAX_LENGTH = 80;

export function isProjectId(value: string): boolean {
  return PROJECT_ID_PATTERN.test(value);
}

/** The folder of a project, relative to the user's home root (the original subPath). */
export function projectFolder(id: string): string {
  return `projects/${id}`;
}

// ---------------------------------------------------------------------------------------------
// Records and API shapes
// ---------------------------------------------------------------------------------------------

export const ProjectIdSchema = z.string().check(z.regex(PROJECT_ID_PATTERN));

export const PROJECT_STATES = ["ready", "deleting", "delete-failed"] as const;
export const ProjectStateSchema = z.enum(PROJECT_STATES);
export type ProjectState = z.infer<typeof ProjectStateSchema>;

/** Where a project's files live, copied from the annotations of a real pod. */
export const ProjectStorageSchema = z.object({
  /** A Kubernetes volume source without `name`, exactly as the pod had it. */
  volume: z.record(z.string(), z.unknown()),
  /** The home mount's original subPath (the user's home root on the volume); "" if none. */
  sub_path: z.string(),
  mount_path: z.string(),
  run_as_uid: z.optional(z.int().check(z.nonnegative())),
  run_as_gid: z.optional(z.int().check(z.nonnegative())),
});
export type ProjectStorage = z.infer<typeof ProjectStorageSchema>;

export const ProjectDeletionSchema = z.object({
  requested_at: z.iso.datetime(),
  /** Who asked (the user or an admin). */
  requested_by: z.string(),
  /** The removal Job's name in cluster mode. */
  job_name: z.optional(z.string()),
  /** Why the last attempt failed, when `state` is `delete-failed`. */
  message: z.optional(z.string()),
});
export type ProjectDeletion = z.infer<typeof ProjectDeletionSchema>;

/**
 * A start the user asked for and the companion has not yet seen happen: what the record becomes
 * once a server runs on the project with this image (server/src/projects/service.ts).
 */
export const PendingLaunchSchema = z.object({
  requested_at: z.iso.datetime(),
  ref: z.string(),
  resolved_commit: z.optional(z.string()),
  image: z.string(),
  profile_slug: z.string(),
});
export type PendingLaunch = z.infer<typeof PendingLaunchSchema>;

export const ProjectSchema = z.object({
  id: ProjectIdSchema,
  provider: ProviderSchema,
  /** Normalised with `projectRepository`. */
  repository: z.string(),
  /**
   * The branch, tag or commit, image and profile of the last start a server ran with (of the
   * first start asked for, until one has run).
   */
  ref: z.string(),
  resolved_commit: z.optional(z.string()),
  image: z.string(),
  profile_slug: z.string(),
  display_name: z.string(),
  created_at: z.iso.datetime(),
  /** When a server last started on the project, as the companion saw it; absent until one has. */
  last_launched_at: z.optional(z.iso.datetime()),
  /** The start asked for last, until a server runs with it (or another start is asked for). */
  pending_launch: z.optional(PendingLaunchSchema),
  state: ProjectStateSchema,
  /** Absent until the companion has seen a server running on the project. */
  storage: z.optional(ProjectStorageSchema),
  deletion: z.optional(ProjectDeletionSchema),
});
export type Project = z.infer<typeof ProjectSchema>;

/** `GET api/projects[?user=<name>]` (another user's only for admins). */
export const ProjectListResponseSchema = z.object({
  user: z.string(),
  projects: z.array(ProjectSchema),
  /** The most projects this user may keep; 0 means no limit. */
  limit: z.int().check(z.nonnegative()),
  /** Projects counting toward the limit (those being deleted do not). */
  used: z.int().check(z.nonnegative()),
  /** Projects a server of this user runs on now: they cannot be deleted. */
  running_project_ids: z.optional(z.array(ProjectIdSchema)),
  /** Projects a start was asked for that has neither run nor visibly failed yet. */
  starting_project_ids: z.optional(z.array(ProjectIdSchema)),
});
export type ProjectListResponse = z.infer<typeof ProjectListResponseSchema>;

/**
 * A commit as BinderHub tags the image it built from a git repository (the resolved ref,
 * abbreviated or full, SHA-1 or SHA-256).
 */
export const COMMIT_PATTERN = /^[0-9a-f]{7,64}$/;

/**
 * Text shown to people as it is (a project's display name): nothing invisible — no control
 * characters, no zero-width or bidi format characters, no unpaired surrogates, no spaces at
 * either end (invisible-characters.ts, the profile editor's rule for display names too).
 */
const DisplayTextSchema = z.string().check(
  z.minLength(1),
  z.maxLength(512),
  z.refine((text) => findInvisibleCharacters(text).length === 0, {
    error: (issue) => {
      const [first] = findInvisibleCharacters(String(issue.input));
      return `remove the ${first ? describeInvisibleCharacter(first) : "invisible character"}`;
    },
  }),
);

/** A container image reference a node can pull (image-reference.ts: distribution's grammar). */
const ImageSchema = z.string().check(
  z.maxLength(1024),
  z.refine((text) => parseImageReference(text).ok, {
    error: (issue) => {
      const parsed = parseImageReference(String(issue.input));
      if (parsed.ok) return "not an image reference a node can pull";
      // Where the text holds a character no reference may, say where rather than echo it.
      return parsed.position === undefined
        ? `not an image reference a node can pull: ${parsed.message}`
        : `not an image reference a node can pull: character ${parsed.position + 1} cannot be part of one`;
    },
  }),
);

/**
 * `POST api/projects/<id>/launch`: the user is starting a server on the project (the page sends it
 * when the spawn form is submitted). Creates the record, under the per-user limit, and records the
 * start as `pending_launch`; `last_launched_at`, ref and image change only once a server runs.
 * Each field is checked by its grammar, here, for the page and the companion alike: the ref is
 * one a build of the provider uses (a git ref name: `isBuildRef`), the image a pullable reference,
 * the display name visible text.
 */
export const LaunchProjectRequestSchema = z
  .object({
    provider: ProviderSchema,
    repository: z.string().check(z.minLength(1), z.maxLength(2048)),
    ref: z.string().check(z.maxLength(255)),
    resolved_commit: z.optional(z.string().check(z.regex(COMMIT_PATTERN, "not a commit id"))),
    image: ImageSchema,
    profile_slug: z.string().check(z.minLength(1), z.maxLength(256)),
    display_name: DisplayTextSchema,
  })
  .check(
    z.refine((request) => isBuildRef(request.provider, request.ref), {
      path: ["ref"],
      error: (issue) => {
        const { provider } = issue.input as { provider: Provider };
        return PROVIDER_REFS[provider].hasRef
          ? "not a git branch, tag or commit name"
          : "this provider builds a record, which has no ref: send an empty ref";
      },
    }),
  );
export type LaunchProjectRequest = z.infer<typeof LaunchProjectRequestSchema>;

export const LaunchProjectResponseSchema = z.object({
  project: ProjectSchema,
  created: z.boolean(),
  /** Same repository, another ref: the files are kept and the image is replaced. */
  ref_changed: z.boolean(),
  previous_ref: z.optional(z.string()),
});
export type LaunchProjectResponse = z.infer<typeof LaunchProjectResponseSchema>;

/** The 409 body when a new project would exceed the limit (an `ApiError` plus the figures). */
export const ProjectLimitErrorSchema = z.object({
  status: z.literal(409),
  message: z.string(),
  reason: z.literal("project-limit"),
  limit: z.int(),
  used: z.int(),
});
export type ProjectLimitError = z.infer<typeof ProjectLimitErrorSchema>;

/**
 * `DELETE api/projects/<id>[?user=<name>]`: 202 with `state: "deleting"` while the folder is being
 * removed (cluster), 200 with `state: "removed"` once the record is gone.
 */
export const DeleteProjectResponseSchema = z.object({
  id: ProjectIdSchema,
  state: z.enum(["deleting", "removed"]),
  project: z.optional(ProjectSchema),
});
export type DeleteProjectResponse = z.infer<typeof DeleteProjectResponseSchema>;

// ---------------------------------------------------------------------------------------------
// The repository a project is keyed on, and the project id
// ---------------------------------------------------------------------------------------------

export interface ProjectRepository {
  provider: Provider;
  /** The repository as stored and shown: a URL, or a DOI for the DOI providers. */
  repository: string;
  /** Lower-case host (with a non-default port) the id is keyed on. */
  host: string;
  /** Path without leading or trailing slash, in the case rules of the provider. */
  path: string;
}

export type ProjectRepositoryResult =
  ({ ok: true } & ProjectRepository) | { ok: false; message: string };

/**
 * The repository a PROJECT is keyed on, from what a user typed (not the repository value of
 * BinderHub's spec: that is `specRepository` in contract/providers/repository.ts).
 *
 * Rules (each is tested in contract/projects.test.ts; changing one changes users' folder names):
 * - Everywhere: surrounding whitespace is trimmed; `http://` becomes `https://`; the host is
 *   lower-cased (WHATWG URL rules, default ports dropped); query strings and fragments are dropped;
 *   a trailing slash and a trailing `.git` are dropped; empty path segments are dropped; URLs with
 *   a password are refused (credentials never reach a record).
 * - `gh`: `owner/repo`, a github.com URL (`www.` dropped) or `git@github.com:owner/repo` (what
 *   the build form accepts too). Only `owner/repo`; a trailing
 *   `/tree/…`, `/blob/…`, `/commit/…` or `/releases/…` is dropped (that is a ref). GitHub paths are
 *   case-insensitive, so the path is lower-cased.
 * - `gl`: `group/…/project` (gitlab.com), a URL-escaped namespace (`group%2Fproject`), a URL of
 *   any GitLab host, or `git@gitlab.com:group/project`; a trailing `/-/…` is dropped. Lower-cased path (GitLab paths are
 *   case-insensitive).
 * - `gist`: `user/gist-id` or a gist.github.com URL; a third segment (a revision) is dropped.
 *   Lower-cased path.
 * - `git`: an `https://`, `http://`, `git://` or `ssh://` URL, or scp-like `user@host:path`
 *   (BinderHub maps it to ssh). The path keeps its case (generic servers may be case-sensitive).
 *   The scheme and the ssh user are not part of the key, so the same repository over https and
 *   over ssh is one project. A github.com URL under `git` is a `git` project, not a `gh` one: the
 *   provider is part of the key.
 * - `zenodo`, `figshare`, `dataverse`: a DOI, as `10.x/…`, `doi:10.x/…` or a `doi.org`/`dx.doi.org`
 *   URL; DOIs are case-insensitive, so lower-cased. For `zenodo`, a zenodo.org record URL
 *   (`/records/<n>`, `/record/<n>`) is the DOI `10.5281/zenodo.<n>` Zenodo mints for that record;
 *   for `dataverse`, a `…?persistentId=doi:…` URL is its DOI. A version in a DOI (figshare's
 *   `.v1`, Zenodo's per-version record) is part of the DOI, so versions are different projects.
 *   The stored repository is the bare DOI; the key's host is `doi.org`.
 * - `hydroshare`: a 32-hex resource id, or a hydroshare.org URL containing it; lower-cased, stored
 *   as `https://www.hydroshare.org/resource/<id>`.
 * - `ckan`: a dataset URL containing `/dataset/<name>`; everything after the dataset name
 *   (`/history/<id>`, `/resource/<id>`) and the query (`?activity_id=`) is dropped; the path keeps
 *   its case. A dataset's name and its UUID are different projects (they cannot be told apart
 *   offline).
 * - The ref is never part of the key: same repository, another ref, same project.
 */
export function projectRepository(provider: Provider, input: string): ProjectRepositoryResult {
  const text = input.trim();
  if (text === "") return fail("The repository is empty.");
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\s\u0000-\u001f\u007f]/.test(text))
    return fail("The repository contains spaces or control characters.");
  switch (provider) {
    case "gh":
      return hostedPath(provider, text, {
        hosts: ["github.com", "www.github.com"],
        canonicalHost: "github.com",
        exactSegments: 2,
        refSegments: ["tree", "blob", "commit", "commits", "releases"],
      });
    case "gist":
      return hostedPath(provider, text, {
        hosts: ["gist.github.com"],
        canonicalHost: "gist.github.com",
        exactSegments: 2,
        dropAfter: 2,
      });
    case "gl":
      return gitlab(text);
    case "git":
      return genericGit(text);
    case "zenodo":
    case "figshare":
    case "dataverse":
      return doiProvider(provider, text);
    case "hydroshare":
      return hydroshare(text);
    case "ckan":
      return ckan(text);
  }
}

/** The string the id's hash is taken of: `"<provider>:<host>/<path>"`. */
export function canonicalProjectKey(repo: ProjectRepository): string {
  return `${repo.provider}:${repo.host}/${repo.path}`;
}

const PREFIX_MAX_LENGTH = 48;

/**
 * The project id: a readable prefix from the last one or two path segments, plus the first 8 hex
 * digits of SHA-256 of the canonical key. THE ID IS FOREVER: it names a folder on users' volumes,
 * so this function and `projectRepository` must never change what they return for an input
 * (golden tests guard it). Throws on a repository that does not normalise.
 */
export function projectId(provider: Provider, repository: string): string {
  const normalised = projectRepository(provider, repository);
  if (!normalised.ok) throw new Error(normalised.message);
  return projectIdOf(normalised);
}

export function projectIdOf(repo: ProjectRepository): string {
  const hash = sha256Hex(canonicalProjectKey(repo)).slice(0, 8);
  const segments = repo.path.split("/");
  const readable = slug(segments.slice(-2).join("-"))
    .slice(0, PREFIX_MAX_LENGTH)
    .replace(/-+$/, "");
  return readable === "" ? hash : `${readable}-${hash}`;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function fail(message: string): ProjectRepositoryResult {
  return { ok: false, message };
}

function ok(
  provider: Provider,
  repository: string,
  host: string,
  path: string,
): ProjectRepositoryResult {
  return { ok: true, provider, repository, host, path };
}

interface ParsedUrl {
  host: string;
  segments: string[];
  search: URLSearchParams;
}

/** Parse an http(s) URL (upgrading http), refusing credentials. */
function parseWebUrl(text: string): ParsedUrl | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "The repository is not a valid URL.";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return "Only http(s) URLs are allowed here.";
  if (url.password !== "") return "Remove the password from the URL.";
  if (url.username !== "") return "Remove the user name from the URL.";
  const port = url.port === "" || url.port === "443" ? "" : `:${url.port}`;
  return {
    host: url.hostname + port,
    segments: pathSegments(url.pathname),
    search: url.searchParams,
  };
}

function pathSegments(pathname: string): string[] {
  return pathname.split("/").filter((segment) => segment !== "");
}

function hasScheme(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

function stripGitSuffix(segments: string[]): string[] {
  const last = segments.at(-1);
  if (last === undefined || !last.endsWith(".git")) return segments;
  const trimmed = last.slice(0, -4);
  return trimmed === "" ? segments.slice(0, -1) : [...segments.slice(0, -1), trimmed];
}

/** GitHub, GitLab and Gist names use only these characters (after lower-casing). */
function isHostedSegment(segment: string): boolean {
  return /^[a-z0-9._-]+$/.test(segment);
}

function hasDotSegments(segments: string[]): boolean {
  return segments.some((segment) => segment === "." || segment === ".." || /%2e/i.test(segment));
}

interface HostedPathRules {
  hosts: string[];
  canonicalHost: string;
  exactSegments: number;
  /** Segments after `exactSegments` are allowed only when they start with one of these. */
  refSegments?: string[];
  /** Segments from this index on are dropped. */
  dropAfter?: number;
}

function hostedPath(
  provider: Provider,
  text: string,
  rules: HostedPathRules,
): ProjectRepositoryResult {
  let segments: string[];
  const bareHost = rules.hosts.find((host) => text.toLowerCase().startsWith(`${host}/`));
  const sshHost = rules.hosts.find((host) => text.toLowerCase().startsWith(`git@${host}:`));
  const webText =
    bareHost !== undefined
      ? `https://${text}`
      : sshHost !== undefined
        ? `https://${sshHost}/${text.slice(`git@${sshHost}:`.length)}`
        : text;
  if (hasScheme(webText)) {
    const parsed = parseWebUrl(webText);
    if (typeof parsed === "string") return fail(parsed);
    if (!rules.hosts.includes(parsed.host))
      return fail(`Use a ${rules.canonicalHost} repository here.`);
    segments = parsed.segments;
  } else {
    segments = pathSegments(text.split(/[?#]/, 1)[0] ?? "");
  }
  if (rules.dropAfter !== undefined) segments = segments.slice(0, rules.dropAfter);
  if (segments.length > rules.exactSegments) {
    const marker = segments[rules.exactSegments] ?? "";
    if (!rules.refSegments?.includes(marker.toLowerCase()))
      return fail("The repository path has too many parts.");
    segments = segments.slice(0, rules.exactSegments);
  }
  segments = stripGitSuffix(segments.map((segment) => segment.toLowerCase()));
  if (
    segments.length !== rules.exactSegments ||
    hasDotSegments(segments) ||
    !segments.every(isHostedSegment)
  ) {
    return fail("The repository must look like owner/name.");
  }
  const path = segments.join("/");
  return ok(provider, `https://${rules.canonicalHost}/${path}`, rules.canonicalHost, path);
}

function gitlab(text: string): ProjectRepositoryResult {
  let host = "gitlab.com";
  let segments: string[];
  const lower = text.toLowerCase();
  const bare = lower.startsWith("gitlab.com/")
    ? `https://${text}`
    : lower.startsWith("git@gitlab.com:")
      ? `https://gitlab.com/${text.slice("git@gitlab.com:".length)}`
      : text;
  if (hasScheme(bare)) {
    const parsed = parseWebUrl(bare);
    if (typeof parsed === "string") return fail(parsed);
    host = parsed.host;
    segments = parsed.segments;
  } else {
    let decoded: string;
    try {
      decoded = decodeURIComponent(text.split(/[?#]/, 1)[0] ?? "");
    } catch {
      return fail("The repository is not validly escaped.");
    }
    segments = pathSegments(decoded);
  }
  const dash = segments.indexOf("-");
  if (dash !== -1) segments = segments.slice(0, dash);
  segments = stripGitSuffix(segments.map((segment) => segment.toLowerCase()));
  if (segments.length < 2 || hasDotSegments(segments) || !segments.every(isHostedSegment)) {
    return fail("The repository must look like group/project.");
  }
  const path = segments.join("/");
  return ok("gl", `https://${host}/${path}`, host, path);
}

function genericGit(text: string): ProjectRepositoryResult {
  // scp-like `user@host:path` is what `git clone` accepts and BinderHub maps to ssh://.
  const scp = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(text);
  if (scp !== null) return sshLike("ssh", scp[1] ?? "", scp[2] ?? "", "", scp[3] ?? "");
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (match === null) return fail("Enter the repository's full URL (https://…).");
  const scheme = (match[1] ?? "").toLowerCase();
  if (scheme === "https" || scheme === "http") {
    const parsed = parseWebUrl(text);
    if (typeof parsed === "string") return fail(parsed);
    const segments = stripGitSuffix(parsed.segments);
    if (segments.length === 0 || hasDotSegments(segments))
      return fail("The URL has no repository path.");
    const path = segments.join("/");
    return ok("git", `https://${parsed.host}/${path}`, parsed.host, path);
  }
  if (scheme !== "ssh" && scheme !== "git")
    return fail("Only https, ssh and git URLs are allowed.");
  // WHATWG URL leaves non-special schemes' hosts alone, so split by hand.
  const rest = text.slice(match[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const pathPart = authorityEnd === -1 ? "" : (rest.slice(authorityEnd).split(/[?#]/, 1)[0] ?? "");
  const at = authority.lastIndexOf("@");
  const user = at === -1 ? "" : authority.slice(0, at);
  if (user.includes(":")) return fail("Remove the password from the URL.");
  const hostPort = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(authority.slice(at + 1));
  if (hostPort === null) return fail("The URL's host is not valid.");
  return sshLike(scheme, user, hostPort[1] ?? "", hostPort[2] ?? "", pathPart);
}

function sshLike(
  scheme: string,
  user: string,
  hostname: string,
  port: string,
  rawPath: string,
): ProjectRepositoryResult {
  const defaultPort = scheme === "ssh" ? "22" : "9418";
  const host = hostname.toLowerCase() + (port === "" || port === defaultPort ? "" : `:${port}`);
  if (hostname === "") return fail("The URL has no host.");
  const segments = stripGitSuffix(pathSegments(rawPath));
  if (segments.length === 0 || hasDotSegments(segments))
    return fail("The URL has no repository path.");
  const path = segments.join("/");
  const userPart = user === "" ? "" : `${user}@`;
  return ok("git", `${scheme}://${userPart}${host}/${path}`, host, path);
}

const DOI_PATTERN = /^10\.\d{4,9}\/\S+$/;

function doiProvider(provider: Provider, text: string): ProjectRepositoryResult {
  let doi: string | undefined;
  if (/^doi:/i.test(text)) {
    doi = text.slice(4);
  } else if (hasScheme(text)) {
    const parsed = parseWebUrl(text);
    if (typeof parsed === "string") return fail(parsed);
    if (parsed.host === "doi.org" || parsed.host === "dx.doi.org") {
      doi = decodeSegments(parsed.segments);
    } else if (
      provider === "zenodo" &&
      (parsed.host === "zenodo.org" || parsed.host === "www.zenodo.org")
    ) {
      const [kind, record] = parsed.segments;
      if (
        (kind === "records" || kind === "record") &&
        record !== undefined &&
        /^\d+$/.test(record)
      ) {
        doi = `10.5281/zenodo.${record}`;
      } else if (kind === "doi") {
        doi = decodeSegments(parsed.segments.slice(1));
      }
    } else if (provider === "dataverse") {
      const persistentId = parsed.search.get("persistentId") ?? "";
      if (/^doi:/i.test(persistentId)) doi = persistentId.slice(4);
    }
    if (doi === undefined) return fail("Enter a DOI (10.…/…) or its https://doi.org/ link.");
  } else {
    doi = text;
  }
  if (doi === undefined) return fail("Enter a DOI.");
  doi = doi.replace(/\/+$/, "").toLowerCase();
  if (!DOI_PATTERN.test(doi)) return fail("Enter a DOI (10.…/…) or its https://doi.org/ link.");
  const segments = doi.split("/");
  if (hasDotSegments(segments)) return fail("The DOI is not valid.");
  return ok(provider, doi, "doi.org", doi);
}

function decodeSegments(segments: string[]): string | undefined {
  try {
    return segments.map((segment) => decodeURIComponent(segment)).join("/");
  } catch {
    return undefined;
  }
}

function hydroshare(text: string): ProjectRepositoryResult {
  let candidate = text;
  if (hasScheme(text)) {
    const parsed = parseWebUrl(text);
    if (typeof parsed === "string") return fail(parsed);
    if (parsed.host !== "hydroshare.org" && parsed.host !== "www.hydroshare.org") {
      return fail("Use a hydroshare.org resource link or id.");
    }
    candidate = parsed.segments.find((segment) => /^[0-9a-f]{32}$/i.test(segment)) ?? "";
  }
  if (!/^[0-9a-f]{32}$/i.test(candidate))
    return fail("Enter a HydroShare resource id (32 hex digits) or its link.");
  const path = `resource/${candidate.toLowerCase()}`;
  return ok("hydroshare", `https://www.hydroshare.org/${path}`, "www.hydroshare.org", path);
}

function ckan(text: string): ProjectRepositoryResult {
  if (!hasScheme(text)) return fail("Enter the CKAN dataset's URL (https://…/dataset/…).");
  const parsed = parseWebUrl(text);
  if (typeof parsed === "string") return fail(parsed);
  const index = parsed.segments.indexOf("dataset");
  const name = index === -1 ? undefined : parsed.segments[index + 1];
  if (name === undefined) return fail("A CKAN dataset URL contains /dataset/<name>.");
  const segments = parsed.segments.slice(0, index + 2);
  if (hasDotSegments(segments)) return fail("The URL is not valid.");
  const path = segments.join("/");
  return ok("ckan", `https://${parsed.host}/${path}`, parsed.host, path);
}
