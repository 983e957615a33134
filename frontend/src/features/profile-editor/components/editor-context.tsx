import { createContext, use, type ReactNode } from "react";
import type {
  IssuePath,
  ProfileBounds,
  ProfileDocument,
  ProfileIssue,
} from "../../../../../contract/profile-editor/schema.ts";
import { setAt } from "../model/edit-document.ts";

export interface EditorContextValue {
  document: ProfileDocument;
  bounds: ProfileBounds;
  /** Issues by `path.join(".")`. */
  issues: ReadonlyMap<string, ProfileIssue[]>;
  change: (next: ProfileDocument) => void;
}

const EditorContext = createContext<EditorContextValue | null>(null);

export function indexIssues(issues: readonly ProfileIssue[]): Map<string, ProfileIssue[]> {
  const map = new Map<string, ProfileIssue[]>();
  for (const issue of issues) {
    const key = issue.path.join(".");
    map.set(key, [...(map.get(key) ?? []), issue]);
  }
  return map;
}

export function EditorProvider({
  value,
  children,
}: {
  value: EditorContextValue;
  children: ReactNode;
}) {
  return <EditorContext value={value}>{children}</EditorContext>;
}

export function useEditor() {
  const value = use(EditorContext);
  if (!value) throw new Error("useEditor outside EditorProvider");
  return {
    ...value,
    set: (path: IssuePath, next: unknown) => value.change(setAt(value.document, path, next)),
    issuesAt: (path: IssuePath) => value.issues.get(path.join(".")) ?? [],
  };
}
