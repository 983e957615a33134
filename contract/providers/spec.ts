/**
 * The exact `<spec>` BinderHub expects after `/build/<provider>/`, and back. The companion runs
 * every incoming spec through `parseSpec` before anything goes upstream.
 *
 * One rule makes the server side safe: `parseSpec` accepts a spec only if `toSpec` produces exactly
 * that string from what it parsed. Anything else — `..` segments, control characters, empty parts,
 * a second encoding of the same value — is refused, so the companion forwards only specs it could
 * have built itself.
 *
 * Refs are limited to a conservative subset of git's ref syntax (letters, digits, `. _ - / + @ = ,`)
 * so they never need URL-escaping: BinderHub takes the raw request path as the spec
 * (`get_spec_from_request`, "tornado converts 'foo%2Fbar/ref' to 'foo/bar/ref'",
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/base.py#L160-L167) and the gh provider splits on the first two `/` only
 * (`tokenize_spec`, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/repoproviders.py#L36-L46), so a ref may contain `/`.
 */
import { PROVIDER_REFS, type BuildSource, type Provider } from "./catalog.ts";
import {
  buildRef,
  refProblem,
  repositoryProblem,
  specRepository,
  type RepositoryProblem,
} from "./repository.ts";
import { CONTROL_OR_SPACE, safeDecode, splitOnce } from "./syntax.ts";

/** A repository or ref that cannot be built; the page words `problem` for the person. */
export class InvalidBuildSourceError extends Error {
  override name = "InvalidBuildSourceError";
  readonly field: "repository" | "ref";
  readonly problem: RepositoryProblem;
  constructor(provider: Provider, field: "repository" | "ref", problem: RepositoryProblem) {
    super(`${problem === "missing" ? "Missing" : "Invalid"} ${provider} ${field}.`);
    this.field = field;
    this.problem = problem;
  }
}

/**
 * BinderHub's spec for a repository and ref, as each provider's `__init__` and `display_config`
 * read it (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/repoproviders.py) and BinderHub's table shows it
 * (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/docs/source/developer/repoproviders.rst#L16-L45):
 * gh `<owner>/<repo>/<ref>`; gl `<url-escaped namespace>/<ref>`; git `<url-escaped URL>/<ref>`;
 * gist `<user>/<id>[/<ref>]`; zenodo, figshare, dataverse the DOI; hydroshare the resource id;
 * ckan the url-escaped dataset URL. Inputs are made canonical first (`specRepository`).
 * Throws `InvalidBuildSourceError` when a value is invalid.
 */
export function toSpec(provider: Provider, repo: string, ref: string): string {
  const repoError = repositoryProblem(provider, repo);
  if (repoError !== null) throw new InvalidBuildSourceError(provider, "repository", repoError);
  if (refProblem(provider, ref) !== null)
    throw new InvalidBuildSourceError(provider, "ref", "invalid");
  const r = specRepository(provider, repo);
  const theRef = buildRef(provider, ref);
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
  if (source.ref === "" && provider !== "gist" && PROVIDER_REFS[provider].hasRef) return null;
  if (source.ref === "" && provider === "gist" && spec.endsWith("/")) return null;
  try {
    if (toSpec(provider, source.repo, source.ref) !== spec) return null;
  } catch {
    return null;
  }
  // The canonical form must also be its own normal form (no `.git`, no URL where a path belongs).
  if (specRepository(provider, source.repo) !== source.repo) return null;
  return source;
}
