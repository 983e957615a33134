/**
 * Links both ways: what a pasted link points at, and the web page of a repository. (BinderHub's
 * own name for a repository, the `binder-repo` of a build pod, is the companion's business:
 * server/src/builds/binderhub-naming.ts.)
 */
import { DEFAULT_REF, PROVIDER_REFS, type BuildSource, type Provider } from "./catalog.ts";
import { refProblem, repositoryProblem, specRepository } from "./repository.ts";
import {
  CONTROL_OR_SPACE,
  GIT_PROTOCOLS,
  hostIs,
  isDoi,
  parseLooseUrl,
  pathParts,
  stripDoiPrefix,
  stripGitSuffix,
} from "./syntax.ts";

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
  if (repositoryProblem(source.provider, source.repo) !== null) return null;
  if (refProblem(source.provider, source.ref) !== null) return null;
  return {
    provider: source.provider,
    repo: specRepository(source.provider, source.repo),
    ref: PROVIDER_REFS[source.provider].hasRef ? source.ref : "",
  };
}

/**
 * What a pasted link points at: `https://github.com/org/repo/tree/branch` → gh org/repo branch,
 * a `.git` suffix, gitlab.com `/-/tree/<ref>`, gist.github.com, zenodo.org/records/…, doi.org links,
 * HydroShare resources, CKAN datasets, and any other git URL → git. Null when the text is not a
 * URL we recognise (a plain `owner/repo` stays whatever the user typed).
 */
export function sourceFromLink(pasted: string): BuildSource | null {
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
export function repositoryWebUrl(provider: Provider, repo: string, ref = ""): string | null {
  const r = specRepository(provider, repo);
  if (repositoryProblem(provider, r) !== null) return null;
  const atRef = ref !== "" && ref !== DEFAULT_REF && refProblem(provider, ref) === null;
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
