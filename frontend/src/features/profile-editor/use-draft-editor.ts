import { useEffect, useMemo, useState } from "react";
import { validateProfileDocument } from "../../../../contract/profile-editor/rules.ts";
import type {
  ProfileDocument,
  ProfileEditorState,
} from "../../../../contract/profile-editor/schema.ts";
import { useSaveDraft } from "./api/draft.ts";

/** How long the editor waits after the last change before it saves the draft. */
export const AUTOSAVE_MS = 800;

const EMPTY: ProfileDocument = { profiles: [] };

/**
 * The document being edited, starting from my draft, else the published version, else the chart's
 * base list; saved as my draft a moment after every change, and checked by the contract's rules
 * as I type (the same rules the companion enforces on publish).
 */
export function useDraftEditor(serviceUrl: string, csrfToken: string, state: ProfileEditorState) {
  const [document, setDocument] = useState<ProfileDocument>(
    () => state.draft?.document ?? state.current?.document ?? state.base_document ?? EMPTY,
  );
  const [baseVersion, setBaseVersion] = useState<number | null>(() =>
    state.draft ? state.draft.base_version : (state.current?.number ?? null),
  );
  const [savedAt, setSavedAt] = useState<string | null>(state.draft?.updated ?? null);
  /** Set by the first change: only then is there something to save. */
  const [edited, setEdited] = useState(false);
  const save = useSaveDraft(serviceUrl, csrfToken);
  const { mutate } = save;

  useEffect(() => {
    if (!edited) return;
    const timer = setTimeout(() => {
      mutate(
        { base_version: baseVersion, document },
        { onSuccess: (draft) => setSavedAt(draft.updated) },
      );
    }, AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [document, baseVersion, edited, mutate]);

  const issues = useMemo(
    () => validateProfileDocument(document, state.bounds),
    [document, state.bounds],
  );

  return {
    document,
    baseVersion,
    issues,
    savedAt,
    saving: save.isPending,
    saveError: save.error,
    /** There is a draft: something changed since the published version. */
    hasDraft: edited || state.draft !== null,
    change: (next: ProfileDocument) => {
      setEdited(true);
      setDocument(next);
    },
    /** After a conflict: keep my list, on top of the version that won. */
    rebase: (version: number) => {
      setEdited(true);
      setBaseVersion(version);
    },
    /** Start over from another list (import, or the version that won). */
    replace: (next: ProfileDocument, version: number | null = baseVersion) => {
      setEdited(true);
      setDocument(next);
      setBaseVersion(version);
    },
  };
}
