import { queryOptions, useQuery } from "@tanstack/react-query";
import { MeSchema } from "../../../../../contract/api.ts";
import { apiRequest } from "../../../lib/api-client.ts";

export function getMe(serviceUrl: string, signal?: AbortSignal) {
  return apiRequest(serviceUrl, "api/me", MeSchema, { signal });
}

export function meQueryOptions(serviceUrl: string) {
  return queryOptions({
    queryKey: ["me", serviceUrl],
    queryFn: ({ signal }) => getMe(serviceUrl, signal),
    staleTime: 5 * 60_000,
  });
}

/** `serviceUrl` is null when the page cannot tell where the companion lives: nothing is fetched. */
export function useMe(serviceUrl: string | null) {
  return useQuery({ ...meQueryOptions(serviceUrl ?? ""), enabled: serviceUrl !== null });
}
