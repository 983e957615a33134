import { composeStories } from "@storybook/react-vite";
import { render, screen } from "@testing-library/react";
import axe from "axe-core";
import type { RequestHandler } from "msw";
import type { ComponentType } from "react";
import { describe, expect, it } from "vitest";
import { server } from "../frontend/src/testing/server.ts";
import * as projectStories from "./projects-panel.stories.tsx";
type ComposedStory = ComponentType & { parameters: { msw?: RequestHandler[]; settledText?: string | RegExp } };
const stories = composeStories(projectStories) as unknown as Record<string, ComposedStory>;
describe("projects stories", () => {
  it.each(Object.entries(stories))("%s", { timeout: 60_000 }, async (_name, Story) => {
    const { parameters } = Story;
    if (parameters.msw) server.use(...parameters.msw);
    const { container } = render(<Story />);
    if (parameters.settledText) expect(await screen.findByText(parameters.settledText, { exact: false })).toBeInTheDocument();
    const results = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
  });
});
