import { screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { projectServerName } from "../../../contract/named-servers.ts";
import { projectId } from "../../../contract/projects.ts";
import {
  PROJECT_OPTION_KEY,
  type Profile,
  type SpawnPageData,
} from "../../../contract/spawn-page.ts";
import { buildHandlers, SAMPLE_IMAGE } from "../features/build/testing/handlers.ts";
import { octave, sampleProjects } from "../features/projects/testing/fixtures.ts";
import { LAUNCH_URL, projectsApi } from "../features/projects/testing/handlers.ts";
import {
  hubServersApi,
  projectHubServer,
  TEST_HUB_ACCESS,
} from "../features/projects/testing/hub-handlers.ts";
import type { ServerState } from "../features/projects/project-servers.ts";
import { launchLinkHandlers } from "../features/launch-links/testing/handlers.ts";
import { navigation } from "../lib/navigation.ts";
import { spawnPageData, buildingProfile } from "../testing/fixtures.ts";
import { renderApp } from "../testing/render.tsx";
import { server } from "../testing/server.ts";
import { lazyCompanionSlots } from "./lazy-companion-panels.tsx";

const python: Profile = buildingProfile;
const SERVICE = "/prefix/services/launchpad/";
/** The hub's spawn form posts to the page's own URL with its XSRF token (pages.py _render_form). */
const HUB_FORM_ACTION = "/prefix/hub/spawn/ada?_xsrf=form-token";
const OCTAVE_SERVER = projectServerName(octave.id);

function withHub(version: string, named = true, limit = 0): SpawnPageData {
  return {
    ...spawnPageData([python]),
    hub: { version, named_servers: named, named_server_limit: limit },
  };
}

/** The page as on the hub, recording where each post that goes ahead is sent. */
function renderPage(data: SpawnPageData) {
  const hubPage = { baseUrl: TEST_HUB_ACCESS.baseUrl, xsrfToken: TEST_HUB_ACCESS.xsrfToken };
  const page = renderApp(data, { companion: lazyCompanionSlots(SERVICE, data, hubPage) });
  page.form.setAttribute("action", HUB_FORM_ACTION);
  const actions: string[] = [];
  page.form.addEventListener("submit", (event) => {
    // After renderApp's own listener, which records a post that goes ahead (and then holds it).
    if (page.submitted.length === actions.length) return;
    const submitter = event.submitter as HTMLButtonElement | null;
    actions.push(submitter?.getAttribute("formaction") ?? page.form.getAttribute("action") ?? "");
  });
  return { ...page, actions, user: userEvent.setup() };
}

const fields = (submitted: Array<Array<[string, string]>>) =>
  Object.fromEntries(submitted[0] ?? []);

/** The page is opened from a launch link to octave's repository; octave's server is `state`. */
function linkToOctave(state: ServerState) {
  const hub = hubServersApi({ servers: Object.fromEntries([projectHubServer(octave.id, state)]) });
  server.use(
    launchLinkHandlers.handsOver({
      profile: "python",
      options: [],
      repository: { provider: "gh", repo: "ada/octave", ref: "main" },
    }),
    ...projectsApi({ projects: sampleProjects }),
    ...hub.handlers,
  );
  return hub;
}

describe("starting projects as named servers", { timeout: 30_000 }, () => {
  it("JupyterHub 5.5: Start posts the hub's form to the project's own server, with no display name", async () => {
    const hub = hubServersApi({ servers: {} });
    server.use(...projectsApi({ projects: sampleProjects }), ...hub.handlers);
    const { user, submitted, actions } = renderPage(withHub("5.5.4"));
    const table = await screen.findByRole("table", { name: /your projects/i });
    await screen.findByRole("columnheader", { name: "Server" });
    await user.click(within(table).getByRole("button", { name: "Start octave" }));

    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(actions).toEqual([`/prefix/hub/spawn/ada/${OCTAVE_SERVER}?_xsrf=form-token`]);
    expect(fields(submitted)).toEqual({
      profile: "python",
      "profile-option-python--image--unlisted-choice": octave.image,
      [`profile-option-python--${PROJECT_OPTION_KEY}`]: octave.id,
    });
    // 5.5 would start a server from any query on its spawn page: none was asked for.
    expect(hub.calls.created).toEqual([]);
  });

  it("JupyterHub 6: a new server is created with the repository as its display name first", async () => {
    const hub = hubServersApi({ servers: {} });
    const order: string[] = [];
    server.events.on("request:start", ({ request }) => {
      const url = new URL(request.url);
      if (url.pathname.includes("/spawn/") || request.method === "POST") order.push(url.pathname);
    });
    server.use(...projectsApi({ projects: sampleProjects }), ...hub.handlers);
    const { user, submitted, actions } = renderPage(withHub("6.1.1"));
    await screen.findByRole("columnheader", { name: "Server" });
    await user.click(screen.getByRole("button", { name: "Start octave" }));

    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(hub.calls.created).toEqual([{ name: OCTAVE_SERVER, displayName: octave.repository }]);
    expect(order).toEqual([
      `/prefix/services/launchpad/api/projects/${octave.id}/launch`,
      `/prefix/hub/spawn/ada/${OCTAVE_SERVER}`,
    ]);
    expect(actions).toEqual([`/prefix/hub/spawn/ada/${OCTAVE_SERVER}?_xsrf=form-token`]);
    server.events.removeAllListeners();
  });

  it("JupyterHub 6: a server the hub keeps already is not renamed", async () => {
    const hub = hubServersApi({
      servers: Object.fromEntries([projectHubServer(octave.id, "stopped")]),
    });
    server.use(...projectsApi({ projects: sampleProjects }), ...hub.handlers);
    const { user, submitted } = renderPage(withHub("6.1.1"));
    await screen.findByRole("columnheader", { name: "Server" });
    await user.click(screen.getByRole("button", { name: "Start octave" }));
    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(hub.calls.created).toEqual([]);
  });

  it("a change of option after Start was refused drops the named server with the project", async () => {
    const hub = hubServersApi({ servers: {} });
    server.use(...projectsApi({ projects: sampleProjects }), ...hub.handlers);
    server.use(
      // The companion refuses to record the start: nothing is posted.
      http.post(LAUNCH_URL, () =>
        HttpResponse.json({ status: 409, message: "No room." }, { status: 409 }),
      ),
    );
    const { user, submitted, actions } = renderPage(withHub("5.5.4"));
    await screen.findByRole("columnheader", { name: "Server" });
    await user.click(screen.getByRole("button", { name: "Start octave" }));
    expect(await screen.findByText("No room.")).toBeInTheDocument();
    await user.click(screen.getByRole("radio", { name: /Pangeo/ }));
    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(actions).toEqual([HUB_FORM_ACTION]);
  });

  it("without named servers a project starts in the page's own server, the hub unasked", async () => {
    const hub = hubServersApi({ servers: {} });
    server.use(...projectsApi({ projects: sampleProjects }), ...hub.handlers);
    const { user, submitted, actions } = renderPage(withHub("6.1.1", false));
    const table = await screen.findByRole("table", { name: /your projects/i });
    await user.click(within(table).getByRole("button", { name: "Start octave" }));
    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(actions).toEqual([HUB_FORM_ACTION]);
    expect(screen.queryByRole("columnheader", { name: "Server" })).toBeNull();
    expect(hub.calls.reads).toBe(0);
  });

  it("a launch link to a project whose server runs opens that server, and starts nothing", async () => {
    const hub = linkToOctave("running");
    const { submitted } = renderPage(withHub("6.1.1"));
    await waitFor(() =>
      expect(navigation.assign).toHaveBeenCalledWith(`/prefix/user/ada/${OCTAVE_SERVER}/`),
    );
    expect(submitted).toHaveLength(0);
    expect(hub.calls.created).toEqual([]);
  });

  it("a launch link to a project whose server is stopped selects it for Start on that server", async () => {
    linkToOctave("stopped");
    const { user, submitted, actions } = renderPage(withHub("5.5.4"));
    await screen.findByText(/The link's repository is your project octave/);
    expect(navigation.assign).not.toHaveBeenCalled();
    expect(submitted).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(actions).toEqual([`/prefix/hub/spawn/ada/${OCTAVE_SERVER}?_xsrf=form-token`]);
    expect(fields(submitted)[`profile-option-python--${PROJECT_OPTION_KEY}`]).toBe(octave.id);
  });
});

const BUILT = { provider: "gh", repo: "binder-examples/requirements" } as const;
const BUILT_ID = projectId(BUILT.provider, BUILT.repo);
const BUILT_SERVER = projectServerName(BUILT_ID);
const BUILT_ACTION = `/prefix/hub/spawn/ada/${BUILT_SERVER}?_xsrf=form-token`;

/** Builds BUILT in the build choice (the BinderHub double has it cached), then presses Start. */
async function buildAndStart(page: ReturnType<typeof renderPage>, start = "Start") {
  const { user } = page;
  const entry = await screen.findByRole("radio", { name: "Build from a repository" });
  await waitFor(() => expect(entry).toBeEnabled(), { timeout: 15_000 });
  await user.click(entry);
  const repository = await screen.findByRole(
    "textbox",
    { name: "GitHub repository" },
    { timeout: 15_000 },
  );
  await user.type(repository, BUILT.repo);
  await user.click(screen.getByRole("button", { name: "Build image" }));
  await screen.findByText(/Press Start below to launch it/);
  await user.click(screen.getByRole("button", { name: start }));
}

describe("the Start after a build, on a hub with named servers", { timeout: 30_000 }, () => {
  it("JupyterHub 6: names the project's new server after the repository, then posts to it", async () => {
    const hub = hubServersApi({ servers: {} });
    const order: string[] = [];
    server.events.on("request:start", ({ request }) => {
      const url = new URL(request.url);
      if (url.pathname.includes("/spawn/") || request.method === "POST") order.push(url.pathname);
    });
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }), ...hub.handlers);
    const page = renderPage(withHub("6.1.1"));
    await buildAndStart(page);

    await waitFor(() => expect(page.submitted).toHaveLength(1));
    expect(page.actions).toEqual([BUILT_ACTION]);
    expect(fields(page.submitted)).toEqual({
      profile: "python",
      "profile-option-python--image--unlisted-choice": SAMPLE_IMAGE,
      [`profile-option-python--${PROJECT_OPTION_KEY}`]: BUILT_ID,
    });
    // The display name is the repository as the companion records it, as the table's Start sends.
    expect(hub.calls.created).toEqual([
      { name: BUILT_SERVER, displayName: `https://github.com/${BUILT.repo}` },
    ]);
    expect(order).toEqual([
      `/prefix/services/launchpad/api/projects/${BUILT_ID}/launch`,
      `/prefix/hub/spawn/ada/${BUILT_SERVER}`,
    ]);
    server.events.removeAllListeners();
  });

  it("JupyterHub 5.5: posts to the project's own server and asks the hub's spawn page nothing", async () => {
    const hub = hubServersApi({ servers: {} });
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }), ...hub.handlers);
    const page = renderPage(withHub("5.5.4"));
    await buildAndStart(page);
    await waitFor(() => expect(page.submitted).toHaveLength(1));
    expect(page.actions).toEqual([BUILT_ACTION]);
    expect(hub.calls.created).toEqual([]);
  });

  it("at the hub's named server limit, starts in the page's own server", async () => {
    const hub = hubServersApi({
      servers: Object.fromEntries([projectHubServer(octave.id, "stopped")]),
    });
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }), ...hub.handlers);
    const page = renderPage(withHub("6.1.1", true, 1));
    await buildAndStart(page);
    await waitFor(() => expect(page.submitted).toHaveLength(1));
    expect(page.actions).toEqual([HUB_FORM_ACTION]);
    expect(hub.calls.created).toEqual([]);
  });

  it.each(["running", "starting"] as const)(
    "the project's server %s: Start says so, records nothing and posts nothing",
    async (state) => {
      const hub = hubServersApi({
        servers: Object.fromEntries([projectHubServer(BUILT_ID, state)]),
      });
      const posts: string[] = [];
      server.events.on("request:start", ({ request }) => {
        if (request.method === "POST") posts.push(new URL(request.url).pathname);
      });
      server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }), ...hub.handlers);
      const page = renderPage(withHub("6.1.1"));
      await buildAndStart(page);
      expect(
        await screen.findByText(
          new RegExp(`Your project ${BUILT.repo} is (already running|starting) in its own server`),
        ),
      ).toBeInTheDocument();
      expect(page.submitted).toHaveLength(0);
      expect(posts).toEqual([]);
      expect(hub.calls.created).toEqual([]);
      server.events.removeAllListeners();
    },
  );

  it("a server started in another tab since the page read the hub: refused the same", async () => {
    const hub = hubServersApi({ servers: {} });
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }), ...hub.handlers);
    const page = renderPage(withHub("6.1.1"));
    await screen.findByRole("radio", { name: "Build from a repository" });
    await waitFor(() => expect(hub.calls.reads).toBeGreaterThan(0));
    // The hub's next read lists the project's server running.
    server.use(
      ...hubServersApi({ servers: Object.fromEntries([projectHubServer(BUILT_ID, "running")]) })
        .handlers,
    );
    await buildAndStart(page);
    expect(await screen.findByText(/is already running in its own server/)).toBeInTheDocument();
    expect(page.submitted).toHaveLength(0);
  });

  it("pressed with the hub's own submit button, the post still goes to the project's server", async () => {
    const hub = hubServersApi({ servers: {} });
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }), ...hub.handlers);
    const page = renderPage(withHub("5.5.4"));
    // JupyterHub's spawn.html has its own `<input type="submit" value="Start">` after the options.
    const hubStart = page.form.appendChild(document.createElement("input"));
    hubStart.type = "submit";
    hubStart.value = "Start the hub's way";
    await buildAndStart(page, "Start the hub's way");
    await waitFor(() => expect(page.submitted).toHaveLength(1));
    expect(page.actions).toEqual([BUILT_ACTION]);
  });

  it("without named servers, starts in the page's own server and asks the hub nothing", async () => {
    const hub = hubServersApi({ servers: {} });
    server.use(buildHandlers.cached(), ...projectsApi({ projects: [] }), ...hub.handlers);
    const page = renderPage(withHub("6.1.1", false));
    await buildAndStart(page);
    await waitFor(() => expect(page.submitted).toHaveLength(1));
    expect(page.actions).toEqual([HUB_FORM_ACTION]);
    expect(hub.calls.reads).toBe(0);
  });
});
