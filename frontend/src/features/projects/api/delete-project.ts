import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  DeleteProjectResponseSchema,
  type DeleteProjectResponse,
  type ProjectListResponse,
} from "../../../../../contract/projects.ts";
import { apiRequest } from "../../../lib/api-client.ts";
import { projectsPath, projectsQueryKey, type ProjectsScope } from "./projects-path.ts";

export function deleteProject(
  scope: ProjectsScope,
  csrfToken: string,
  id: string,
): Promise<DeleteProjectResponse> {
  return apiRequest(scope.serviceUrl, projectsPath(scope, id), DeleteProjectResponseSchema, {
    method: "DELETE",
    csrfToken,
  });
}

/** The list as the DELETE answer leaves it, until the next fetch confirms it. */
function applyDeletion(
  list: ProjectListResponse,
  result: DeleteProjectResponse,
): ProjectListResponse {
  if (result.state === "removed")
    return { ...list, projects: list.projects.filter((p) => p.id !== result.id) };
  return {
    ...list,
    projects: list.projects.map((p) =>
      p.id === result.id ? (result.project ?? { ...p, state: "deleting" }) : p,
    ),
  };
}

/**
 * Deletes one project (its record and its `projects/<id>` folder). The list query polls while the
 * project is `deleting` (see `projectsQueryOptions`), so the row disappears when the Job is done.
 */
export function useDeleteProject(scope: ProjectsScope, csrfToken: string) {
  const client = useQueryClient();
  const queryKey = projectsQueryKey(scope);
  return useMutation({
    mutationFn: (id: string) => deleteProject(scope, csrfToken, id),
    onSuccess: (result) => {
      client.setQueryData<ProjectListResponse>(
        queryKey,
        (list) => list && applyDeletion(list, result),
      );
    },
    onSettled: () => client.invalidateQueries({ queryKey }),
  });
}
