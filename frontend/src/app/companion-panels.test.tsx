import { screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { PROJECT_OPTION_KEY, type Profile } from "../../../contract/spawn-page.ts";
import { projectId } from "../../../contract/projects.ts";
import { buildHandlers, SAMPLE_IMAGE } from "../features/build/testing/handlers.ts";
import { octave, sampleProjects } from "../features/projects/testing/fixtures.ts";
import { LAUNCH_URL, projectsApi } from "../features/projects/testing/handlers.ts";
import { spawnPageData } from "../testing/fixtures.ts";
import { sampleMe } from "../testing/handlers.ts";
import { renderApp } from "../testing/render.tsx";
import { server } from "../testing/server.ts";
import CompanionPanels from "./companion-panels.tsx";

/** A profile whose image option accepts built images, as nasa-veda's does (no regex here). */
const python: Profile = {
  slug: "python",
  display_name: "Python",
  default: true,
  profile_options: [
    {
      key: "image",
      display_name: "Environment",
      choices: [{ key: "pangeo", display_name: "Pangeo", default: true }],
      unlisted_choice: { enabled: true, display_name: "Custom image" },
      dynamic_image_building: { enabled: true },
    },
  ],
};
const data = spawnPageData([python]);

function renderPage() {
  const page = renderApp(data, {
    companionPanels: (session, profile) => (
      <CompanionPanels
        data={data}
        serviceUrl="/prefix/services/launchpad/"
        me={session.me}
        profile={profile}
      />
    ),
  });
  return { ...page, user: userEvent.setup() };
}

/**
 * The build panel is a lazy chunk of its own: the first import in a test run is transformed on
 * demand, which takes seconds on a loaded machine, so wait longer than findBy's default 1 s.
 */
const findBuildPanelRepository = () =>
  screen.findByRole("textbox", { name: "GitHub repository" }, { timeout: 15_000 });

const fields = (submitted: Array<Array<[string, string]>>) =>
  Object.fromEntries(submitted[0] ?? []);

// findBuildPanelRepository waits up to 15 s: the tests get 30 s, not vitest's 5 s default.
describe("the build panel and Your Projects on the spawn form", { timeout: 30_000 }, () => {
  it("records a built repository as a project, then posts its image and project id", async () => {
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }));
    const { user, submitted } = renderPage();
    await user.type(await findBuildPanelRepository(), "binder-examples/requirements");
    await user.click(screen.getByRole("button", { name: "Build" }));
    await user.click(await screen.findByRole("button", { name: "Start with this image" }));

    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(fields(submitted)).toEqual({
      profile: "python",
      "profile-option-python--image--unlisted-choice": SAMPLE_IMAGE,
      [`profile-option-python--${PROJECT_OPTION_KEY}`]: projectId(
        "gh",
        "binder-examples/requirements",
      ),
    });
    // The project was recorded before the form was posted.
    const table = await screen.findByRole("table", { name: /your projects/i });
    expect(
      within(table).getByRole("link", { name: /binder-examples\/requirements/ }),
    ).toBeInTheDocument();
  });

  it("'Build and start' posts the built image and the project id once the build is ready", async () => {
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }));
    const { user, submitted } = renderPage();
    await user.type(await findBuildPanelRepository(), "binder-examples/requirements");
    await user.click(screen.getByRole("button", { name: "Build and start" }));

    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(fields(submitted)).toEqual({
      profile: "python",
      "profile-option-python--image--unlisted-choice": SAMPLE_IMAGE,
      [`profile-option-python--${PROJECT_OPTION_KEY}`]: projectId(
        "gh",
        "binder-examples/requirements",
      ),
    });
  });

  it("'Use this image' records nothing; the Start that posts the form records the start first", async () => {
    const order: string[] = [];
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }));
    const { user, submitted } = renderPage();
    server.events.on("request:start", ({ request }) => {
      if (request.method === "POST")
        order.push(`${new URL(request.url).pathname} (posted forms: ${submitted.length})`);
    });
    await user.type(
      await screen.findByRole("textbox", { name: "GitHub repository" }),
      "binder-examples/requirements",
    );
    await user.click(screen.getByRole("button", { name: "Build" }));
    await user.click(await screen.findByRole("button", { name: "Use this image" }));
    expect(order).toEqual([]);
    expect(submitted).toHaveLength(0);

    // The user may still change options; the start is recorded when the form is posted.
    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(submitted).toHaveLength(1));
    const id = projectId("gh", "binder-examples/requirements");
    expect(order).toEqual([
      `/prefix/services/launchpad/api/projects/${id}/launch (posted forms: 0)`,
    ]);
    expect(fields(submitted)[`profile-option-python--${PROJECT_OPTION_KEY}`]).toBe(id);
    server.events.removeAllListeners();
  });

  it("does not post the form when the companion cannot record the start, and says why", async () => {
    server.use(
      buildHandlers.cached(),
      http.post(LAUNCH_URL, () =>
        HttpResponse.json(
          { status: 503, message: "Launchpad is shutting down or not ready; try again shortly." },
          { status: 503 },
        ),
      ),
      ...projectsApi({ projects: [] }),
    );
    const { user, submitted } = renderPage();
    await user.type(
      await screen.findByRole("textbox", { name: "GitHub repository" }),
      "binder-examples/requirements",
    );
    await user.click(screen.getByRole("button", { name: "Build" }));
    await user.click(await screen.findByRole("button", { name: "Start with this image" }));
    expect(await screen.findByText(/shutting down or not ready/)).toBeInTheDocument();
    expect(submitted).toHaveLength(0);
  });

  it("reopens a project from the table with its image and its folder", async () => {
    server.use(...projectsApi({ projects: sampleProjects }));
    const { user, submitted } = renderPage();
    const table = await screen.findByRole("table", { name: /your projects/i });
    await user.click(within(table).getByRole("button", { name: `Start ${octave.display_name}` }));

    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(fields(submitted)).toEqual({
      profile: "python",
      "profile-option-python--image--unlisted-choice": octave.image,
      [`profile-option-python--${PROJECT_OPTION_KEY}`]: octave.id,
    });
  });

  it("refuses to build a new repository at the project limit, before any build starts", async () => {
    server.use(...projectsApi({ projects: sampleProjects, limit: sampleProjects.length }));
    const { user, submitted } = renderPage();
    await screen.findByRole("table", { name: /your projects/i });
    await user.type(await findBuildPanelRepository(), "someone/new-repo");
    await user.click(screen.getByRole("button", { name: "Build and start" }));
    expect(
      await screen.findByText(/Delete one in Your Projects to build a new repository/),
    ).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cancel build" })).toBeNull();
    expect(submitted).toHaveLength(0);
  });

  it("only offers what the companion has switched on", async () => {
    server.use(...projectsApi({ projects: sampleProjects }));
    const me = { ...sampleMe, features: { build: false, projects: true } };
    renderApp(data, {
      companionPanels: (_session, profile) => (
        <CompanionPanels
          data={data}
          serviceUrl="/prefix/services/launchpad/"
          me={me}
          profile={profile}
        />
      ),
    });
    expect(await screen.findByRole("table", { name: /your projects/i })).toBeInTheDocument();
    expect(screen.queryByRole("textbox", { name: "GitHub repository" })).toBeNull();
  });
});
