import { composeStories } from "@storybook/react-vite";
import { render, screen } from "@testing-library/react";
import axe from "axe-core";
import type { RequestHandler } from "msw";
import type { ComponentType } from "react";
import { beforeAll, describe, expect, it } from "vitest";
import { installDialogPolyfill } from "../frontend/src/features/projects/testing/render-panel.tsx";
import { server } from "../frontend/src/testing/server.ts";
import * as fallbackStories from "./fallback.stories.tsx";
import * as editorStories from "./profile-editor.stories.tsx";
import * as pickerStories from "./profile-picker.stories.tsx";
import * as projectsStories from "./projects-panel.stories.tsx";

type ComposedStory = ComponentType & {
  parameters: { msw?: RequestHandler[]; settledText?: string | RegExp; settleTimeoutMs?: number };
  play?: (context: { canvasElement: HTMLElement }) => Promise<void>;
};

const files: Record<string, Record<string, ComposedStory>> = {
  fallback: composeStories(fallbackStories),
  picker: composeStories(pickerStories),
  editor: composeStories(editorStories),
  projects: composeStories(projectsStories),
};

beforeAll(installDialogPolyfill);

describe.each(Object.entries(files))("%s stories", (_file, stories) => {
  // axe over a 60-row table takes seconds in jsdom.
  it.each(Object.entries(stories))(
    "%s renders without axe violations",
    { timeout: 20_000 },
    async (_name, Story) => {
      const { parameters } = Story;
      if (parameters.msw) server.use(...parameters.msw);
      const { container } = render(<Story />);
      if (parameters.settledText)
        expect(
          await screen.findByText(
            parameters.settledText,
            { exact: false },
            { timeout: parameters.settleTimeoutMs ?? 1000 },
          ),
        ).toBeInTheDocument();
      // A story that drives the page to its state (an open list, a refused Start…) does it here.
      await Story.play?.({ canvasElement: container });
      const results = await axe.run(container, {
        // jsdom does no layout or painting, so axe cannot compute colours; contrast is checked in
        // Storybook's a11y panel and the Playwright e2e instead.
        rules: { "color-contrast": { enabled: false } },
      });
      expect(
        results.violations.map(
          (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
        ),
      ).toEqual([]);
    },
  );
});
