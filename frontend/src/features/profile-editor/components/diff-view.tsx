import {
  diffProfileDocuments,
  type ProfileChange,
} from "../../../../../contract/profile-editor/diff.ts";
import type { ProfileDocument } from "../../../../../contract/profile-editor/schema.ts";
import { describeChangeLocation, FIELD_LABELS } from "../model/labels.ts";

function describe(change: ProfileChange): string {
  const what = change.where.choice ? "choice" : change.where.option ? "option" : "profile";
  switch (change.kind) {
    case "added":
      return `${what} added`;
    case "removed":
      return `${what} removed`;
    case "moved":
      return `${what} moved from position ${change.before ?? "?"} to ${change.after ?? "?"}`;
    case "changed":
      return FIELD_LABELS[change.field ?? ""] ?? change.field ?? "changed";
  }
}

/** What changed between two lists, one line per change, old and new values side by side. */
export function DiffView({
  before,
  after,
  title,
}: {
  before: ProfileDocument;
  after: ProfileDocument;
  title: string;
}) {
  const changes = diffProfileDocuments(before, after);
  return (
    <section className="pe-diff" aria-label={title}>
      <h3>{title}</h3>
      {changes.length === 0 ? (
        <p>No differences.</p>
      ) : (
        // Scrolls sideways on a narrow screen instead of breaking words; reachable by keyboard.
        <div className="pe-table-scroll" tabIndex={0} role="group" aria-label={title}>
          <table>
            <thead>
              <tr>
                <th scope="col">Where</th>
                <th scope="col">What</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((change, i) => (
                <tr key={i} className={`pe-change pe-change-${change.kind}`}>
                  <th scope="row">{describeChangeLocation(change.where)}</th>
                  <td>{describe(change)}</td>
                  <td>
                    {change.kind === "changed" ? (
                      <del>{change.before ?? "(not set)"}</del>
                    ) : change.kind === "removed" ? (
                      <del>was here</del>
                    ) : (
                      ""
                    )}
                  </td>
                  <td>
                    {change.kind === "changed" ? (
                      <ins>{change.after ?? "(not set)"}</ins>
                    ) : change.kind === "added" ? (
                      <ins>new</ins>
                    ) : (
                      ""
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
