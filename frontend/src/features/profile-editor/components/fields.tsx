/**
 * Labelled controls bound to a document path: each shows the issues the rules report at its path
 * (`aria-invalid`, described by the messages), so the summary's links land on a control that
 * says what is wrong.
 */
import type { ReactNode } from "react";
import type { IssuePath, ProfileIssue } from "../../../../../contract/profile-editor/schema.ts";
import { fieldId } from "../model/labels.ts";
import { useEditor } from "./editor-context.tsx";

export function IssueList({ id, issues }: { id: string; issues: readonly ProfileIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul className="pe-issues" id={id}>
      {issues.map((issue, i) => (
        <li key={i} className={`pe-issue pe-${issue.severity}`}>
          <span className="pe-visually-hidden">
            {issue.severity === "error" ? "Error: " : "Warning: "}
          </span>
          {issue.message}
        </li>
      ))}
    </ul>
  );
}

/** Issues reported at a container (a profile, an option): shown at its top. */
export function IssuesAt({ path }: { path: IssuePath }) {
  const { issuesAt } = useEditor();
  return <IssueList id={`${fieldId(path)}-issues`} issues={issuesAt(path)} />;
}

interface TextFieldProps {
  label: string;
  path: IssuePath;
  hint?: ReactNode;
  multiline?: boolean;
  placeholder?: string;
  list?: string;
  inputMode?: "decimal" | "numeric" | "text";
  /** Monospace: slugs, keys, images, patterns. */
  code?: boolean;
}

export function TextField({
  label,
  path,
  hint,
  multiline,
  placeholder,
  list,
  inputMode,
  code,
}: TextFieldProps) {
  const { document, set, issuesAt } = useEditor();
  const id = fieldId(path);
  const issues = issuesAt(path);
  let value: unknown = document;
  for (const key of path) value = (value as Record<string | number, unknown> | undefined)?.[key];
  const describedBy = [hint ? `${id}-hint` : "", issues.length > 0 ? `${id}-issues` : ""]
    .filter(Boolean)
    .join(" ");
  const common = {
    id,
    value: typeof value === "string" ? value : "",
    onChange: (e: { target: { value: string } }) => set(path, e.target.value),
    "aria-invalid": issues.some((i) => i.severity === "error") || undefined,
    "aria-describedby": describedBy || undefined,
    placeholder,
    className: code ? "pe-code" : undefined,
    spellCheck: code ? false : undefined,
  };
  return (
    <div className="pe-field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...common} rows={3} />
      ) : (
        <input type="text" {...common} list={list} inputMode={inputMode} autoComplete="off" />
      )}
      {hint && (
        <p className="pe-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <IssueList id={`${id}-issues`} issues={issues} />
    </div>
  );
}

export function CheckboxField({
  label,
  path,
  hint,
}: {
  label: string;
  path: IssuePath;
  hint?: ReactNode;
}) {
  const { document, set, issuesAt } = useEditor();
  const id = fieldId(path);
  const issues = issuesAt(path);
  let value: unknown = document;
  for (const key of path) value = (value as Record<string | number, unknown> | undefined)?.[key];
  return (
    <div className="pe-field pe-check">
      <input
        type="checkbox"
        id={id}
        checked={value === true}
        onChange={(e) => set(path, e.target.checked)}
        aria-describedby={
          [hint ? `${id}-hint` : "", issues.length ? `${id}-issues` : ""]
            .filter(Boolean)
            .join(" ") || undefined
        }
      />
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="pe-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <IssueList id={`${id}-issues`} issues={issues} />
    </div>
  );
}
