import { screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { projectId } from "../../../contract/projects.ts";
import { PROJECT_OPTION_KEY, type Profile } from "../../../contract/spawn-page.ts";
import {
  buildHandlers,
  runningBuildsHandlers,
  SAMPLE_IMAGE,
} from "../features/build/testing/handlers.ts";
import { octave, sampleProjects } from "../features/projects/testing/fixtures.ts";
import { LAUNCH_URL, projectsApi } from "../features/projects/testing/handlers.ts";
import { spawnPageData, buildingProfile } from "../testing/fixtures.ts";
import { sampleMe } from "../testing/handlers.ts";
import { renderApp } from "../testing/render.tsx";
import { server } from "../testing/server.ts";
import { lazyCompanionSlots } from "./lazy-companion-panels.tsx";

const python: Profile = buildingProfile;
const data = spawnPageData([python]);
const SERVICE = "/prefix/services/launchpad/";

function renderPage() {
  const page = renderApp(data, { companion: lazyCompanionSlots(SERVICE, data) });
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

async function chooseBuild(user: ReturnType<typeof userEvent.setup>) {
  const entry = await screen.findByRole("radio", { name: "Build from a repository" });
  await waitFor(() => expect(entry).toBeEnabled(), { timeout: 15_000 });
  await user.click(entry);
}

// chooseBuild and findBuildPanelRepository wait up to 15 s: the tests get 30 s, not vitest's 5 s default.
describe("building and Your projects on the spawn form", { timeout: 30_000 }, () => {
  it("builds, then the one Start records the project and posts its image and project id", async () => {
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }));
    const { user, submitted } = renderPage();
    await chooseBuild(user);
    await user.type(await findBuildPanelRepository(), "binder-examples/requirements");
    await user.click(screen.getByRole("button", { name: "Build image" }));
    expect(await screen.findByText(/Press Start below to launch it/)).toBeInTheDocument();
    // One next step: no start button but the page's own.
    expect(screen.getAllByRole("button", { name: /start/i })).toEqual([
      screen.getByRole("button", { name: "Start" }),
    ]);
    await user.click(screen.getByRole("button", { name: "Start" }));

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

  it("building records nothing; the Start that posts the form records the start first", async () => {
    const order: string[] = [];
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }));
    const { user, submitted } = renderPage();
    server.events.on("request:start", ({ request }) => {
      if (request.method === "POST")
        order.push(`${new URL(request.url).pathname} (posted forms: ${submitted.length})`);
    });
    await chooseBuild(user);
    await user.type(await findBuildPanelRepository(), "binder-examples/requirements");
    await user.click(screen.getByRole("button", { name: "Build image" }));
    await screen.findByText(/Press Start below to launch it/);
    expect(order).toEqual([]);
    expect(submitted).toHaveLength(0);

    // The start is recorded when the form is posted, by any of its submit buttons.
    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(submitted).toHaveLength(1));
    const id = projectId("gh", "binder-examples/requirements");
    expect(order).toEqual([
      `/prefix/services/launchpad/api/projects/${id}/launch (posted forms: 0)`,
    ]);
    expect(fields(submitted)[`profile-option-python--${PROJECT_OPTION_KEY}`]).toBe(id);
    server.events.removeAllListeners();
  });

  it("after a reload with a build still running, shows it in the build entry; Start posts its image", async () => {
    server.use(
      runningBuildsHandlers.running({
        provider: "gh",
        spec: "binder-examples/requirements/HEAD",
        started_at: "2026-12-01T09:00:00Z",
      }),
      buildHandlers.cached(),
      ...projectsApi({ projects: [] }),
    );
    const { user, submitted } = renderPage();
    expect(
      await screen.findByText(/Press Start below to launch it/, {}, { timeout: 15_000 }),
    ).toBeVisible();
    expect(screen.getByRole("radio", { name: "Build from a repository" })).toBeChecked();
    expect(await findBuildPanelRepository()).toBeVisible();
    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(fields(submitted)["profile-option-python--image--unlisted-choice"]).toBe(SAMPLE_IMAGE);
  });

  it("does not post a project's Start when the companion cannot record it, and says why", async () => {
    server.use(
      http.post(LAUNCH_URL, () =>
        HttpResponse.json(
          { status: 503, message: "Launchpad is shutting down or not ready; try again shortly." },
          { status: 503 },
        ),
      ),
      ...projectsApi({ projects: sampleProjects }),
    );
    const { user, submitted } = renderPage();
    const table = await screen.findByRole("table", { name: /your projects/i });
    await user.click(within(table).getByRole("button", { name: `Start ${octave.display_name}` }));
    expect(await screen.findByText(/shutting down or not ready/)).toBeInTheDocument();
    expect(submitted).toHaveLength(0);
  });

  it("drops the built image as soon as the repository is edited", async () => {
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }));
    const { user, submitted } = renderPage();
    await chooseBuild(user);
    const repo = await findBuildPanelRepository();
    await user.type(repo, "binder-examples/requirements");
    await user.click(screen.getByRole("button", { name: "Build image" }));
    await screen.findByText(/Press Start below to launch it/);
    await user.type(repo, "-2");
    expect(screen.queryByText(/Press Start below to launch it/)).toBeNull();
    expect(screen.queryByRole("region", { name: "Build log" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Start" }));
    expect(submitted).toEqual([]);
    expect(screen.getByRole("alert")).toHaveTextContent("Build an image first");
  });

  it("shows why a project could not be recorded and starts nothing", async () => {
    server.use(
      http.post(LAUNCH_URL, () =>
        HttpResponse.json({ status: 409, message: "You have 4 of 4 projects." }, { status: 409 }),
      ),
      buildHandlers.cached(),
      ...projectsApi({ projects: [] }),
    );
    const { user, submitted } = renderPage();
    await chooseBuild(user);
    await user.type(await findBuildPanelRepository(), "someone/new-repo");
    await user.click(screen.getByRole("button", { name: "Build image" }));
    await screen.findByText(/Press Start below to launch it/);
    await user.click(screen.getByRole("button", { name: "Start" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("You have 4 of 4 projects.");
    expect(submitted).toEqual([]);
    expect(screen.getByRole("button", { name: "Start" })).toHaveTextContent("Start");
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

  it("rebuilds a project in the build entry of its profile", async () => {
    server.use(buildHandlers.cached(), ...projectsApi({ projects: sampleProjects }));
    const { user } = renderPage();
    const table = await screen.findByRole("table", { name: /your projects/i });
    await user.click(within(table).getByRole("button", { name: `Rebuild ${octave.display_name}` }));
    expect(screen.getByRole("radio", { name: "Build from a repository" })).toBeChecked();
    expect(await findBuildPanelRepository()).toHaveValue(octave.repository);
    expect(await screen.findByText(/Press Start below to launch it/)).toBeInTheDocument();
  });

  it("refuses to build a new repository at the project limit, before any build starts", async () => {
    server.use(...projectsApi({ projects: sampleProjects, limit: sampleProjects.length }));
    const { user, submitted } = renderPage();
    await screen.findByRole("table", { name: /your projects/i });
    await chooseBuild(user);
    await user.type(await findBuildPanelRepository(), "someone/new-repo");
    await user.click(screen.getByRole("button", { name: "Build image" }));
    expect(
      await screen.findByText(/Delete one in Your projects to build a new repository/),
    ).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cancel build" })).toBeNull();
    expect(submitted).toHaveLength(0);
  });

  it("only offers what the companion has switched on", async () => {
    server.use(
      http.get("*/services/:service/api/me", () =>
        HttpResponse.json({ ...sampleMe, features: { build: false, projects: true } }),
      ),
      ...projectsApi({ projects: sampleProjects }),
    );
    renderPage();
    expect(await screen.findByRole("table", { name: /your projects/i })).toBeInTheDocument();
    const entry = screen.getByRole("radio", { name: "Build from a repository" });
    expect(entry).toBeDisabled();
    expect(entry).toHaveAccessibleDescription("Not available on this hub.");
    expect(screen.queryByRole("textbox", { name: "GitHub repository" })).toBeNull();
  });
});
