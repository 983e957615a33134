import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import type { ReactNode } from "react";
import { userEvent } from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ProfileOption } from "../../../../contract/spawn-page.ts";
import { createTestQueryClient } from "../../testing/render.tsx";
import { server } from "../../testing/server.ts";
import { BuildPanel, type BuildPanelProps } from "./build-panel.tsx";
import { canBuildImage } from "./can-build-image.ts";
import { LazyBuildPanel } from "./index.ts";
import { fakeTerminalLoader } from "./testing/fake-terminal.ts";
import {
  buildHandlers,
  RUNNING_BUILDS_PATH,
  runningBuildsHandlers,
  SAMPLE_IMAGE,
} from "./testing/handlers.ts";

/** As the app mounts it: inside the page's QueryClientProvider. */
function withQueries(ui: ReactNode) {
  return <QueryClientProvider client={createTestQueryClient()}>{ui}</QueryClientProvider>;
}

function renderPanel(props: Partial<BuildPanelProps> = {}) {
  const onImageReady = vi.fn<BuildPanelProps["onImageReady"]>();
  const loader = fakeTerminalLoader();
  render(
    withQueries(
      <BuildPanel
        serviceUrl="/prefix/services/launchpad/"
        csrfToken="csrf-1"
        onImageReady={onImageReady}
        storage={null}
        loadTerminal={loader.load}
        buildOptions={{ reconnectDelayMs: () => 0 }}
        {...props}
      />,
    ),
  );
  return { onImageReady, loader, user: userEvent.setup() };
}

async function enterRepository(
  user: ReturnType<typeof userEvent.setup>,
  repo = "binder-examples/requirements",
) {
  await user.type(screen.getByRole("textbox", { name: "GitHub repository" }), repo);
}

describe("BuildPanel", () => {
  it("builds, shows the phase and log, and 'Start with this image' calls back with the image", async () => {
    server.use(buildHandlers.short());
    const { user, onImageReady, loader } = renderPanel();
    expect(loader.terminals).toHaveLength(0);
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build" }));
    expect(await screen.findByRole("status")).toHaveTextContent("The image is built and ready.");
    expect(screen.getByText(SAMPLE_IMAGE)).toBeInTheDocument();
    await waitFor(() =>
      expect(loader.terminals[0]?.text).toContain(
        "Step 1/20 : FROM docker.io/library/buildpack-deps:jammy\n",
      ),
    );
    expect(onImageReady).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Start with this image" }));
    expect(onImageReady).toHaveBeenCalledExactlyOnceWith(SAMPLE_IMAGE, {
      start: true,
      source: { provider: "gh", repo: "binder-examples/requirements", ref: "HEAD" },
    });
  });

  it("'Use this image' sets the image without starting", async () => {
    server.use(buildHandlers.cached());
    const { user, onImageReady } = renderPanel();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build" }));
    await user.click(await screen.findByRole("button", { name: "Use this image" }));
    expect(onImageReady).toHaveBeenCalledExactlyOnceWith(SAMPLE_IMAGE, {
      start: false,
      source: { provider: "gh", repo: "binder-examples/requirements", ref: "HEAD" },
    });
  });

  it("'Build and start' starts as soon as the image is ready", async () => {
    server.use(buildHandlers.cached());
    const { user, onImageReady } = renderPanel();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build and start" }));
    await waitFor(() =>
      expect(onImageReady).toHaveBeenCalledExactlyOnceWith(SAMPLE_IMAGE, {
        start: true,
        source: { provider: "gh", repo: "binder-examples/requirements", ref: "HEAD" },
      }),
    );
  });

  it("a build the shell refuses (the project limit) does not start, and says why", async () => {
    const { user, onImageReady, loader } = renderPanel({
      beforeBuild: () => "You have 3 of 3 projects.",
    });
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build and start" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("You have 3 of 3 projects.");
    expect(screen.queryByRole("status")).toBeNull();
    expect(loader.terminals).toHaveLength(0);
    expect(onImageReady).not.toHaveBeenCalled();
  });

  it("'Build and start' does not start after a failure", async () => {
    server.use(buildHandlers.failed());
    const { user, onImageReady } = renderPanel();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build and start" }));
    expect(await screen.findByRole("status")).toHaveTextContent(
      "The build failed: Failed to build image",
    );
    server.use(buildHandlers.cached());
    await user.click(screen.getByRole("button", { name: "Retry" }));
    expect(
      await screen.findByRole("button", { name: "Start with this image" }),
    ).toBeInTheDocument();
    expect(onImageReady).not.toHaveBeenCalled();
  });

  it("loads the terminal only once a build starts", async () => {
    server.use(buildHandlers.cached());
    const { user, loader } = renderPanel();
    expect(screen.queryByRole("region", { name: "Build log" })).not.toBeInTheDocument();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build" }));
    expect(await screen.findByRole("region", { name: "Build log" })).toBeInTheDocument();
    await waitFor(() => expect(loader.terminals).toHaveLength(1));
  });

  it("cancels a running build", async () => {
    server.use(buildHandlers.inProgress(), buildHandlers.cancel());
    const { user } = renderPanel();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build" }));
    await waitFor(() =>
      expect(screen.getByRole("status")).toHaveTextContent("Building the image…"),
    );
    expect(screen.getByRole("listitem", { current: "step" })).toHaveTextContent("Building");
    await user.click(screen.getByRole("button", { name: "Cancel build" }));
    expect(screen.getByRole("status")).toHaveTextContent("The build was cancelled.");
    expect(screen.getByRole("button", { name: "Build" })).toBeEnabled();
  });

  it("says when a rate-limited build may be retried", async () => {
    server.use(buildHandlers.rateLimited(120));
    const { user } = renderPanel();
    await enterRepository(user);
    await user.click(screen.getByRole("button", { name: "Build" }));
    expect(await screen.findByRole("status")).toHaveTextContent(/too many builds/);
    expect(screen.getByText(/You can try again at/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });

  it("starts a given source on mount when asked", async () => {
    server.use(buildHandlers.cached());
    const { onImageReady } = renderPanel({
      initialSource: { provider: "gh", repo: "org/repo", ref: "main" },
      autoStart: true,
    });
    expect(screen.getByRole("textbox", { name: "GitHub repository" })).toHaveValue("org/repo");
    expect(
      await screen.findByRole("button", { name: "Start with this image" }),
    ).toBeInTheDocument();
    expect(onImageReady).not.toHaveBeenCalled();
  });
});

describe("a build already running", () => {
  it("after a reload (or in a second tab) the panel re-attaches to it by itself", async () => {
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
    const { loader } = renderPanel();
    await waitFor(() =>
      expect(screen.getByRole("status")).toHaveTextContent("The image is built and ready."),
    );
    server.events.removeAllListeners();
    expect(requested).toEqual([
      "/prefix/services/launchpad/api/builds",
      "/prefix/services/launchpad/api/builds/gh/binder-examples/requirements/HEAD",
    ]);
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
    renderPanel({
      initialSource: { provider: "gh", repo: "org/repo", ref: "HEAD" },
      autoStart: true,
    });
    expect(await screen.findByRole("button", { name: "Start with this image" })).toBeVisible();
    expect(asked).not.toHaveBeenCalled();
  });
});

describe("LazyBuildPanel", () => {
  it("loads the panel on first render", async () => {
    render(
      withQueries(
        <LazyBuildPanel
          serviceUrl="/prefix/services/launchpad/"
          csrfToken="c"
          onImageReady={() => undefined}
          storage={null}
        />,
      ),
    );
    expect(
      await screen.findByRole("heading", { name: "Build your own image" }),
    ).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Build" })).toHaveAttribute("type", "button");
  });
});

describe("canBuildImage", () => {
  const option = (dynamic: boolean | undefined, unlisted: boolean): ProfileOption => ({
    key: "image",
    display_name: "Image",
    choices: [],
    unlisted_choice: { enabled: unlisted },
    ...(dynamic === undefined ? {} : { dynamic_image_building: { enabled: dynamic } }),
  });
  it.each([
    [true, true, true],
    [true, false, false],
    [false, true, false],
    [undefined, true, false],
  ])("dynamic_image_building=%s, unlisted_choice=%s → %s", (dynamic, unlisted, expected) => {
    expect(canBuildImage(option(dynamic, unlisted))).toBe(expected);
  });
});
