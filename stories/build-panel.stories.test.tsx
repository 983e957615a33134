import { composeStories } from "@storybook/react-vite";
import { render, screen } from "@testing-library/react";
import axe from "axe-core";
import type { RequestHandler } from "msw";
import { describe, expect, it } from "vitest";
import { server } from "../frontend/src/testing/server.ts";
import * as buildStories from "./build-panel.stories.tsx";

const stories = composeStories(buildStories);
const STORY_TIMEOUT_MS = 30_000;

describe("build panel stories", () => {
  it.each(Object.entries(stories))(
    "%s reaches its state without axe violations",
    async (_name, Story) => {
      const parameters = Story.parameters as { msw?: RequestHandler[]; settledText?: string };
      if (parameters.msw) server.use(...parameters.msw);
      const { container } = render(<Story />);
      // Stories are paced for people to watch; wait for the state rather than for a time.
      if (parameters.settledText) {
        expect(
          await screen.findByText(parameters.settledText, { exact: false }, { timeout: 15_000 }),
        ).toBeInTheDocument();
      }
      await Story.play?.({ canvasElement: container });
      const results = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
      expect(
        results.violations.map(
          (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
        ),
      ).toEqual([]);
    },
    // Waiting up to 15 s for the settled state, then axe over a long log: more than vitest's 5 s.
    STORY_TIMEOUT_MS,
  );
});
