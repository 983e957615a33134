import { useMutation } from "@tanstack/react-query";
import * as z from "zod/mini";
import {
  ProfileDraftSchema,
  type SaveDraftRequest,
} from "../../../../../contract/profile-editor/schema.ts";
import { apiRequest } from "../../../lib/api-client.ts";
import { EDITOR_PATH } from "./editor-state.ts";

export function saveDraft(serviceUrl: string, csrfToken: string, request: SaveDraftRequest) {
  return apiRequest(serviceUrl, `${EDITOR_PATH}/draft`, ProfileDraftSchema, {
    method: "PUT",
    body: request,
    csrfToken,
  });
}

/** Saves the signed-in admin's draft; the editor calls it a moment after each change. */
export function useSaveDraft(serviceUrl: string, csrfToken: string) {
  return useMutation({
    mutationFn: (request: SaveDraftRequest) => saveDraft(serviceUrl, csrfToken, request),
  });
}

export function useDiscardDraft(serviceUrl: string, csrfToken: string) {
  return useMutation({
    mutationFn: () =>
      apiRequest(serviceUrl, `${EDITOR_PATH}/draft`, z.unknown(), { method: "DELETE", csrfToken }),
  });
}
