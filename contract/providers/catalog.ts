/**
 * The repository providers BinderHub knows (`repo_providers`, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/app.py#L618-L629)
 * and what a build from each
 * takes: a repository, and for the git-based ones a ref. What a person reads about them (names,
 * labels, placeholders, messages) is the page's: frontend/src/lib/provider-copy.ts.
 */
import * as z from "zod/mini";

import { PROVIDERS, ProviderSchema, type Provider } from "../build.ts";

export { PROVIDERS, ProviderSchema, type Provider };

/** What a user asks to build: the form's values, and what the page remembers between visits. */
export const BuildSourceSchema = z.object({
  provider: ProviderSchema,
  repo: z.string(),
  ref: z.string(),
});
export type BuildSource = z.infer<typeof BuildSourceSchema>;

export interface ProviderRefRule {
  /** Whether the provider builds a chosen branch, tag or commit (the others are versioned records). */
  readonly hasRef: boolean;
  /** Whether an empty ref is allowed and means "latest" (a gist's spec may end without a ref). */
  readonly refOptional: boolean;
}

export const DEFAULT_REF = "HEAD";

const GIT_BASED: ProviderRefRule = { hasRef: true, refOptional: false };
const RECORD: ProviderRefRule = { hasRef: false, refOptional: true };

export const PROVIDER_REFS: Readonly<Record<Provider, ProviderRefRule>> = {
  gh: GIT_BASED,
  gl: GIT_BASED,
  git: GIT_BASED,
  // GistRepoProvider: `<user>/<gist-id>[/<ref>]`, no ref meaning the latest revision.
  gist: { hasRef: true, refOptional: true },
  zenodo: RECORD,
  figshare: RECORD,
  dataverse: RECORD,
  hydroshare: RECORD,
  ckan: RECORD,
};
