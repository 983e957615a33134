/**
 * `GET {serviceUrl}api/builds`: the user's builds still running, on any replica, newest first.
 * The panel re-attaches to the newest when it opens idle (after a reload, in a second tab).
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { RunningBuildsSchema, type RunningBuild } from "../../../../../contract/build.ts";
import { apiRequest } from "../../../lib/api-client.ts";

export function getRunningBuilds(
  serviceUrl: string,
  signal?: AbortSignal,
): Promise<RunningBuild[]> {
  return apiRequest(serviceUrl, "api/builds", RunningBuildsSchema, { signal }).then(
    (answer) => answer.builds,
  );
}

export function runningBuildsQueryOptions(serviceUrl: string) {
  return queryOptions({
    queryKey: ["launchpad", serviceUrl, "running-builds"],
    queryFn: ({ signal }) => getRunningBuilds(serviceUrl, signal),
    // Asked once when the panel opens; a build started here is followed by its own stream.
    staleTime: Infinity,
  });
}

export function useRunningBuilds(serviceUrl: string, enabled: boolean) {
  return useQuery({ ...runningBuildsQueryOptions(serviceUrl), enabled });
}
