import { queryOptions, useQuery } from "@tanstack/react-query";
import {
  ProjectListResponseSchema,
  type ProjectListResponse,
} from "../../../../../contract/projects.ts";
import { apiRequest } from "../../../lib/api-client.ts";
import { projectsPath, projectsQueryKey, type ProjectsScope } from "./projects-path.ts";

/** How often the list is asked for again while a folder is being removed or a start is under way. */
export const PROGRESS_POLL_MS = 2000;

export function getProjects(
  scope: ProjectsScope,
  signal?: AbortSignal,
): Promise<ProjectListResponse> {
  return apiRequest(scope.serviceUrl, projectsPath(scope), ProjectListResponseSchema, { signal });
}

export function inProgress(list: ProjectListResponse | undefined): boolean {
  if (!list) return false;
  return (
    list.projects.some((project) => project.state === "deleting") ||
    (list.starting_project_ids?.length ?? 0) > 0
  );
}

/**
 * A deleted project stays in the list as `deleting` while a Kubernetes Job removes its folder, then
 * disappears (or turns `delete-failed`); a start shows as starting until its server runs (or
 * plainly did not). The list polls while either is under way.
 */
export function projectsQueryOptions(scope: ProjectsScope, pollMs = PROGRESS_POLL_MS) {
  return queryOptions({
    queryKey: projectsQueryKey(scope),
    queryFn: ({ signal }) => getProjects(scope, signal),
    refetchInterval: (query) => (inProgress(query.state.data) ? pollMs : false),
  });
}

export function useProjects(scope: ProjectsScope, pollMs?: number) {
  return useQuery(projectsQueryOptions(scope, pollMs));
}

export interface ProjectLimit {
  used: number;
  /** 0 means no limit. */
  limit: number;
  /** True when starting `candidateId` (or any new project) would need a project deleted first. */
  reached: boolean;
}

export function projectLimitOf(
  list: ProjectListResponse | undefined,
  candidateId?: string,
): ProjectLimit {
  if (!list) return { used: 0, limit: 0, reached: false };
  const { used, limit } = list;
  // Same repository, another ref is the same project: it never needs room.
  const existing =
    candidateId !== undefined &&
    list.projects.some((p) => p.id === candidateId && p.state !== "deleting");
  return { used, limit, reached: limit > 0 && used >= limit && !existing };
}
