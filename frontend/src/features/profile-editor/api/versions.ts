import { queryOptions, useQuery } from "@tanstack/react-query";
import {
  ProfileVersionSchema,
  VersionListSchema,
} from "../../../../../contract/profile-editor/schema.ts";
import { apiRequest } from "../../../lib/api-client.ts";
import { EDITOR_PATH } from "./editor-state.ts";

export function versionsQueryOptions(serviceUrl: string) {
  return queryOptions({
    queryKey: ["profile-editor", serviceUrl, "versions"] as const,
    queryFn: ({ signal }) =>
      apiRequest(serviceUrl, `${EDITOR_PATH}/versions`, VersionListSchema, { signal }),
  });
}

export function useVersions(serviceUrl: string) {
  return useQuery(versionsQueryOptions(serviceUrl));
}

/** One version with its whole list; versions never change, so it is fetched once. */
export function versionQueryOptions(serviceUrl: string, number: number) {
  return queryOptions({
    queryKey: ["profile-editor", serviceUrl, "version", number] as const,
    queryFn: ({ signal }) =>
      apiRequest(serviceUrl, `${EDITOR_PATH}/versions/${number}`, ProfileVersionSchema, { signal }),
    staleTime: Infinity,
  });
}

export function useVersion(serviceUrl: string, number: number | null) {
  return useQuery({ ...versionQueryOptions(serviceUrl, number ?? 0), enabled: number !== null });
}

/** The z2jh values file of a version (or of the current one): a download link. */
export function exportUrl(serviceUrl: string, number?: number): string {
  return `${serviceUrl}${EDITOR_PATH}/export${number === undefined ? "" : `?version=${number}`}`;
}
