import type { Meta, StoryObj } from "@storybook/react-vite";
import { http } from "msw";
import {
  BUILD_STREAM_PATH,
  streamResponse,
} from "../frontend/src/features/build/testing/handlers.ts";
import { DEMO_BUILDS, type DemoBuild } from "./local-demo-builds.ts";
import { BUILD_PANEL_ARGS, BuildPanelFrame } from "./story-frame.tsx";

/**
 * The build panel in the local demo (`npm start`): an ordinary repository, and each failure
 * scenario the demo page and the README list, with the events the companion sends there.
 */
const meta = {
  title: "Local demo/Builds",
  component: BuildPanelFrame,
  args: BUILD_PANEL_ARGS,
} satisfies Meta<typeof BuildPanelFrame>;

export default meta;
type Story = StoryObj<typeof meta>;

function demoStory(build: DemoBuild, settledText: string): Story {
  return {
    args: {
      initialSource: { provider: "gh", repo: build.repository, ref: "HEAD" },
      autoStart: true,
    },
    parameters: {
      msw: [
        http.get(BUILD_STREAM_PATH, () => streamResponse(build.script, { delayMs: build.delayMs })),
      ],
      demoBuild: build,
      settledText,
    },
  };
}

/** Any repository but the scenarios': the recorded build, its image named for this repository. */
export const RecordedBuild = demoStory(DEMO_BUILDS.replayed, "The image is built and ready.");

export const FailingBuild = demoStory(DEMO_BUILDS.failing, "The build failed");

/** BinderHub's own rate limit, inside its stream (not the companion's per-user limit). */
export const BinderHubRateLimit = demoStory(DEMO_BUILDS.rateLimited, "rate-limiting");

/** About 45 seconds, as the demo paces it. */
export const SlowBuild = demoStory(DEMO_BUILDS.slow, "The image is built and ready.");

export const DroppedStream = demoStory(DEMO_BUILDS.dropped, "The connection to BinderHub broke");

export const CachedImage = demoStory(DEMO_BUILDS.cached, "This image was already built.");

/** BinderHub goes quiet; the demo gives up after 90 s, the story after a few. */
export const SilentBinderHub = demoStory(DEMO_BUILDS.silent, "Lost contact with BinderHub");
