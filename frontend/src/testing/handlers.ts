/**
 * The companion's API as MSW handlers: one set for unit tests (msw/node, see setup-tests.ts) and
 * Storybook (msw-storybook-addon). `handlers` is the happy path; stories and tests swap in others.
 */
import { http, HttpResponse } from "msw";
import type { ApiError, Me } from "../../../contract/api.ts";
import { runningBuildsHandlers } from "../features/build/testing/handlers.ts";
import { launchLinkHandlers } from "../features/launch-links/testing/handlers.ts";
import { projectsListHandlers } from "../features/projects/testing/handlers.ts";

const ME = "*/services/:service/api/me";

export const sampleMe: Me = {
  name: "ada",
  admin: false,
  csrf_token: "csrf-from-me",
  features: { build: true, projects: true },
  profile_editor: false,
};

export const meHandlers = {
  ok: http.get(ME, () => HttpResponse.json(sampleMe)),
  unauthorized: http.get(ME, ({ params }) =>
    HttpResponse.json<ApiError>(
      {
        status: 401,
        message: "Not signed in",
        login_url: `/services/${String(params.service)}/oauth_login`,
      },
      { status: 401 },
    ),
  ),
  serverError: http.get(ME, () =>
    HttpResponse.json<ApiError>(
      { status: 500, message: "The Launchpad service failed." },
      { status: 500 },
    ),
  ),
};

/** The companion's happy path: signed in, building and projects on, no projects yet, no build running. */
export const handlers = [
  meHandlers.ok,
  runningBuildsHandlers.none(),
  ...projectsListHandlers.empty(),
  launchLinkHandlers.none(),
];
