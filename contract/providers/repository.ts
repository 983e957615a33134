/**
 * What a user typed as a repository and a ref, made canonical and checked against each provider's
 * shape before it becomes BinderHub's spec (spec.ts).
 */
import { DEFAULT_REF, PROVIDER_REFS, type Provider } from "./catalog.ts";
import {
  GH_OWNER,
  GH_REPO,
  GIST_ID,
  GL_SEGMENT,
  HYDROSHARE_ID,
  REF,
  hasDotSegment,
  hostIs,
  isCkanUrl,
  isDoi,
  isGitUrl,
  parseLooseUrl,
  pathParts,
  stripDoiPrefix,
  stripGitSuffix,
  trimSlashes,
} from "./syntax.ts";

export type RepositoryProblem = "missing" | "invalid";

/**
 * Turns what a user typed or pasted into the canonical repository value of `provider`: trims,
 * drops a `.git` suffix and the host from GitHub/GitLab/Gist URLs, turns DOI URLs into DOIs and a
 * HydroShare URL into its resource id. Values it cannot make sense of are returned trimmed, for
 * `repositoryProblem` to refuse. (The repository a PROJECT is keyed on is another idea:
 * `projectRepository` in contract/projects.ts.)
 */
export function specRepository(provider: Provider, input: string): string {
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
 * What is wrong with `input` as a repository of `provider`: `missing` (nothing typed), `invalid`
 * (not this provider's shape), or null when it can be built. The page words it
 * (frontend/src/lib/provider-copy.ts).
 */
export function repositoryProblem(provider: Provider, input: string): RepositoryProblem | null {
  const value = specRepository(provider, input);
  if (value === "") return "missing";
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
        return "invalid";
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
        return "invalid";
      }
      return null;
    }
    case "git":
      if (!isGitUrl(value)) {
        return "invalid";
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
        return "invalid";
      }
      return null;
    }
    case "zenodo":
    case "figshare":
    case "dataverse":
      if (!isDoi(value)) {
        return "invalid";
      }
      return null;
    case "hydroshare":
      if (!HYDROSHARE_ID.test(value)) {
        return "invalid";
      }
      return null;
    case "ckan":
      if (!isCkanUrl(value)) {
        return "invalid";
      }
      return null;
  }
}

/**
 * Whether `ref` can be built: `invalid`, or null. An empty ref means the default (`HEAD`, or a
 * gist's latest). Every ref accepted is a valid git ref name (`git check-ref-format`,
 * https://git-scm.com/docs/git-check-ref-format, as refs.c `check_refname_component` applies it:
 * no component starting with `.` or ending with `.lock`, no `..`, no `@{`, not `@` alone, no
 * leading, trailing or doubled `/`, no trailing `.`), within a conservative character set (REF).
 */
export function refProblem(provider: Provider, ref: string): "invalid" | null {
  if (!PROVIDER_REFS[provider].hasRef) return null;
  const value = ref.trim();
  if (value === "") return null;
  if (
    !REF.test(value) ||
    value.startsWith("/") ||
    value.endsWith("/") ||
    value.endsWith(".") ||
    value === "@" ||
    value.startsWith("-") ||
    value.includes("..") ||
    value.includes("//") ||
    value.includes("@{") ||
    value.split("/").some((part) => part.startsWith(".") || part.endsWith(".lock"))
  ) {
    return "invalid";
  }
  return null;
}

/**
 * Whether `ref` is exactly a ref a build of `provider` uses (what `buildRef` makes of a valid
 * ref): a valid git ref name for git-based providers, `""` or one for a gist, `""` for records.
 */
export function isBuildRef(provider: Provider, ref: string): boolean {
  return refProblem(provider, ref) === null && buildRef(provider, ref) === ref;
}

/** The ref a build will use: trimmed, the default when empty, and "" for providers without refs. */
export function buildRef(provider: Provider, ref: string): string {
  const info = PROVIDER_REFS[provider];
  if (!info.hasRef) return "";
  const value = ref.trim();
  if (value !== "") return value;
  return info.refOptional ? "" : DEFAULT_REF;
}
