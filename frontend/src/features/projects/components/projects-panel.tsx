import { lazy, useEffect, useId, useRef, useState } from "react";
import type { Me } from "../../../../../contract/api.ts";
import { launchUrl } from "../../../../../contract/launch-link.ts";
import type { Project } from "../../../../../contract/projects.ts";
import type { Provider } from "../../../../../contract/providers/catalog.ts";
import { copyText } from "../../../lib/clipboard.ts";
import { LazyPart } from "../../../lib/error-boundary.tsx";
import { useDeleteProject } from "../api/delete-project.ts";
import { PROGRESS_POLL_MS, projectLimitOf, useProjects } from "../api/get-projects.ts";
import { useHubServers, type HubAccess } from "../api/hub-servers.ts";
import { useStopServer } from "../api/stop-server.ts";
import { projectServer, type ProjectServer } from "../project-servers.ts";
import css from "../projects.css?inline";
import { ProjectLimitNotice } from "./project-limit-notice.tsx";
import { ProjectsTable } from "./projects-table.tsx";

const NONE: readonly string[] = [];

/** The launch link of a project: whoever opens it builds (or, if it is theirs too, opens) it. */
export function projectLaunchUrl(serviceUrl: string, project: Project): string {
  return launchUrl(location.origin, serviceUrl, {
    profile: project.profile_slug,
    options: [],
    repository: { provider: project.provider, repo: project.repository, ref: project.ref },
  });
}

const DeleteProjectDialog = lazy(() => import("./delete-project-dialog.tsx"));

/** What the build panel needs to rebuild the latest commit of a project's ref. */
export interface RebuildRequest {
  provider: Provider;
  repository: string;
  ref: string;
}

/**
 * "Your projects", rendered by CompanionPanels (app/companion-panels.tsx) once `api/me` is ready.
 *
 * - `serviceUrl`: `{prefix}services/<name>/` (the shell's `serviceUrl`).
 * - `user`: whose projects, the spawn data's `user`. An admin spawning for someone else sees that
 *   person's projects; `?user=` is sent only when it differs from `me.name`.
 * - `me`: `session.me` from `api/me`; `csrf_token` goes on deletes as `X-Launchpad-CSRF`.
 * - `runningProjectIds`: the projects `user`'s running servers use (several with named servers):
 *   marked "Running", and their Delete is disabled (the companion would refuse with 409 anyway).
 * - `onStart(project)`: start a server on it. The shell sets the image as the image option's
 *   unlisted value and the project id as `profile-option-<slug>--launchpad-project`, and submits
 *   the hub's form; the start is recorded (`useLaunchProject`) as the form is posted. A start the
 *   companion has not yet seen run shows "Starting…" (the list's `starting_project_ids`).
 * - `onRebuild({provider, repository, ref})`: build the latest commit of the project's ref; the shell
 *   hands it to the build panel.
 * - Copy link: the project's launch link (projectLaunchUrl), announced in the status line.
 * - `hub`: where the hub has named servers (the spawn data's `hub.named_servers`), how to read
 *   the user's servers from it and its `named_server_limit`. Each project then shows its own
 *   server's state (projectServerName), with Open and Stop on a running one; `onStart` starts the
 *   project in that server. A failed read leaves the table as without named servers.
 * - `busy`: disables Start and Rebuild (a build is running, the form is being submitted).
 * - `now`, `pollMs`: fixed in tests and stories; default to the clock and `PROGRESS_POLL_MS`.
 *
 * The panel brings its own CSS (a React 19 hoisted <style>). It is not lazy by itself: it is part
 * of the companion-panels chunk, which app/lazy-companion-panels.tsx loads once the companion has
 * answered, so the spawn page's entry never carries it.
 */
export interface ProjectsPanelProps {
  serviceUrl: string;
  user: string;
  me: Pick<Me, "name" | "csrf_token">;
  runningProjectIds?: readonly string[];
  hub?: { access: HubAccess; limit: number | null };
  onStart: (project: Project) => void;
  onRebuild: (request: RebuildRequest) => void;
  busy?: boolean;
  now?: Date;
  pollMs?: number;
}

export function ProjectsPanel({
  serviceUrl,
  user,
  me,
  runningProjectIds = NONE,
  hub,
  onStart,
  onRebuild,
  busy = false,
  now,
  pollMs,
}: ProjectsPanelProps) {
  const scope = { serviceUrl, user, viewer: me.name };
  const query = useProjects(scope, pollMs);
  const removal = useDeleteProject(scope, me.csrf_token);
  const hubServers = useHubServers(hub?.access ?? null, pollMs ?? PROGRESS_POLL_MS);
  const stop = useStopServer(hub?.access ?? null);
  const [confirming, setConfirming] = useState<Project | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const headingId = useId();
  const regionRef = useRef<HTMLDivElement>(null);
  const returnFocus = useRef<HTMLElement | null>(null);

  const projects = query.data?.projects;
  // Say so when a project whose folder was being removed has gone from the list (adjusting state
  // while rendering: https://react.dev/learn/you-might-not-need-an-effect).
  const [previous, setPrevious] = useState(projects);
  if (projects !== previous) {
    setPrevious(projects);
    const gone = (previous ?? []).filter(
      (p) => p.state === "deleting" && !projects?.some((q) => q.id === p.id),
    );
    if (gone.length > 0) setAnnouncement(`Deleted ${gone.map((p) => p.display_name).join(", ")}.`);
  }

  // After the dialog has closed (its cleanup runs first), focus goes back where it came from.
  useEffect(() => {
    if (confirming !== null || returnFocus.current === null) return;
    const trigger = returnFocus.current;
    returnFocus.current = null;
    const target =
      trigger.isConnected && !(trigger as HTMLButtonElement).disabled ? trigger : regionRef.current;
    target?.focus();
  }, [confirming]);

  const remove = (project: Project, onDone?: () => void) => {
    removal.mutate(project.id, {
      onSuccess: (result) => {
        setAnnouncement(
          result.state === "removed"
            ? `Deleted ${project.display_name}.`
            : `Deleting ${project.display_name}…`,
        );
        onDone?.();
      },
    });
  };

  const homeOwner = user === me.name ? "your home" : `${user}'s home`;

  let body;
  if (query.isPending) {
    body = (
      <p className="form-text" role="status">
        Loading your projects…
      </p>
    );
  } else if (query.isError) {
    body = (
      <div className="alert alert-warning" role="alert">
        Your projects could not be loaded: {query.error.message}{" "}
        <button
          type="button"
          className="btn btn-link p-0 align-baseline"
          onClick={() => void query.refetch()}
        >
          Try again
        </button>
      </div>
    );
  } else if (query.data.projects.length === 0) {
    body = (
      <p className="form-text">
        You have no projects yet. Build an image from a repository and start it: it becomes a
        project with its own folder, kept between launches.
      </p>
    );
  } else {
    const limit = projectLimitOf(query.data);
    let servers: Map<string, ProjectServer> | undefined;
    if (hub && hubServers.isSuccess) {
      servers = new Map(
        query.data.projects.map((p) => [
          p.id,
          projectServer(p.id, hubServers.data, hub.limit, hub.access),
        ]),
      );
    }
    body = (
      <>
        {limit.reached && (
          <ProjectLimitNotice
            used={limit.used}
            limit={limit.limit}
            onChooseProject={() => regionRef.current?.focus()}
          />
        )}
        {servers && [...servers.values()].some((server) => server.limitReached) && (
          <div id={`${headingId}-server-limit`} className="alert alert-warning py-2" role="status">
            You have {hub?.limit ? `all ${hub.limit} servers` : "as many servers as"} the hub allows
            you. Stop and delete one of them on the hub&apos;s home page to start another project in
            its own server.
          </div>
        )}
        {hub && hubServers.isError && (
          <p className="form-text" role="status">
            Your projects&apos; servers could not be read from the hub ({hubServers.error.message}
            ): Start opens each project in your default server.
          </p>
        )}
        {stop.isError && (
          <div className="alert alert-danger" role="alert">
            {stop.error.message}
          </div>
        )}
        {removal.isError && confirming === null && (
          <div className="alert alert-danger" role="alert">
            {removal.error.message}
          </div>
        )}
        <div
          ref={regionRef}
          className="lp-projects-scroll card"
          role="region"
          aria-labelledby={headingId}
          tabIndex={-1}
        >
          <ProjectsTable
            projects={query.data.projects}
            labelledBy={headingId}
            runningProjectIds={runningProjectIds}
            startingProjectIds={query.data.starting_project_ids ?? NONE}
            pendingDeleteId={removal.isPending ? (removal.variables ?? null) : null}
            busy={busy}
            {...(servers
              ? {
                  servers,
                  serverLimitNoteId: `${headingId}-server-limit`,
                  pendingStopName: stop.isPending ? (stop.variables ?? null) : null,
                  onStop: (project: Project, server: ProjectServer) =>
                    stop.mutate(server.name, {
                      onSuccess: (result) =>
                        setAnnouncement(
                          result === "stopped"
                            ? `The server of ${project.display_name} has stopped.`
                            : `Stopping the server of ${project.display_name}…`,
                        ),
                    }),
                }
              : {})}
            now={now ?? new Date()}
            onStart={onStart}
            onRebuild={({ provider, repository, ref }) => onRebuild({ provider, repository, ref })}
            onDelete={(project, trigger) => {
              removal.reset();
              setAnnouncement("");
              returnFocus.current = trigger;
              setConfirming(project);
            }}
            onRetryDelete={(project) => remove(project)}
            onCopyLink={(project) =>
              void copyText(projectLaunchUrl(serviceUrl, project)).then((ok) =>
                setAnnouncement(
                  ok
                    ? `Link to ${project.display_name} copied.`
                    : "Copying was refused by the browser.",
                ),
              )
            }
          />
        </div>
      </>
    );
  }

  return (
    <section className="lp-projects">
      <style href="launchpad-projects" precedence="default">
        {css}
      </style>
      <h2 id={headingId} className="h5 mb-2">
        Your projects
      </h2>
      {/* Always there, so screen readers hear it change; visible while it says something. */}
      <div
        role="status"
        className={announcement ? "alert alert-success py-2 mb-2" : "visually-hidden"}
      >
        {announcement}
      </div>
      {body}
      {confirming !== null && (
        <LazyPart
          loading={null}
          failed="The delete dialog could not load; reload the page to try again."
        >
          <DeleteProjectDialog
            project={confirming}
            homeOwner={homeOwner}
            pending={removal.isPending}
            error={removal.isError ? removal.error.message : null}
            onConfirm={() => remove(confirming, () => setConfirming(null))}
            onClose={() => setConfirming(null)}
          />
        </LazyPart>
      )}
    </section>
  );
}
