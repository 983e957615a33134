/**
 * The local demo's build stories: one for every scenario the demo lists, each showing exactly what
 * the companion sends in the demo (the simulator read by the companion's own BinderHub client),
 * and each reaching its state without axe violations.
 */
import { composeStories } from "@storybook/react-vite";
import { render, screen } from "@testing-library/react";
import axe from "axe-core";
import { http } from "msw";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BuildEvent } from "../contract/build.ts";
import {
  BUILD_STREAM_PATH,
  streamResponse,
} from "../frontend/src/features/build/testing/handlers.ts";
import { server } from "../frontend/src/testing/server.ts";
import { buildEvents, collectBuild } from "../server/test-support/read-build.ts";
import {
  createBinderHubSimulator,
  DEMO_SCENARIOS,
} from "../server/src/local/binderhub-simulator.ts";
import type { DemoBuild } from "./local-demo-builds.ts";
import * as demoStories from "./local-demo.stories.tsx";

const stories = Object.entries(composeStories(demoStories)).map(([name, Story]) => {
  const parameters = Story.parameters as { demoBuild: DemoBuild; settledText: string };
  return { name, Story, build: parameters.demoBuild, settledText: parameters.settledText };
});

/** What the page gets in the demo for `repository`: the simulator through the companion's client. */
async function companionEvents(repository: string): Promise<BuildEvent[]> {
  const simulator = createBinderHubSimulator({ token: "t", eventDelayMs: 0, slowEventDelayMs: 0 });
  return buildEvents((await collectBuild(simulator, "gh", `${repository}/HEAD`)).items);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("local demo build stories", () => {
  it("cover every scenario the demo lists, and an ordinary repository", () => {
    for (const scenario of DEMO_SCENARIOS)
      expect(stories.filter((s) => s.build.scenario === scenario.name)).toEqual([
        expect.objectContaining({
          build: expect.objectContaining({ repository: scenario.repository }),
        }),
      ]);
    expect(stories.filter((s) => s.build.scenario === null)).toHaveLength(1);
  });

  it.each(stories)("$name shows what the companion sends in the demo", async ({ build }) => {
    // The silent scenario ends on the client's 90 s watchdog: let that time pass at once.
    if (build.scenario === "silent")
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const received = companionEvents(build.repository);
    if (build.scenario === "silent") await vi.advanceTimersByTimeAsync(91_000);
    const shown = build.script.steps.filter((step): step is BuildEvent => !("keepalive" in step));
    expect(shown).toEqual(await received);
  });

  it.each(stories)(
    "$name reaches its state without axe violations",
    async ({ Story, build, settledText }) => {
      // The story's own pace is for people; here the same events arrive at once.
      server.use(http.get(BUILD_STREAM_PATH, () => streamResponse(build.script)));
      const { container } = render(<Story />);
      expect(
        await screen.findByText(settledText, { exact: false }, { timeout: 15_000 }),
      ).toBeInTheDocument();
      const results = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
      expect(
        results.violations.map(
          (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
        ),
      ).toEqual([]);
    },
    30_000,
  );
});
