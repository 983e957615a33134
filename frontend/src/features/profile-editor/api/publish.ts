import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  ProfileVersionMetaSchema,
  PublishConflictSchema,
  PublishRefusedSchema,
  type ProfileVersionMeta,
  type PublishConflict,
  type PublishRefused,
  type PublishRequest,
  type RollbackRequest,
} from "../../../../../contract/profile-editor/schema.ts";
import { apiRequest, ApiRequestError } from "../../../lib/api-client.ts";
import { EDITOR_PATH } from "./editor-state.ts";

/** A publish either makes a version, or is refused with what the admin needs to decide. */
export type PublishOutcome =
  | { kind: "published"; version: ProfileVersionMeta }
  | { kind: "conflict"; conflict: PublishConflict }
  | { kind: "refused"; refused: PublishRefused };

/**
 * POSTs a publish (or a rollback). 409 and 422 are answers, not failures: their bodies say which
 * version won or which rules and images stopped it, so they come back as outcomes.
 */
async function publishRequest(
  serviceUrl: string,
  path: string,
  csrfToken: string,
  body: unknown,
): Promise<PublishOutcome> {
  try {
    const version = await apiRequest(serviceUrl, path, ProfileVersionMetaSchema, {
      method: "POST",
      body,
      csrfToken,
    });
    return { kind: "published", version };
  } catch (error) {
    if (!(error instanceof ApiRequestError) || (error.status !== 409 && error.status !== 422))
      throw error;
    const payload = error.body;
    const conflict = PublishConflictSchema.safeParse(payload);
    if (conflict.success) return { kind: "conflict", conflict: conflict.data };
    const refused = PublishRefusedSchema.safeParse(payload);
    if (refused.success) return { kind: "refused", refused: refused.data };
    throw error;
  }
}

export function publish(serviceUrl: string, csrfToken: string, request: PublishRequest) {
  return publishRequest(serviceUrl, `${EDITOR_PATH}/versions`, csrfToken, request);
}

export function rollback(
  serviceUrl: string,
  csrfToken: string,
  number: number,
  request: RollbackRequest,
) {
  return publishRequest(
    serviceUrl,
    `${EDITOR_PATH}/versions/${number}/rollback`,
    csrfToken,
    request,
  );
}

/**
 * After a publish, the state and the history are fetched again (the editor starts over on the new
 * version). A conflict carries the winning version itself: the editor shows it and keeps the draft.
 */
function useRefreshAfter(serviceUrl: string) {
  const client = useQueryClient();
  return (outcome: PublishOutcome) => {
    if (outcome.kind === "published")
      void client.invalidateQueries({ queryKey: ["profile-editor", serviceUrl] });
  };
}

export function usePublish(serviceUrl: string, csrfToken: string) {
  const refresh = useRefreshAfter(serviceUrl);
  return useMutation({
    mutationFn: (request: PublishRequest) => publish(serviceUrl, csrfToken, request),
    onSuccess: refresh,
  });
}

export function useRollback(serviceUrl: string, csrfToken: string) {
  const refresh = useRefreshAfter(serviceUrl);
  return useMutation({
    mutationFn: ({ number, request }: { number: number; request: RollbackRequest }) =>
      rollback(serviceUrl, csrfToken, number, request),
    onSuccess: refresh,
  });
}
