import { queryOptions, useQuery } from "@tanstack/react-query";
import { ProfileEditorStateSchema } from "../../../../../contract/profile-editor/schema.ts";
import { apiRequest } from "../../../lib/api-client.ts";

export const EDITOR_PATH = "api/admin/profiles";

export function editorStateQueryKey(serviceUrl: string) {
  return ["profile-editor", serviceUrl, "state"] as const;
}

export function getEditorState(serviceUrl: string, signal?: AbortSignal) {
  return apiRequest(serviceUrl, EDITOR_PATH, ProfileEditorStateSchema, { signal });
}

/** Bounds, the published version and my draft: what the editor opens with. */
export function editorStateQueryOptions(serviceUrl: string) {
  return queryOptions({
    queryKey: editorStateQueryKey(serviceUrl),
    queryFn: ({ signal }) => getEditorState(serviceUrl, signal),
    // The draft lives in the editor's own state once loaded: refetching must not reset it.
    staleTime: Infinity,
  });
}

export function useEditorState(serviceUrl: string) {
  return useQuery(editorStateQueryOptions(serviceUrl));
}
