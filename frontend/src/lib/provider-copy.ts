/**
 * What a person reads about each repository provider: its name, the repository field's label and
 * placeholder, and what to do when a value cannot be built. The rules themselves are the shared
 * contract's (contract/providers/).
 */
import type { Provider } from "../../../contract/providers/catalog.ts";
import type { RepositoryProblem } from "../../../contract/providers/repository.ts";

export interface ProviderCopy {
  readonly displayName: string;
  /** The label of the repository field. */
  readonly repoLabel: string;
  readonly placeholder: string;
  /** What a valid repository looks like, said when the value is not one. */
  readonly invalid: string;
}

const DOI_LINK = "or its https://doi.org/ link.";

export const PROVIDER_COPY: Readonly<Record<Provider, ProviderCopy>> = {
  gh: {
    displayName: "GitHub",
    repoLabel: "GitHub repository",
    placeholder: "owner/repository or https://github.com/owner/repository",
    invalid: "Enter a GitHub repository as owner/repository, or paste its URL.",
  },
  gl: {
    displayName: "GitLab.com",
    repoLabel: "GitLab.com project",
    placeholder: "group/project or https://gitlab.com/group/project",
    invalid: "Enter a GitLab.com project as group/project (subgroups allowed), or paste its URL.",
  },
  git: {
    displayName: "Git repository",
    repoLabel: "Git repository URL",
    placeholder: "https://example.org/group/repository.git",
    invalid:
      "Enter a git URL (https://, http://, git://, ssh:// or user@host:path), without spaces or a password.",
  },
  gist: {
    displayName: "GitHub Gist",
    repoLabel: "Gist",
    placeholder: "user/gist-id or https://gist.github.com/user/gist-id",
    invalid: "Enter a gist as user/gist-id, or paste its URL.",
  },
  zenodo: {
    displayName: "Zenodo",
    repoLabel: "Zenodo DOI",
    placeholder: "10.5281/zenodo.3242074 or https://zenodo.org/records/3242074",
    invalid: `Enter a DOI such as 10.5281/zenodo.3242074, ${DOI_LINK}`,
  },
  figshare: {
    displayName: "Figshare",
    repoLabel: "Figshare DOI",
    placeholder: "10.6084/m9.figshare.9782777.v1",
    invalid: `Enter a DOI such as 10.6084/m9.figshare.9782777.v1, ${DOI_LINK}`,
  },
  dataverse: {
    displayName: "Dataverse",
    repoLabel: "Dataverse DOI",
    placeholder: "10.7910/DVN/TJCLKP",
    invalid: `Enter a DOI such as 10.7910/DVN/TJCLKP, ${DOI_LINK}`,
  },
  hydroshare: {
    displayName: "HydroShare",
    repoLabel: "HydroShare resource",
    placeholder: "resource id or https://www.hydroshare.org/resource/<id>/",
    invalid: "Enter a HydroShare resource id (32 hexadecimal characters) or the resource's URL.",
  },
  ckan: {
    displayName: "CKAN",
    repoLabel: "CKAN dataset URL",
    placeholder: "https://demo.ckan.org/dataset/<name>",
    invalid: "Enter the https:// URL of a CKAN dataset (it contains /dataset/).",
  },
};

export const REF_LABEL = "Branch, tag or commit";
export const INVALID_REF =
  "Enter a branch, tag or commit: letters, digits and . _ - / + @ = , only.";

/** What to tell the person about a repository value `repositoryProblem` refused. */
export function repositoryMessage(provider: Provider, problem: RepositoryProblem): string {
  const copy = PROVIDER_COPY[provider];
  return problem === "missing" ? `Enter a ${copy.repoLabel}.` : copy.invalid;
}
