import { useMutation, useQueryClient } from "@tanstack/react-query";
import { describeIssues } from "../../../../../contract/api.ts";
import {
  LaunchProjectRequestSchema,
  LaunchProjectResponseSchema,
  projectId,
  type LaunchProjectRequest,
  type LaunchProjectResponse,
} from "../../../../../contract/projects.ts";
import { apiRequest } from "../../../lib/api-client.ts";
import { projectsPath, projectsQueryKey, type ProjectsScope } from "./projects-path.ts";

/**
 * Records the project (or sets its ref, image and last launch) before the spawn form is posted.
 * The request is checked by the contract's grammars first, as the companion checks it.
 */
export function launchProject(
  scope: ProjectsScope,
  csrfToken: string,
  request: LaunchProjectRequest,
): Promise<LaunchProjectResponse> {
  const checked = LaunchProjectRequestSchema.safeParse(request);
  if (!checked.success)
    return Promise.reject(
      new Error(`Launchpad cannot record this project: ${describeIssues(checked.error.issues)}.`),
    );
  const id = projectId(request.provider, request.repository);
  return apiRequest(
    scope.serviceUrl,
    projectsPath(scope, id, "launch"),
    LaunchProjectResponseSchema,
    {
      method: "POST",
      body: request,
      csrfToken,
    },
  );
}

/**
 * The shell calls `mutateAsync(request)` when the user starts on a project or on a just-built
 * image, then submits the hub's form with the image as the image option's unlisted value and
 * `response.project.id` as `profile-option-<slug>--launchpad-project`. On an `ApiRequestError`
 * (e.g. 409 when a new project would exceed the limit) show its message and do not submit.
 */
export function useLaunchProject(scope: ProjectsScope, csrfToken: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: LaunchProjectRequest) => launchProject(scope, csrfToken, request),
    onSettled: () => client.invalidateQueries({ queryKey: projectsQueryKey(scope) }),
  });
}
