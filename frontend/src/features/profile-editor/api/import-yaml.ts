import { useMutation } from "@tanstack/react-query";
import { ImportResponseSchema } from "../../../../../contract/profile-editor/schema.ts";
import { apiRequest } from "../../../lib/api-client.ts";
import { EDITOR_PATH } from "./editor-state.ts";

/** z2jh values YAML → a document for the editor, and what could not be carried over. */
export function useImportYaml(serviceUrl: string, csrfToken: string) {
  return useMutation({
    mutationFn: (yaml: string) =>
      apiRequest(serviceUrl, `${EDITOR_PATH}/import`, ImportResponseSchema, {
        method: "POST",
        body: { yaml },
        csrfToken,
      }),
  });
}
