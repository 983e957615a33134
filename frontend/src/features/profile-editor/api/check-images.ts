import { useMutation } from "@tanstack/react-query";
import { ImageCheckResponseSchema } from "../../../../../contract/profile-editor/schema.ts";
import { apiRequest } from "../../../lib/api-client.ts";
import { EDITOR_PATH } from "./editor-state.ts";

export function checkImages(serviceUrl: string, csrfToken: string, images: readonly string[]) {
  return apiRequest(serviceUrl, `${EDITOR_PATH}/image-checks`, ImageCheckResponseSchema, {
    method: "POST",
    body: { images },
    csrfToken,
  });
}

/** Asks the registries whether each image exists, as the companion will on publish. */
export function useCheckImages(serviceUrl: string, csrfToken: string) {
  return useMutation({
    mutationFn: (images: readonly string[]) => checkImages(serviceUrl, csrfToken, images),
  });
}
