/**
 * Repository providers: what the page asks for, and the exact `<spec>` BinderHub expects after
 * `/build/<provider>/` (reference/binderhub.md §A.2, binderhub/repoproviders.py). Used by the page
 * (form labels, validation, paste-a-URL) and by the companion, which runs every incoming spec
 * through `parseSpec` before anything goes upstream.
 *
 * One rule makes the server side safe: `parseSpec` accepts a spec only if `toSpec` produces exactly
 * that string from what it parsed. Anything else — `..` segments, control characters, empty parts,
 * a second encoding of the same value — is refused, so the companion forwards only specs it could
 * have built itself.
 *
 * Refs are limited to a conservative subset of git's ref syntax (letters, digits, `. _ - / + @ = ,`)
 * so they never need URL-escaping: BinderHub takes the raw request path as the spec
 * (base.py `get_spec_from_request`, "tornado converts 'foo%2Fbar/ref' to 'foo/bar/ref'") and the gh
 * provider splits on the first two `/` only, so a ref may contain `/`.
 */
import * as z from "zod/mini";

import { PROVIDERS, ProviderSchema, type Provider } from "./build.ts";

export { PROVIDERS, ProviderSchema, type Provider };

/** What a user asks to build: the form's values, and what the page remembers between visits. */
export const BuildSourceSchema = z.object({
  provider: ProviderSchema,
  repo: z.string(),
  ref: z.string(),
});
export type BuildSource = z.infer<typeof BuildSourceSchema>;

export interface ProviderInfo {
  readonly id: Provider;
  readonly displayName: string;
  /** The label of the repository field. */
  readonly repoLabel: string;
  readonly placeholder: string;
  /** Whether the provider builds a chosen branch, tag or commit (the others are versioned records). */
  readonly hasRef: boolean;
  /** Whether an empty ref is allowed and means "latest" (a gist's spec may end without a ref). */
  readonly refOptional: boolean;
}

export const DEFAULT_REF = "HEAD";

export const PROVIDER_INFO: Readonly<Record<Provider, ProviderInfo>> = {
  gh: {
    id: "gh",
    displayName: "GitHub",
    repoLabel: "GitHub repository",
    placeholder: "owner/repository or https://github.com/owner/repository",
    hasRef: true,
    refOptional: false,
  },
  gl: {
    id: "gl",
    displayName: "GitLab.com",
    repoLabel: "GitLab.com project",
    placeholder: "group/project or https://gitlab.com/group/project",
    hasRef: true,
    refOptional: false,
  },
  git: {
    id: "git",
    displayName: "Git repository",
    repoLabel: "Git repository URL",
    placeholder: "https://example.org/group/repository.git",
    hasRef: true,
    refOptional: false,
  },
  gist: {
    id: "gist",
    displayName: "GitHub Gist",
    repoLabel: "Gist",
    placeholder: "user/gist-id or https://gist.github.com/user/gist-id",
    hasRef: true,
    refOptional: true,
  },
  zenodo: {
    id: "zenodo",
    displayName: "Zenodo",
    repoLabel: "Zenodo DOI",
    placeholder: "10.5281/zenodo.3242074 or https://zenodo.org/records/3242074",
    hasRef: false,
    refOptional: true,
  },
  figshare: {
    id: "figshare",
    displayName: "Figshare",
    repoLabel: "Figshare DOI",
    placeholder: "10.6084/m9.figshare.9782777.v1",
    hasRef: false,
    refOptional: true,
  },
  dataverse: {
    id: "dataverse",
    displayName: "Dataverse",
    repoLabel: "Dataverse DOI",
    placeholder: "10.7910/DVN/TJCLKP",
    hasRef: false,
    refOptional: true,
  },
  hydroshare: {
    id: "hydroshare",
    displayName: "HydroShare",
    repoLabel: "HydroShare resource",
    placeholder: "resource id or https://www.hydroshare.org/resource/<id>/",
    hasRef: false,
    refOptional: true,
  },
  ckan: {
    id: "ckan",
    displayName: "CKAN",
    repoLabel: "CKAN dataset URL",
    placeholder: "https://demo.ckan.org/dataset/<name>",
    hasRef: false,
    refOptional: true,
  },
};

// --- building blocks -------------------------------------------------------------------------

// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/;
/** Printable ASCII that is safe inside a URL we forward (no quotes, brackets, backslash or `#`). */
const URL_CHARS = /^[A-Za-z0-9\-._~:/?=&%@+,;!$'()*]+$/;

const GH_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const GH_REPO = /^[A-Za-z0-9._-]{1,100}$/;
const GL_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;
const GIST_ID = /^(?:[0-9a-f]{20,32}|[0-9]{1,12})$/;
const DOI = /^10\.[0-9]{4,9}\/[A-Za-z0-9._;()/:+-]+$/;
const HYDROSHARE_ID = /^[0-9a-f]{32}$/;
const REF = /^[A-Za-z0-9._/+@=,-]{1,255}$/;
const SCP_LIKE_GIT = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~/+-]+$/;
const GIT_PROTOCOLS = new Set(["http:", "https:", "git:", "ssh:"]);

function hasDotSegment(path: string): boolean {
  return path.split("/").some((part) => part === "." || part === "..");
}

function stripGitSuffix(value: string): string {
  return value.endsWith(".git") ? value.slice(0, -4) : value;
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, "");
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** Lets `github.com/org/repo` (no scheme) count as a URL too. */
function parseLooseUrl(value: string): URL | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return parseUrl(value);
  if (/^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+\//i.test(value)) return parseUrl(`https://${value}`);
  return null;
}

function hostIs(url: URL, host: string): boolean {
  const h = url.hostname.toLowerCase();
  return h === host || h === `www.${host}`;
}

function pathParts(url: URL): string[] {
  return trimSlashes(url.pathname)
    .split("/")
    .filter((part) => part !== "")
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
}

/** `doi:10.x/y`, `https://doi.org/10.x/y` and `https://dx.doi.org/10.x/y` all become `10.x/y`. */
function stripDoiPrefix(value: string): string {
  const url = parseLooseUrl(value);
  if (url && (hostIs(url, "doi.org") || hostIs(url, "dx.doi.org"))) {
    return decodeURIComponent(trimSlashes(url.pathname));
  }
  return value.replace(/^doi:\s*/i, "");
}

function isDoi(value: string): boolean {
  return DOI.test(value) && !hasDotSegment(value) && !value.includes("//") && !value.endsWith("/");
}

function isGitUrl(value: string): boolean {
  if (CONTROL_OR_SPACE.test(value) || !URL_CHARS.test(value)) return false;
  if (SCP_LIKE_GIT.test(value)) return !hasDotSegment(value.slice(value.indexOf(":") + 1));
  const url = parseUrl(value);
  if (!url || !GIT_PROTOCOLS.has(url.protocol) || url.hostname === "") return false;
  // A password in the URL would travel into logs and project records.
  if (url.password !== "") return false;
  const afterHost = value.slice(value.indexOf("//") + 2);
  const path = afterHost.slice(afterHost.indexOf("/") + 1);
  if (!afterHost.includes("/") || path === "" || hasDotSegment(path)) return false;
  return true;
}

function isCkanUrl(value: string): boolean {
  if (CONTROL_OR_SPACE.test(value) || !URL_CHARS.test(value)) return false;
  const url = parseUrl(value);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) return false;
  if (url.password !== "" || url.username !== "") return false;
  if (hasDotSegment(value.slice(value.indexOf("//") + 2))) return false;
  return /\/dataset\/[^/?]+/.test(url.pathname);
}

const DOI_EXAMPLES = {
  zenodo: "10.5281/zenodo.3242074",
  figshare: "10.6084/m9.figshare.9782777.v1",
  dataverse: "10.7910/DVN/TJCLKP",
} as const;

// --- normalising and validating what a user typed ----------------------------------------------

/**
 * Turns what a user typed or pasted into the canonical repository value of `provider`: trims,
 * drops a `.git` suffix and the host from GitHub/GitLab/Gist URLs, turns DOI URLs into DOIs and a
 * HydroShare URL into its resource id. Values it cannot make sense of are returned trimmed, for
 * `validateRepository` to explain.
 */
export function normalizeRepository(provider: Provider, input: string): string {
  const value = input.trim();
  switch (provider) {
    case "gh":
    case "gl":
    case "gist": {
      const host =
        provider === "gh" ? "github.com" : provider === "gl" ? "gitlab.com" : "gist.github.com";
      const url = parseLooseUrl(value);
      let path = value;
      if (url && hostIs(url, host)) {
        path = pathParts(url).join("/");
        if (provider === "gl") path = path.split("/-/")[0] ?? path;
        if (provider === "gh") path = path.split("/").slice(0, 2).join("/");
        if (provider === "gist") path = path.split("/").slice(0, 2).join("/");
      } else if (provider !== "gl" && value.startsWith(`git@${host}:`)) {
        path = value.slice(`git@${host}:`.length);
      } else if (provider === "gl" && value.startsWith("git@gitlab.com:")) {
        path = value.slice("git@gitlab.com:".length);
      }
      return stripGitSuffix(trimSlashes(path));
    }
    case "zenodo":
    case "figshare":
    case "dataverse":
      return stripDoiPrefix(value);
    case "hydroshare": {
      const url = parseLooseUrl(value);
      if (url && url.hostname.toLowerCase().endsWith("hydroshare.org")) {
        const match = /[0-9a-fA-F]{32}/.exec(url.pathname);
        if (match) return match[0].toLowerCase();
      }
      return /^[0-9A-F]{32}$/i.test(value) ? value.toLowerCase() : value;
    }
    case "git":
    case "ckan":
      return value;
  }
}

/**
 * Why `input` is not a repository of `provider`, or null when it is. Messages are written for the
 * person filling in the form.
 */
export function validateRepository(provider: Provider, input: string): string | null {
  const value = normalizeRepository(provider, input);
  if (value === "") return `Enter a ${PROVIDER_INFO[provider].repoLabel}.`;
  switch (provider) {
    case "gh": {
      const [owner, repo, ...rest] = value.split("/");
      if (
        owner === undefined ||
        repo === undefined ||
        rest.length > 0 ||
        !GH_OWNER.test(owner) ||
        !GH_REPO.test(repo) ||
        repo === "." ||
        repo === ".."
      ) {
        return "Enter a GitHub repository as owner/repository, or paste its URL.";
      }
      return null;
    }
    case "gl": {
      const parts = value.split("/");
      if (
        parts.length < 2 ||
        parts.length > 20 ||
        !parts.every((p) => GL_SEGMENT.test(p)) ||
        hasDotSegment(value)
      ) {
        return "Enter a GitLab.com project as group/project (subgroups allowed), or paste its URL.";
      }
      return null;
    }
    case "git":
      if (!isGitUrl(value)) {
        return "Enter a git URL (https://, http://, git://, ssh:// or user@host:path), without spaces or a password.";
      }
      return null;
    case "gist": {
      const [user, id, ...rest] = value.split("/");
      if (
        user === undefined ||
        id === undefined ||
        rest.length > 0 ||
        !GH_OWNER.test(user) ||
        !GIST_ID.test(id)
      ) {
        return "Enter a gist as user/gist-id, or paste its URL.";
      }
      return null;
    }
    case "zenodo":
    case "figshare":
    case "dataverse":
      if (!isDoi(value)) {
        return `Enter a DOI such as ${DOI_EXAMPLES[provider]}, or its https://doi.org/ link.`;
      }
      return null;
    case "hydroshare":
      if (!HYDROSHARE_ID.test(value)) {
        return "Enter a HydroShare resource id (32 hexadecimal characters) or the resource's URL.";
      }
      return null;
    case "ckan":
      if (!isCkanUrl(value)) {
        return "Enter the https:// URL of a CKAN dataset (it contains /dataset/).";
      }
      return null;
  }
}

/** Why `ref` cannot be built, or null. An empty ref means the default (`HEAD`, or a gist's latest). */
export function validateRef(provider: Provider, ref: string): string | null {
  if (!PROVIDER_INFO[provider].hasRef) return null;
  const value = ref.trim();
  if (value === "") return null;
  if (
    !REF.test(value) ||
    value.startsWith("/") ||
    value.endsWith("/") ||
    value.endsWith(".") ||
    value.endsWith(".lock") ||
    value.startsWith("-") ||
    value.includes("..") ||
    value.includes("//") ||
    value.includes("@{") ||
    value.split("/").some((part) => part.startsWith("."))
  ) {
    return "Enter a branch, tag or commit: letters, digits and . _ - / + @ = , only.";
  }
  return null;
}

/** The ref a build will use: trimmed, the default when empty, and "" for providers without refs. */
export function normalizeRef(provider: Provider, ref: string): string {
  const info = PROVIDER_INFO[provider];
  if (!info.hasRef) return "";
  const value = ref.trim();
  if (value !== "") return value;
  return info.refOptional ? "" : DEFAULT_REF;
}

export class InvalidBuildSourceError extends Error {
  override name = "InvalidBuildSourceError";
}

/**
 * BinderHub's spec for a repository and ref (reference/binderhub.md §A.2):
 * gh `<owner>/<repo>/<ref>`; gl `<url-escaped namespace>/<ref>`; git `<url-escaped URL>/<ref>`;
 * gist `<user>/<id>[/<ref>]`; zenodo, figshare, dataverse the DOI; hydroshare the resource id;
 * ckan the url-escaped dataset URL. Inputs are normalised first (see `normalizeRepository`).
 * Throws `InvalidBuildSourceError` with the form's message when a value is invalid.
 */
export function toSpec(provider: Provider, repo: string, ref: string): string {
  const repoError = validateRepository(provider, repo);
  if (repoError !== null) throw new InvalidBuildSourceError(repoError);
  const refError = validateRef(provider, ref);
  if (refError !== null) throw new InvalidBuildSourceError(refError);
  const r = normalizeRepository(provider, repo);
  const theRef = normalizeRef(provider, ref);
  switch (provider) {
    case "gh":
      return `${r}/${theRef}`;
    case "gl":
    case "git":
      return `${encodeURIComponent(r)}/${theRef}`;
    case "gist":
      return theRef === "" ? r : `${r}/${theRef}`;
    case "zenodo":
    case "figshare":
    case "dataverse":
    case "hydroshare":
      return r;
    case "ckan":
      return encodeURIComponent(r);
  }
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

function splitOnce(value: string, separator: string): [string, string] | null {
  const at = value.indexOf(separator);
  return at === -1 ? null : [value.slice(0, at), value.slice(at + separator.length)];
}

/**
 * The repository and ref a spec stands for, or null unless `toSpec` would produce exactly `spec`.
 * The companion calls this on every spec it receives before forwarding anything to BinderHub.
 */
export function parseSpec(provider: Provider, spec: string): BuildSource | null {
  if (spec === "" || CONTROL_OR_SPACE.test(spec)) return null;
  let source: BuildSource | null = null;
  switch (provider) {
    case "gh": {
      const parts = spec.split("/");
      if (parts.length < 3) return null;
      source = { provider, repo: `${parts[0]}/${parts[1]}`, ref: parts.slice(2).join("/") };
      break;
    }
    case "gl":
    case "git": {
      const split = splitOnce(spec, "/");
      const repo = split && safeDecode(split[0]);
      if (!split || repo === null || repo === undefined) return null;
      source = { provider, repo, ref: split[1] };
      break;
    }
    case "gist": {
      const parts = spec.split("/");
      if (parts.length < 2) return null;
      source = { provider, repo: `${parts[0]}/${parts[1]}`, ref: parts.slice(2).join("/") };
      break;
    }
    case "zenodo":
    case "figshare":
    case "dataverse":
    case "hydroshare":
      source = { provider, repo: spec, ref: "" };
      break;
    case "ckan": {
      const repo = safeDecode(spec);
      if (repo === null) return null;
      source = { provider, repo, ref: "" };
      break;
    }
  }
  // Empty parts ("a//b", "a/b/") would normalise into a different, valid spec; refuse them here.
  if (source.ref === "" && provider !== "gist" && PROVIDER_INFO[provider].hasRef) return null;
  if (source.ref === "" && provider === "gist" && spec.endsWith("/")) return null;
  try {
    if (toSpec(provider, source.repo, source.ref) !== spec) return null;
  } catch {
    return null;
  }
  // The canonical form must also be its own normal form (no `.git`, no URL where a path belongs).
  if (normalizeRepository(provider, source.repo) !== source.repo) return null;
  return source;
}

// --- the companion's URL for a build ---------------------------------------------------------

/**
 * The path of a build under the companion's `api/builds/`: `<provider>/<spec>`, with each
 * `/`-separated segment of the spec passed through `encodeURIComponent` and re-joined with `/`.
 * So a `%2F` inside a gl/git/ckan spec travels as `%252F`, and a gh ref `feature/x` stays two
 * segments. The companion reverses it with `decodeBuildPath` (decode each segment, join with `/`),
 * which also refuses any other encoding of the same spec.
 */
export function buildPath(provider: Provider, spec: string): string {
  return `${provider}/${spec.split("/").map(encodeURIComponent).join("/")}`;
}

/** The provider and spec of a path made by `buildPath`, or null when it is not exactly one. */
export function decodeBuildPath(
  path: string,
): { provider: Provider; spec: string; source: BuildSource } | null {
  const split = splitOnce(path, "/");
  if (!split) return null;
  const provider = ProviderSchema.safeParse(split[0]);
  if (!provider.success) return null;
  const segments: string[] = [];
  for (const segment of split[1].split("/")) {
    const decoded = safeDecode(segment);
    if (decoded === null) return null;
    segments.push(decoded);
  }
  const spec = segments.join("/");
  if (buildPath(provider.data, spec) !== path) return null;
  const source = parseSpec(provider.data, spec);
  return source ? { provider: provider.data, spec, source } : null;
}

// --- pasting a URL ---------------------------------------------------------------------------

function refFromGitHubPath(rest: string[]): string {
  const [kind, ...tail] = rest;
  if (tail.length === 0) return DEFAULT_REF;
  switch (kind) {
    // `/tree/<ref>`: a branch may contain `/`, and a tree URL more often names a branch than a
    // folder, so the whole remainder is taken as the ref.
    case "tree":
      return tail.join("/");
    case "blob":
    case "commit":
      return tail[0] ?? DEFAULT_REF;
    case "releases":
      return tail[0] === "tag" && tail[1] !== undefined ? tail[1] : DEFAULT_REF;
    default:
      return DEFAULT_REF;
  }
}

function zenodoDoi(url: URL): string | null {
  const parts = pathParts(url);
  const prefix = url.hostname.toLowerCase() === "sandbox.zenodo.org" ? "10.5072" : "10.5281";
  if ((parts[0] === "records" || parts[0] === "record") && parts[1] && /^\d+$/.test(parts[1])) {
    return `${prefix}/zenodo.${parts[1]}`;
  }
  return null;
}

function providerOfDoi(doi: string): Provider | null {
  const lower = doi.toLowerCase();
  if (lower.startsWith("10.5281/zenodo.") || lower.startsWith("10.5072/zenodo.")) return "zenodo";
  if (lower.startsWith("10.6084/m9.figshare.")) return "figshare";
  if (lower.includes("/dvn/")) return "dataverse";
  return null;
}

function accept(source: BuildSource): BuildSource | null {
  if (validateRepository(source.provider, source.repo) !== null) return null;
  if (validateRef(source.provider, source.ref) !== null) return null;
  return {
    provider: source.provider,
    repo: normalizeRepository(source.provider, source.repo),
    ref: PROVIDER_INFO[source.provider].hasRef ? source.ref : "",
  };
}

/**
 * What a pasted link points at: `https://github.com/org/repo/tree/branch` → gh org/repo branch,
 * a `.git` suffix, gitlab.com `/-/tree/<ref>`, gist.github.com, zenodo.org/records/…, doi.org links,
 * HydroShare resources, CKAN datasets, and any other git URL → git. Null when the text is not a
 * URL we recognise (a plain `owner/repo` stays whatever the user typed).
 */
export function fromUrl(pasted: string): BuildSource | null {
  const text = pasted.trim();
  if (text === "" || CONTROL_OR_SPACE.test(text)) return null;

  const scp = /^git@([A-Za-z0-9.-]+):(.+)$/.exec(text);
  if (scp) {
    const host = scp[1] ?? "";
    const path = scp[2] ?? "";
    if (host === "github.com")
      return accept({ provider: "gh", repo: stripGitSuffix(path), ref: DEFAULT_REF });
    if (host === "gitlab.com")
      return accept({ provider: "gl", repo: stripGitSuffix(path), ref: DEFAULT_REF });
    return accept({ provider: "git", repo: text, ref: DEFAULT_REF });
  }

  if (/^doi:/i.test(text) || isDoi(text)) {
    const doi = stripDoiPrefix(text);
    const provider = providerOfDoi(doi);
    return provider ? accept({ provider, repo: doi, ref: "" }) : null;
  }

  const url = parseLooseUrl(text);
  if (!url) return null;
  const host = url.hostname.toLowerCase();
  const parts = pathParts(url);

  if (hostIs(url, "github.com")) {
    const [owner, repo, ...rest] = parts;
    if (!owner || !repo) return null;
    return accept({
      provider: "gh",
      repo: `${owner}/${stripGitSuffix(repo)}`,
      ref: refFromGitHubPath(rest),
    });
  }
  if (host === "gist.github.com") {
    const [user, id, rev] = parts;
    if (!user || !id) return null;
    return accept({
      provider: "gist",
      repo: `${user}/${stripGitSuffix(id)}`,
      ref: rev ?? DEFAULT_REF,
    });
  }
  if (hostIs(url, "gitlab.com")) {
    const dash = parts.indexOf("-");
    const namespace = dash === -1 ? parts : parts.slice(0, dash);
    const rest = dash === -1 ? [] : parts.slice(dash + 1);
    const last = namespace.length - 1;
    if (last >= 0) namespace[last] = stripGitSuffix(namespace[last] ?? "");
    let ref = DEFAULT_REF;
    if ((rest[0] === "tree" || rest[0] === "commit") && rest.length > 1)
      ref = rest.slice(1).join("/");
    else if (rest[0] === "blob" && rest[1]) ref = rest[1];
    else if (rest[0] === "tags" && rest[1]) ref = rest[1];
    return accept({ provider: "gl", repo: namespace.join("/"), ref });
  }
  if (host === "zenodo.org" || host === "www.zenodo.org" || host === "sandbox.zenodo.org") {
    const doi = zenodoDoi(url);
    return doi ? accept({ provider: "zenodo", repo: doi, ref: "" }) : null;
  }
  if (hostIs(url, "doi.org") || hostIs(url, "dx.doi.org")) {
    const doi = stripDoiPrefix(text);
    const provider = providerOfDoi(doi);
    return provider ? accept({ provider, repo: doi, ref: "" }) : null;
  }
  if (host === "figshare.com" || host.endsWith(".figshare.com")) {
    // https://figshare.com/articles/<type>/<title>/<id>[/<version>]
    const numeric = parts.filter((p) => /^\d+$/.test(p));
    const [id, version] = numeric;
    if (parts[0] !== "articles" || !id || host !== "figshare.com") return null;
    const doi = `10.6084/m9.figshare.${id}${version ? `.v${version}` : ""}`;
    return accept({ provider: "figshare", repo: doi, ref: "" });
  }
  if (host.endsWith("hydroshare.org")) {
    return accept({ provider: "hydroshare", repo: text, ref: "" });
  }
  const persistentId = url.searchParams.get("persistentId");
  if (persistentId && /\/dataset\.xhtml$/.test(url.pathname)) {
    return accept({ provider: "dataverse", repo: stripDoiPrefix(persistentId), ref: "" });
  }
  if (/\/dataset\/[^/]+/.test(url.pathname) && !url.pathname.endsWith(".git")) {
    return accept({ provider: "ckan", repo: url.href, ref: "" });
  }
  if (GIT_PROTOCOLS.has(url.protocol)) {
    return accept({ provider: "git", repo: text.replace(/\/+$/, ""), ref: DEFAULT_REF });
  }
  return null;
}

/** A link a person can open for the repository, or null when it has no web page (ssh URLs). */
export function repositoryUrl(provider: Provider, repo: string, ref = ""): string | null {
  const r = normalizeRepository(provider, repo);
  if (validateRepository(provider, r) !== null) return null;
  const atRef = ref !== "" && ref !== DEFAULT_REF && validateRef(provider, ref) === null;
  switch (provider) {
    case "gh":
      return `https://github.com/${r}${atRef ? `/tree/${ref}` : ""}`;
    case "gl":
      return `https://gitlab.com/${r}${atRef ? `/-/tree/${ref}` : ""}`;
    case "gist":
      return `https://gist.github.com/${r}${atRef ? `/${ref}` : ""}`;
    case "git":
    case "ckan":
      return /^https?:\/\//.test(r) ? r : null;
    case "zenodo":
    case "figshare":
    case "dataverse":
      return `https://doi.org/${r}`;
    case "hydroshare":
      return `https://www.hydroshare.org/resource/${r}/`;
  }
}
