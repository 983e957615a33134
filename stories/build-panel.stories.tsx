import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, within } from "storybook/test";
import {
  buildHandlers,
  longBuild,
  streamResponse,
  BUILD_STREAM_PATH,
} from "../frontend/src/features/build/testing/handlers.ts";
import { http } from "msw";
import { BUILD_PANEL_ARGS, BuildPanelFrame } from "./story-frame.tsx";

const SOURCE = { provider: "gh", repo: "binder-examples/requirements", ref: "HEAD" } as const;
/** Paces stories so a person can watch the phases go by. */
const PACE = { delayMs: 120 };

const meta = {
  title: "Spawn page/Build panel",
  component: BuildPanelFrame,
  args: BUILD_PANEL_ARGS,
} satisfies Meta<typeof BuildPanelFrame>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Idle: Story = {};

export const OnlySomeProviders: Story = { args: { allowedProviders: ["gh", "zenodo"] } };

export const Streaming: Story = {
  args: { initialSource: SOURCE, autoStart: true },
  parameters: {
    msw: [buildHandlers.inProgress(PACE), buildHandlers.cancel()],
    settledText: "Building the image",
  },
};

/** The real 736-event log recorded from a Kubernetes BinderHub, delivered at once (the case of the "≤ 150 ms" budget). */
export const RecordedBuild: Story = {
  args: {
    initialSource: { provider: "gh", repo: "binder-examples/octave", ref: "HEAD" },
    autoStart: true,
  },
  parameters: {
    msw: [buildHandlers.recorded()],
    settledText: "The image is built and ready.",
  },
};

/** The image from a build earlier on this page (the user picked another image, then came back). */
export const BuiltEarlier: Story = {
  args: { initialSource: SOURCE, built: "quay.io/ada/binder-examples-requirements:0a1b2c3" },
};

/** The project limit: the build is refused before it starts. */
export const Refused: Story = {
  args: {
    beforeBuild: () =>
      "You have 4 of 4 projects. Delete one in Your projects to build a new repository.",
  },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.type(canvas.getByRole("textbox", { name: "GitHub repository" }), "ada/new");
    await userEvent.click(canvas.getByRole("button", { name: "Build image" }));
    await expect(await canvas.findByRole("alert")).toHaveTextContent("You have 4 of 4 projects.");
  },
};

export const Cached: Story = {
  args: { initialSource: SOURCE, autoStart: true },
  parameters: { msw: [buildHandlers.cached()], settledText: "This image was already built." },
};

export const Failed: Story = {
  args: { initialSource: SOURCE, autoStart: true },
  parameters: { msw: [buildHandlers.failed(PACE)], settledText: "The build failed" },
};

export const Cancelled: Story = {
  args: { initialSource: SOURCE, autoStart: true },
  parameters: { msw: [buildHandlers.inProgress(), buildHandlers.cancel()] },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole("button", { name: "Cancel build" }));
    await expect(await canvas.findByText("The build was cancelled.")).toBeInTheDocument();
  },
};

export const RateLimited: Story = {
  args: { initialSource: SOURCE, autoStart: true },
  parameters: { msw: [buildHandlers.rateLimited(300)], settledText: "too many builds" },
};

/** The connection dropped mid-build and the companion has not answered the re-attach yet. */
export const Reconnecting: Story = {
  args: { initialSource: SOURCE, autoStart: true, buildOptions: { reconnectDelayMs: () => 0 } },
  parameters: {
    msw: [buildHandlers.droppedThenSilent()],
    settledText: "Reconnecting to the build",
  },
};

export const SignedOut: Story = {
  args: { initialSource: SOURCE, autoStart: true },
  parameters: {
    msw: [buildHandlers.signedOut()],
    settledText: "Your Launchpad session has ended.",
  },
};

/**
 * 50,000 log lines: the terminal keeps the last 10,000 and says so above itself; it stays smooth,
 * and scrolling up stops following.
 */
export const LongLog: Story = {
  args: { initialSource: SOURCE, autoStart: true },
  parameters: { msw: [http.get(BUILD_STREAM_PATH, () => streamResponse(longBuild(50_000)))] },
};
