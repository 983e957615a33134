/** A launch link's repository as the build panel takes it, or why it cannot be built. */
import type { LaunchRepository } from "../../../../contract/launch-link.ts";
import {
  PROVIDERS,
  ProviderSchema,
  type BuildSource,
} from "../../../../contract/providers/catalog.ts";
import {
  buildRef,
  refProblem,
  repositoryProblem,
  specRepository,
} from "../../../../contract/providers/repository.ts";
import { INVALID_REF, repositoryMessage } from "../../lib/provider-copy.ts";

export function linkedBuildSource(
  repository: LaunchRepository,
): { ok: true; source: BuildSource } | { ok: false; problem: string } {
  const provider = ProviderSchema.safeParse(repository.provider);
  if (!provider.success)
    return {
      ok: false,
      problem: `The link names the repository provider “${repository.provider.slice(0, 40)}”, which Launchpad does not know (it knows ${PROVIDERS.join(", ")}).`,
    };
  const problem = repositoryProblem(provider.data, repository.repo);
  if (problem)
    return {
      ok: false,
      problem: `The link's repository cannot be built: ${repositoryMessage(provider.data, problem)}`,
    };
  const ref = repository.ref ?? "";
  if (refProblem(provider.data, ref))
    return { ok: false, problem: `The link's ref cannot be built: ${INVALID_REF}` };
  return {
    ok: true,
    source: {
      provider: provider.data,
      repo: specRepository(provider.data, repository.repo),
      ref: buildRef(provider.data, ref),
    },
  };
}
