import type {
  ProfileDocument,
  ProfileIssue,
} from "../../../../../contract/profile-editor/schema.ts";
import { describeLocation, fieldId } from "../model/labels.ts";

/**
 * Every problem, each a link to its control (GOV.UK's error summary pattern): errors block
 * publishing, warnings do not.
 */
export function IssueSummary({
  document,
  issues,
}: {
  document: ProfileDocument;
  issues: readonly ProfileIssue[];
}) {
  const errors = issues.filter((i) => i.severity === "error");
  const warnings = issues.filter((i) => i.severity === "warning");
  if (issues.length === 0)
    return (
      <p className="pe-ok" role="status">
        No problems found: the list is ready to publish.
      </p>
    );
  const item = (issue: ProfileIssue, i: number) => (
    <li key={i}>
      <a
        href={`#${fieldId(issue.path)}`}
        onClick={(event) => {
          // Open the folded profile the control is in, then move focus there.
          const target =
            window.document.getElementById(fieldId(issue.path)) ??
            window.document.getElementById(`${fieldId(issue.path)}-issues`);
          const details = target?.closest("details");
          if (details) details.open = true;
          if (target) {
            event.preventDefault();
            target.focus(); // scrolls it into view
          }
        }}
      >
        {describeLocation(document, issue.path)}
      </a>
      : {issue.message}
    </li>
  );
  return (
    <section className="pe-summary" aria-labelledby="pe-summary-title" role="region">
      <h2 id="pe-summary-title">
        {errors.length > 0
          ? `${errors.length} ${errors.length === 1 ? "problem stops" : "problems stop"} publishing`
          : "Ready to publish, with warnings"}
      </h2>
      {errors.length > 0 && <ul className="pe-summary-errors">{errors.map(item)}</ul>}
      {warnings.length > 0 && (
        <>
          <h3>Warnings</h3>
          <ul className="pe-summary-warnings">{warnings.map(item)}</ul>
        </>
      )}
    </section>
  );
}
