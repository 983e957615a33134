import { useState } from "react";
import type {
  ProfileDocument,
  ProfileVersionMeta,
} from "../../../../../contract/profile-editor/schema.ts";
import { useRollback } from "../api/publish.ts";
import { exportUrl, useVersion, useVersions } from "../api/versions.ts";
import { DiffView } from "./diff-view.tsx";

interface HistoryViewProps {
  serviceUrl: string;
  csrfToken: string;
  current: { number: number; document: ProfileDocument } | null;
  onRolledBack: (number: number, rolledBackTo: number) => void;
  /** A rollback to confirm when the view opens (stories). */
  confirmRollbackTo?: number;
}

function when(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** Every kept version; compare any two; roll back to one in a click (itself a new version). */
export function HistoryView({
  serviceUrl,
  csrfToken,
  current,
  onRolledBack,
  confirmRollbackTo,
}: HistoryViewProps) {
  const versions = useVersions(serviceUrl);
  const [chosenFrom, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(current?.number ?? null);
  // Until an admin picks one, the diff starts from the version before the one shown.
  const from =
    chosenFrom ?? versions.data?.versions.find((v) => to !== null && v.number < to)?.number ?? null;
  const [confirming, setConfirming] = useState<number | null>(confirmRollbackTo ?? null);
  const rollback = useRollback(serviceUrl, csrfToken);
  const fromVersion = useVersion(serviceUrl, from);
  const toVersion = useVersion(serviceUrl, to);
  const target = useVersion(serviceUrl, confirming);

  if (versions.isPending) return <p role="status">Loading the history…</p>;
  if (versions.error)
    return <p role="alert">The history could not be loaded: {versions.error.message}</p>;
  const list = versions.data.versions;
  if (list.length === 0)
    return <p>Nothing has been published yet: the hub uses its own profile list.</p>;

  const outcome = rollback.data;
  return (
    <section className="pe-history" aria-labelledby="pe-history-title">
      <h2 id="pe-history-title">History</h2>
      <div className="pe-table-scroll" tabIndex={0} role="group" aria-labelledby="pe-history-title">
        <table>
          <caption>Newest first. Choose two versions to compare.</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Published</th>
              <th scope="col">By</th>
              <th scope="col">Message</th>
              <th scope="col">Compare</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((version: ProfileVersionMeta) => (
              <tr
                key={version.number}
                aria-current={version.number === versions.data.current || undefined}
              >
                <th scope="row">
                  {version.number}
                  {version.number === versions.data.current && (
                    <span className="pe-badge">current</span>
                  )}
                </th>
                <td>{when(version.created)}</td>
                <td>{version.author}</td>
                <td>
                  {version.message}
                  {version.rollback_of !== undefined && (
                    <span className="pe-note"> (rollback to version {version.rollback_of})</span>
                  )}
                  {version.unreachable_accepted.length > 0 && (
                    <span className="pe-note">
                      {" "}
                      · published without checking {version.unreachable_accepted.join(", ")}
                    </span>
                  )}
                </td>
                <td className="pe-compare">
                  <label>
                    <input
                      type="radio"
                      name="pe-from"
                      checked={from === version.number}
                      onChange={() => setFrom(version.number)}
                    />{" "}
                    from
                  </label>{" "}
                  <label>
                    <input
                      type="radio"
                      name="pe-to"
                      checked={to === version.number}
                      onChange={() => setTo(version.number)}
                    />{" "}
                    to
                  </label>
                </td>
                <td>
                  <a
                    href={exportUrl(serviceUrl, version.number)}
                    download
                    aria-label={`YAML of version ${version.number}`}
                  >
                    YAML
                  </a>
                  {current && version.number !== current.number && (
                    <>
                      {" "}
                      <button
                        type="button"
                        onClick={() => setConfirming(version.number)}
                        aria-label={`Roll back to version ${version.number}`}
                      >
                        Roll back
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {confirming !== null && current && (
        <section className="pe-rollback" aria-labelledby="pe-rollback-title">
          <h3 id="pe-rollback-title">Roll back to version {confirming}?</h3>
          <p>
            Its list is published again as a new version; the history keeps everything. Spawn pages
            change like this:
          </p>
          {target.data ? (
            <DiffView
              before={current.document}
              after={target.data.document}
              title={`From version ${current.number} to version ${confirming}`}
            />
          ) : (
            <p role="status">Loading version {confirming}…</p>
          )}
          <div className="pe-actions">
            <button
              type="button"
              className="pe-primary"
              disabled={rollback.isPending || !target.data}
              onClick={() =>
                rollback.mutate(
                  { number: confirming, request: { base_version: current.number } },
                  {
                    onSuccess: (result) => {
                      if (result.kind !== "published") return;
                      setConfirming(null);
                      onRolledBack(result.version.number, confirming);
                    },
                  },
                )
              }
            >
              {rollback.isPending ? "Rolling back…" : `Roll back to version ${confirming}`}
            </button>
            <button type="button" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </section>
      )}
      <div role="status" aria-live="polite">
        {outcome?.kind === "conflict" && (
          <p className="pe-issue pe-error">{outcome.conflict.message}</p>
        )}
        {outcome?.kind === "refused" && (
          <p className="pe-issue pe-error">
            {outcome.refused.message}{" "}
            {outcome.refused.issues
              .filter((i) => i.severity === "error")
              .map((i) => i.message)
              .join(" ")}
            {outcome.refused.image_checks
              .filter((c) => c.status !== "ok")
              .map((c) => ` ${c.image}: ${c.message}`)
              .join("")}
          </p>
        )}
      </div>
      {rollback.error && <p role="alert">The rollback failed: {rollback.error.message}</p>}

      {from !== null &&
        to !== null &&
        from !== to &&
        (fromVersion.data && toVersion.data ? (
          <DiffView
            before={fromVersion.data.document}
            after={toVersion.data.document}
            title={`From version ${from} to version ${to}`}
          />
        ) : (
          <p role="status">Loading the versions to compare…</p>
        ))}
    </section>
  );
}
