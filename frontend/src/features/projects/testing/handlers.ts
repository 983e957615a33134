/**
 * The companion's projects API as MSW handlers, for unit tests, Storybook and local development.
 * Each scenario is a function so every test or story gets its own state:
 *
 *   server.use(...projectsListHandlers.deleting());
 *
 * `projectsHandlers()` is the happy path the shared `frontend/src/testing/handlers.ts` can spread in.
 */
import { http, HttpResponse, type HttpHandler, type JsonBodyType } from "msw";
import { CSRF_HEADER, type ApiError } from "../../../../../contract/api.ts";
import {
  projectId,
  type DeleteProjectResponse,
  type LaunchProjectRequest,
  type LaunchProjectResponse,
  type PendingLaunch,
  type Project,
  type ProjectLimitError,
} from "../../../../../contract/projects.ts";
import {
  deletingProject,
  FIXTURE_NOW,
  FIXTURE_USER,
  manyProjects,
  neverStartedProject,
  projectList,
  sampleProjects,
  startingProject,
} from "./fixtures.ts";

export const PROJECTS_URL = "*/services/:service/api/projects";
export const PROJECT_URL = "*/services/:service/api/projects/:id";
export const LAUNCH_URL = "*/services/:service/api/projects/:id/launch";

export const RUNNING_MESSAGE =
  "This project is in use by a running server. Stop the server, then delete the project.";

/** Typed bodies, one response type: the resolvers below answer with errors and successes. */
function json<T extends JsonBodyType>(body: T, status = 200): Response {
  return HttpResponse.json(body, { status });
}

function apiError(status: number, message: string): Response {
  return json<ApiError>({ status, message }, status);
}

export interface ProjectsApiOptions {
  projects: Project[];
  /** 0 means no limit. */
  limit?: number;
  /** Deleting it answers 409, like the companion does for the running server's project. */
  runningId?: string;
  /** How many list requests a project stays `deleting` before it disappears. */
  deletingPolls?: number;
}

/**
 * A small in-memory companion: list, delete (deleting → gone after a few polls) and launch (a
 * pending start that stays "starting": no server runs here).
 */
export function projectsApi({
  projects: initial,
  limit = 10,
  runningId,
  deletingPolls = 2,
}: ProjectsApiOptions): HttpHandler[] {
  let projects = [...initial];
  /** Projects a start was recorded for (never confirmed here: no server runs). */
  const starting = new Set(initial.filter((p) => p.pending_launch).map((p) => p.id));
  const pollsLeft = new Map(
    projects.filter((p) => p.state === "deleting").map((p) => [p.id, deletingPolls]),
  );

  return [
    http.get(PROJECTS_URL, ({ request }) => {
      const user = new URL(request.url).searchParams.get("user") ?? FIXTURE_USER;
      const response = HttpResponse.json({
        ...projectList(projects, limit, user),
        starting_project_ids: projects.filter((p) => starting.has(p.id)).map((p) => p.id),
      });
      for (const [id, left] of pollsLeft) {
        if (left > 1) pollsLeft.set(id, left - 1);
        else {
          pollsLeft.delete(id);
          projects = projects.filter((p) => p.id !== id);
        }
      }
      return response;
    }),
    http.delete(PROJECT_URL, ({ request, params }) => {
      if (!request.headers.get(CSRF_HEADER)) return apiError(403, "Missing CSRF token.");
      const project = projects.find((p) => p.id === params.id);
      if (!project) return apiError(404, `There is no project ${String(params.id)}.`);
      if (project.id === runningId) return apiError(409, RUNNING_MESSAGE);
      if (deletingPolls === 0) {
        projects = projects.filter((p) => p.id !== project.id);
        return json<DeleteProjectResponse>({ id: project.id, state: "removed" });
      }
      const deleting: Project = {
        ...project,
        state: "deleting",
        deletion: { requested_at: FIXTURE_NOW.toISOString(), requested_by: FIXTURE_USER },
      };
      projects = projects.map((p) => (p.id === project.id ? deleting : p));
      pollsLeft.set(project.id, deletingPolls);
      return json<DeleteProjectResponse>(
        { id: project.id, state: "deleting", project: deleting },
        202,
      );
    }),
    http.post(LAUNCH_URL, async ({ request, params }) => {
      if (!request.headers.get(CSRF_HEADER)) return apiError(403, "Missing CSRF token.");
      const body = (await request.json()) as LaunchProjectRequest;
      const id = projectId(body.provider, body.repository);
      if (id !== params.id) return apiError(400, "The project id does not match the repository.");
      const previous = projects.find((p) => p.id === id);
      const used = projects.filter((p) => p.state !== "deleting").length;
      if (!previous && limit > 0 && used >= limit) {
        return json<ProjectLimitError>(
          {
            status: 409,
            message: `You have ${used} of ${limit} projects. Delete one first.`,
            reason: "project-limit",
            limit,
            used,
          },
          409,
        );
      }
      // As the companion: the start is pending until a server runs with it (the mock never
      // starts one), so the record keeps what last ran and the list says "starting".
      const now = new Date().toISOString();
      const pending: PendingLaunch = {
        requested_at: now,
        ref: body.ref,
        ...(body.resolved_commit === undefined ? {} : { resolved_commit: body.resolved_commit }),
        image: body.image,
        profile_slug: body.profile_slug,
      };
      const project: Project = previous
        ? { ...previous, state: "ready", pending_launch: pending }
        : {
            id,
            provider: body.provider,
            repository: body.repository,
            ref: body.ref,
            ...(body.resolved_commit === undefined
              ? {}
              : { resolved_commit: body.resolved_commit }),
            image: body.image,
            profile_slug: body.profile_slug,
            display_name: body.display_name,
            created_at: now,
            pending_launch: pending,
            state: "ready",
          };
      starting.add(id);
      projects = [...projects.filter((p) => p.id !== id), project];
      const refChanged = previous !== undefined && previous.ref !== body.ref;
      return json<LaunchProjectResponse>({
        project,
        created: previous === undefined,
        ref_changed: refChanged,
        ...(refChanged ? { previous_ref: previous.ref } : {}),
      });
    }),
  ];
}

export const projectsListHandlers = {
  empty: () => projectsApi({ projects: [] }),
  few: () => projectsApi({ projects: sampleProjects }),
  many: () => projectsApi({ projects: manyProjects(60), limit: 0 }),
  deleting: () => projectsApi({ projects: [...sampleProjects, deletingProject] }),
  starting: () =>
    projectsApi({ projects: [...sampleProjects, startingProject, neverStartedProject] }),
  overLimit: () => projectsApi({ projects: sampleProjects, limit: sampleProjects.length }),
  serverError: () => [
    http.get(PROJECTS_URL, () =>
      apiError(500, "The Launchpad service could not read your projects."),
    ),
  ],
};

/** Put in front of a list scenario with `server.use(...)` to override its DELETE. */
export const deleteProjectHandlers = {
  ok: () => [
    http.delete(PROJECT_URL, ({ params }) =>
      json<DeleteProjectResponse>({ id: String(params.id), state: "removed" }),
    ),
  ],
  running: () => [http.delete(PROJECT_URL, () => apiError(409, RUNNING_MESSAGE))],
};

export function projectsHandlers(): HttpHandler[] {
  return projectsListHandlers.few();
}
