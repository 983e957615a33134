import type { ReactNode } from "react";
import type { Project } from "../../../../../contract/projects.ts";
import { repositoryWebUrl } from "../../../../../contract/providers/links.ts";
import { PROVIDER_COPY } from "../../../lib/provider-copy.ts";
import type { ProjectServer } from "../project-servers.ts";

export interface ProjectsTableProps {
  projects: readonly Project[];
  /** The section's heading, which names the table (Bootstrap puts a caption below the table). */
  labelledBy: string;
  runningProjectIds: readonly string[];
  /** Starts asked for that the companion has not yet seen run. */
  startingProjectIds: readonly string[];
  /** A delete request is on its way for this project (before the list says `deleting`). */
  pendingDeleteId: string | null;
  /** Start and Rebuild are off while the page is busy (a build running, the form submitting). */
  busy: boolean;
  now: Date;
  onStart: (project: Project) => void;
  onRebuild: (project: Project) => void;
  onDelete: (project: Project, trigger: HTMLButtonElement) => void;
  onRetryDelete: (project: Project) => void;
  /** Copies the project's launch link (its repository, ref and profile). */
  onCopyLink: (project: Project) => void;
  /**
   * Each project's named server, by project id, where the hub has named servers and told the page
   * about them: a Server column, and Open and Stop beside Start. Absent: the table as without.
   */
  servers?: ReadonlyMap<string, ProjectServer>;
  /** The id of the panel's note saying the hub's named server limit is reached. */
  serverLimitNoteId?: string;
  /** A stop request is on its way for this server name. */
  pendingStopName?: string | null;
  onStop?: (project: Project, server: ProjectServer) => void;
}

const SERVER_STATE_TEXT = {
  running: "Running",
  starting: "Starting…",
  stopping: "Stopping…",
  stopped: "Stopped",
} as const;

function ServerCell({ server, stopRequested }: { server: ProjectServer; stopRequested: boolean }) {
  const state = stopRequested && server.state === "running" ? "stopping" : server.state;
  return state === "running" ? (
    <span className="badge text-bg-success">{SERVER_STATE_TEXT.running}</span>
  ) : (
    <span className="form-text mt-0">{SERVER_STATE_TEXT[state]}</span>
  );
}

/**
 * Newest launch first (a project never started: by when it was created); the companion keeps no
 * order (persistent_binderhub relied on list order, the last launched last: https://github.com/gesiscss/persistent_binderhub/blob/198bbac1f582864ab78cb868efc504af3219c198/persistent_binderhub/files/jupyterhub/persistent_bhub_config.py#L276-L293).
 */
export function sortProjects(projects: readonly Project[]): Project[] {
  const at = (p: Project) => Date.parse(p.last_launched_at ?? p.created_at);
  return [...projects].sort(
    (a, b) => at(b) - at(a) || a.display_name.localeCompare(b.display_name),
  );
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

export function relativeTime(iso: string, now: Date): string {
  const elapsed = Date.parse(iso) - now.getTime();
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(elapsed) >= size) return format.format(Math.round(elapsed / size), unit);
  }
  return format.format(0, "minute");
}

function VisuallyHidden({ children }: { children: ReactNode }) {
  return <span className="visually-hidden">{children}</span>;
}

function LastLaunched({ iso, now }: { iso: string; now: Date }) {
  const exact = new Date(iso).toLocaleString();
  return (
    <time dateTime={iso} title={exact}>
      {relativeTime(iso, now)}
      <VisuallyHidden> ({exact})</VisuallyHidden>
    </time>
  );
}

function Repository({ project }: { project: Project }) {
  // ssh URLs have no web page, so no link.
  const url = repositoryWebUrl(project.provider, project.repository);
  if (url === null) return <>{project.display_name}</>;
  return (
    <a href={url} target="_blank" rel="noopener noreferrer">
      {project.display_name}
    </a>
  );
}

function Version({ project }: { project: Project }) {
  const commit = project.resolved_commit;
  return (
    <>
      {project.ref !== "" ? <code>{project.ref}</code> : !commit && "—"}
      {commit && (
        <>
          {" "}
          <code className="lp-commit" title={commit}>
            <span aria-hidden="true">{commit.slice(0, 7)}</span>
            <VisuallyHidden>commit {commit}</VisuallyHidden>
          </code>
        </>
      )}
    </>
  );
}

function Actions(props: ProjectsTableProps & { project: Project }) {
  const { project, runningProjectIds, pendingDeleteId, busy } = props;
  // The visible label starts the accessible name (WCAG 2.5.3), which also says which project.
  const label = (action: string) => `${action} ${project.display_name}`;
  if (project.state === "deleting" || project.id === pendingDeleteId) {
    return <span className="form-text mt-0">Deleting…</span>;
  }
  if (project.state === "delete-failed") {
    return (
      <>
        <span className="text-danger-emphasis">
          Deleting failed{project.deletion?.message ? `: ${project.deletion.message}` : "."}
        </span>{" "}
        <button
          type="button"
          className="btn btn-sm btn-outline-secondary"
          aria-label={label("Retry deleting")}
          onClick={() => props.onRetryDelete(project)}
        >
          Retry
        </button>
      </>
    );
  }
  const server = props.servers?.get(project.id);
  const stopRequested = server !== undefined && props.pendingStopName === server.name;
  const running = runningProjectIds.includes(project.id) || server?.state === "running";
  const noteId = `lp-running-note-${project.id}`;
  const limited = server?.limitReached === true;
  let primary;
  if (server?.state === "running" && server.url !== null) {
    primary = (
      <>
        <a className="btn btn-sm btn-primary" aria-label={label("Open")} href={server.url}>
          Open
        </a>
        <button
          type="button"
          className="btn btn-sm btn-outline-secondary"
          aria-label={label("Stop")}
          disabled={stopRequested}
          onClick={() => props.onStop?.(project, server)}
        >
          Stop
        </button>
      </>
    );
  } else if (server?.state === "starting") {
    primary = (
      <a
        className="btn btn-sm btn-primary"
        aria-label={label("Show progress of")}
        href={server.pendingUrl}
      >
        Show progress
      </a>
    );
  } else {
    primary = (
      <button
        type="button"
        className="btn btn-sm btn-primary"
        aria-label={label("Start")}
        disabled={busy || limited || server?.state === "stopping"}
        aria-describedby={limited ? props.serverLimitNoteId : undefined}
        onClick={() => props.onStart(project)}
      >
        Start
      </button>
    );
  }
  return (
    <span className="lp-actions">
      {primary}
      <button
        type="button"
        className="btn btn-sm btn-outline-secondary"
        aria-label={label("Rebuild")}
        disabled={busy}
        onClick={() => props.onRebuild(project)}
      >
        Rebuild
      </button>
      <button
        type="button"
        className="btn btn-sm btn-outline-secondary"
        aria-label={label("Copy link to")}
        onClick={() => props.onCopyLink(project)}
      >
        Copy link
      </button>
      <button
        type="button"
        className="btn btn-sm btn-outline-danger"
        aria-label={label("Delete")}
        disabled={running}
        aria-describedby={running ? noteId : undefined}
        onClick={(event) => props.onDelete(project, event.currentTarget)}
      >
        Delete
      </button>
      {running && (
        <span id={noteId} className="form-text w-100 mt-0">
          A running server uses it: stop the server to delete it.
        </span>
      )}
    </span>
  );
}

/**
 * The projects, newest launch first. On a phone each row becomes a small card (projects.css):
 * the cells' `data-label` names what the column header no longer shows, and the actions span the
 * card's width, within a thumb's reach.
 */
export function ProjectsTable(props: ProjectsTableProps) {
  return (
    <table
      className="table table-sm align-middle mb-0 lp-projects-table"
      aria-labelledby={props.labelledBy}
    >
      <thead>
        <tr>
          <th scope="col">Repository</th>
          <th scope="col">Provider</th>
          <th scope="col">Ref and commit</th>
          <th scope="col">Last launched</th>
          {props.servers && <th scope="col">Server</th>}
          <th scope="col">
            <VisuallyHidden>Actions</VisuallyHidden>
          </th>
        </tr>
      </thead>
      <tbody>
        {sortProjects(props.projects).map((project) => (
          <tr key={project.id} data-state={project.state}>
            <th scope="row">
              <Repository project={project} />
              {!props.servers && props.runningProjectIds.includes(project.id) && (
                <span className="badge text-bg-success ms-2">Running</span>
              )}
            </th>
            <td data-label="Provider">{PROVIDER_COPY[project.provider].displayName}</td>
            <td data-label="Ref">
              <Version project={project} />
            </td>
            <td data-label="Launched">
              {props.startingProjectIds.includes(project.id) ? (
                <span className="form-text mt-0">Starting…</span>
              ) : project.last_launched_at !== undefined ? (
                <LastLaunched iso={project.last_launched_at} now={props.now} />
              ) : (
                "Not started yet"
              )}
            </td>
            {props.servers && (
              <td data-label="Server">
                {props.servers.has(project.id) ? (
                  <ServerCell
                    server={props.servers.get(project.id)!}
                    stopRequested={props.pendingStopName === props.servers.get(project.id)!.name}
                  />
                ) : (
                  "—"
                )}
              </td>
            )}
            <td className="lp-actions-cell">
              <Actions {...props} project={project} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
