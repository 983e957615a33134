import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import type { ReactNode } from "react";
import { userEvent } from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { createTestQueryClient } from "../../testing/render.tsx";
import { server } from "../../testing/server.ts";
import { BuildPanel, type BuildPanelProps } from "./build-panel.tsx";
import { fakeTerminalLoader } from "./testing/fake-terminal.ts";
import {
  BUILD_STREAM_PATH,
  buildHandlers,
  RUNNING_BUILDS_PATH,
  runningBuildsHandlers,
  SAMPLE_IMAGE,
  shortBuild,
  streamResponse,
} from "./testing/handlers.ts";

/** As the page mounts it: inside the companion chunk's QueryClientProvider. */
function withQueries(ui: ReactNode) {
  return <QueryClientProvider client={createTestQueryClient()}>{ui}</QueryClientProvider>;
}

function renderPanel(props: Partial<BuildPanelProps> = {}) {
  const onBuilt = vi.fn<BuildPanelProps["onBuilt"]>();
  const loader = fakeTerminalLoader();
  render(
    withQueries(
      <BuildPanel
        serviceUrl="/prefix/services/launchpad/"
        csrfToken="csrf-1"
        onBuilt={onBuilt}
        storage={null}
        loadTerminal={loader.load}
        buildOptions={{ reconnectDelayMs: () => 0 }}
        {...props}
      />,
    ),
  );
  return { onBuilt, loader, user: userEvent.setup() };
}

async function enterRepository(
  user: ReturnType<typeof userEvent.setup>,
  repo = "binder-examples/requirements",
) {
  await user.type(screen.getByRole("textbox", { name: "GitHub repository" }), repo);
}

const SOURCE = { provider: "gh", repo: "binder-examples/requirements", ref: "HEAD" } as const;

describe("BuildPanel", () => {
  it("builds, shows the phase and log, and hands the image on: Start is the one next step", async () => {
    server.use(buildHandlers.short());
    const { user, onBuilt, loader } = renderPanel();
    expect(loader.terminals).toHaveLength(0);
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build image" }));
    expect(await screen.findByRole("status")).toHaveTextContent("The image is built and ready.");
    expect(screen.getByText(SAMPLE_IMAGE)).toBeInTheDocument();
    expect(screen.getByText(/Press Start below to launch it/)).toBeInTheDocument();
    await waitFor(() =>
      expect(loader.terminals[0]?.text).toContain(
        "Step 1/20 : FROM docker.io/library/buildpack-deps:jammy\n",
      ),
    );
    expect(onBuilt).toHaveBeenNthCalledWith(1, null);
    expect(onBuilt).toHaveBeenLastCalledWith({ imageName: SAMPLE_IMAGE, source: SOURCE });
    expect(screen.queryByRole("button", { name: /start/i })).toBeNull();
    expect(screen.getAllByRole("listitem").map((step) => step.dataset.state)).toEqual([
      "done",
      "done",
      "done",
      "done",
      "done",
    ]);
  });

  it("forgets the result as soon as the repository or ref is edited", async () => {
    server.use(buildHandlers.cached());
    const { user, onBuilt } = renderPanel();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build image" }));
    await screen.findByText(/Press Start below to launch it/);
    onBuilt.mockClear();
    await user.type(screen.getByRole("textbox", { name: "Branch, tag or commit" }), "x");
    expect(screen.queryByText(/Press Start below/)).toBeNull();
    expect(screen.queryByRole("region", { name: "Build log" })).toBeNull();
    expect(onBuilt).toHaveBeenCalledWith(null);
  });

  it("shows an image built earlier on this page until the user edits", async () => {
    const { user, onBuilt } = renderPanel({
      built: "quay.io/ada/earlier:1",
      initialSource: SOURCE,
    });
    expect(screen.getByText("quay.io/ada/earlier:1")).toBeInTheDocument();
    await user.type(screen.getByRole("textbox", { name: "GitHub repository" }), "x");
    expect(onBuilt).toHaveBeenCalledWith(null);
  });

  it("a build the shell refuses (the project limit) does not start, and says why", async () => {
    const { user, onBuilt, loader } = renderPanel({
      beforeBuild: () => "You have 3 of 3 projects.",
    });
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build image" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("You have 3 of 3 projects.");
    expect(screen.queryByRole("status")).toBeNull();
    expect(loader.terminals).toHaveLength(0);
    expect(onBuilt).not.toHaveBeenCalled();
  });

  it("keeps the step where a failed build stopped, and builds again on request", async () => {
    server.use(buildHandlers.failed());
    const { user, onBuilt } = renderPanel();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build image" }));
    expect(await screen.findByRole("status")).toHaveTextContent(
      "The build failed: Failed to build image",
    );
    expect(screen.getAllByRole("listitem").map((step) => step.dataset.state)).toEqual([
      "done",
      "done",
      "stopped",
      "pending",
      "pending",
    ]);
    expect(screen.getByRole("listitem", { current: "step" })).toHaveTextContent(
      "Building (failed here)",
    );
    server.use(buildHandlers.cached());
    await user.click(screen.getByRole("button", { name: "Build again" }));
    expect(await screen.findByText(/Press Start below to launch it/)).toBeInTheDocument();
    expect(onBuilt).toHaveBeenLastCalledWith({ imageName: SAMPLE_IMAGE, source: SOURCE });
  });

  it("loads the terminal only once a build starts", async () => {
    server.use(buildHandlers.cached());
    const { user, loader } = renderPanel();
    expect(screen.queryByRole("region", { name: "Build log" })).not.toBeInTheDocument();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build image" }));
    expect(await screen.findByRole("region", { name: "Build log" })).toBeInTheDocument();
    await waitFor(() => expect(loader.terminals).toHaveLength(1));
  });

  it("cancels a running build, keeps where it stopped, and moves the focus to Build again", async () => {
    server.use(buildHandlers.inProgress(), buildHandlers.cancel());
    const { user } = renderPanel();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build image" }));
    await waitFor(() =>
      expect(screen.getByRole("status")).toHaveTextContent("Building the image…"),
    );
    expect(screen.getByRole("listitem", { current: "step" })).toHaveTextContent("Building");
    await user.click(screen.getByRole("button", { name: "Cancel build" }));
    expect(screen.getByRole("status")).toHaveTextContent("The build was cancelled.");
    expect(screen.getByRole("listitem", { current: "step" })).toHaveTextContent(
      "Building (cancelled here)",
    );
    expect(screen.getByRole("button", { name: "Build again" })).toHaveFocus();
    expect(screen.getByRole("button", { name: "Build image" })).toBeEnabled();
  });

  it("says when a rate-limited build may be retried", async () => {
    server.use(buildHandlers.rateLimited(120));
    const { user } = renderPanel();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build image" }));
    expect(await screen.findByRole("status")).toHaveTextContent(/too many builds/);
    expect(screen.getByText(/You can try again at/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Build again" })).toBeInTheDocument();
    // Nothing was built: no empty log under the refusal.
    expect(screen.queryByRole("region", { name: "Build log" })).toBeNull();
  });

  it("starts a given source on mount when asked", async () => {
    server.use(buildHandlers.cached());
    const { onBuilt } = renderPanel({
      initialSource: { provider: "gh", repo: "org/repo", ref: "main" },
      autoStart: true,
    });
    expect(screen.getByRole("textbox", { name: "GitHub repository" })).toHaveValue("org/repo");
    await waitFor(() =>
      expect(onBuilt).toHaveBeenLastCalledWith({
        imageName: SAMPLE_IMAGE,
        source: { provider: "gh", repo: "org/repo", ref: "main" },
      }),
    );
  });

  it("shows Docker's raw JSON lines as people read them, each on its own line", async () => {
    // repo2docker writes Docker chunks it has no words for as json.dumps(chunk), no line end.
    const steps = [
      ...shortBuild.steps.slice(0, 6),
      { phase: "building" as const, message: '{"aux": {"ID": "sha256:4abce9060522"}}' },
      { phase: "building" as const, message: "Successfully built 4abce9060522\n" },
      { phase: "ready" as const, message: "Done!\n", imageName: SAMPLE_IMAGE },
    ];
    server.use(http.get(BUILD_STREAM_PATH, () => streamResponse({ steps })));
    const { user, loader } = renderPanel();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build image" }));
    await waitFor(() =>
      expect(loader.terminals[0]?.text).toContain(
        "Image ID sha256:4abce9060522\nSuccessfully built 4abce9060522\n",
      ),
    );
    expect(loader.terminals[0]?.text).not.toContain('"aux"');
  });
});

describe("a build already running", () => {
  it("after a reload (or in a second tab) the panel re-attaches to it by itself, and says so", async () => {
    server.use(
      runningBuildsHandlers.running(
        {
          provider: "gh",
          spec: "binder-examples/requirements/HEAD",
          started_at: "2026-12-01T09:00:00Z",
        },
        { provider: "gh", spec: "org/older/HEAD", started_at: "2026-12-01T08:00:00Z" },
      ),
      buildHandlers.short(),
    );
    const requested: string[] = [];
    server.events.on("request:start", ({ request }) => {
      if (request.method === "GET") requested.push(new URL(request.url).pathname);
    });
    const onAttach = vi.fn<NonNullable<BuildPanelProps["onAttach"]>>();
    const { loader, onBuilt } = renderPanel({ onAttach });
    await waitFor(() =>
      expect(screen.getByRole("status")).toHaveTextContent("The image is built and ready."),
    );
    server.events.removeAllListeners();
    expect(requested).toEqual([
      "/prefix/services/launchpad/api/builds",
      "/prefix/services/launchpad/api/builds/gh/binder-examples/requirements/HEAD",
    ]);
    const source = { provider: "gh", repo: "binder-examples/requirements", ref: "HEAD" };
    expect(onAttach).toHaveBeenCalledExactlyOnceWith(source);
    expect(onBuilt).toHaveBeenLastCalledWith({ imageName: SAMPLE_IMAGE, source });
    await waitFor(() =>
      expect(loader.terminals[0]?.text).toContain("[Launchpad] Reattaching to your build"),
    );
  });

  it("is not looked for when the panel opens to start a build of its own", async () => {
    const asked = vi.fn();
    server.use(
      http.get(RUNNING_BUILDS_PATH, () => {
        asked();
        return HttpResponse.json({ builds: [] });
      }),
      buildHandlers.cached(),
    );
    const onAttach = vi.fn();
    const { onBuilt } = renderPanel({
      initialSource: { provider: "gh", repo: "org/repo", ref: "HEAD" },
      autoStart: true,
      onAttach,
    });
    await waitFor(() =>
      expect(onBuilt).toHaveBeenLastCalledWith(
        expect.objectContaining({ imageName: SAMPLE_IMAGE }),
      ),
    );
    expect(screen.getByText(/Press Start below to launch it/)).toBeVisible();
    expect(asked).not.toHaveBeenCalled();
    expect(onAttach).not.toHaveBeenCalled();
  });
});
