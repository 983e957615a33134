/**
 * What the page receives in the local demo (`npm start`) when it builds an ordinary repository or
 * one of the BinderHub simulator's scenarios (server/src/local/binderhub-simulator.ts,
 * DEMO_SCENARIOS), for the "Local demo" stories. local-demo.stories.test.tsx reads each of these
 * repositories from the simulator through the companion's own BinderHub client and checks that the
 * events here are exactly those, so a story cannot drift from what the demo shows.
 */
import type { BuildEvent } from "../contract/build.ts";
import type { DemoScenarioName } from "../server/src/local/binderhub-simulator.ts";
import {
  recordedBuildEvents,
  type StreamScript,
} from "../frontend/src/features/build/testing/handlers.ts";

export interface DemoBuild {
  /** A simulator scenario, or null for any other repository (the recorded build, replayed). */
  scenario: DemoScenarioName | null;
  /** The GitHub repository built (owner/name), at ref HEAD. */
  repository: string;
  script: StreamScript;
  /** The pause between events in the story (the demo's own pace where it matters). */
  delayMs: number;
}

const PREFIX = "registry.example.org/launchpad-demo/r2d-";
const SIMULATOR = "Launchpad's BinderHub simulator:";
const WAITING: BuildEvent = { phase: "waiting", message: "Waiting for build to start...\n" };

function replayedFor(repository: string, scenario = ""): BuildEvent {
  return {
    message: `${SIMULATOR} this is a recorded build of binder-examples/octave, replayed for gh/${repository}/HEAD; the image is named as BinderHub would name it.${scenario}\n`,
  };
}

/** The recording as build-only mode relays it: no `built` or `launching`, no launch's `ready`. */
function recordedLog(): BuildEvent[] {
  const events = recordedBuildEvents().slice(1);
  const end = events.findIndex((e) => e.phase === "ready");
  return events
    .slice(0, end === -1 ? undefined : end)
    .filter((e) => e.phase !== "built" && e.phase !== "launching");
}

function ready(image: string): BuildEvent {
  return { phase: "ready", message: "Done! Image built\n", imageName: `${PREFIX}${image}` };
}

export const DEMO_BUILDS = {
  replayed: {
    scenario: null,
    repository: "binder-examples/requirements",
    script: {
      steps: [
        WAITING,
        replayedFor("binder-examples/requirements"),
        ...recordedLog(),
        ready("binder-2dexamples-2drequirements-55ab5c:ba9227bdcd2324a037c9022e228550c489a279cf"),
      ],
    },
    delayMs: 5,
  },
  failing: {
    scenario: "failing",
    repository: "launchpad-demo/failing-build",
    script: {
      steps: [
        WAITING,
        {
          message: `${SIMULATOR} nothing is built for gh/launchpad-demo/failing-build/HEAD. Scenario launchpad-demo/failing-build: the build fails with repo2docker's error.\n`,
        },
        { phase: "fetching", message: "Picked Git content provider.\n" },
        { phase: "building", message: "Step 1/3 : FROM docker.io/library/buildpack-deps:jammy\n" },
        {
          phase: "failed",
          message:
            "Error during build: The command '/bin/sh -c pip install nosuchpackage' returned a non-zero code: 1\n",
        },
      ],
    },
    delayMs: 300,
  },
  rateLimited: {
    scenario: "rate-limited",
    repository: "launchpad-demo/rate-limited",
    script: {
      steps: [
        {
          phase: "failed",
          status_code: 429,
          retry_after: 3600,
          message:
            "BinderHub is rate-limiting the companion; try again in 3600 seconds.\nBinderHub said: Rate limit exceeded. Try again in 3600 seconds.\n",
        },
      ],
    },
    delayMs: 300,
  },
  slow: {
    scenario: "slow",
    repository: "launchpad-demo/slow-build",
    script: {
      steps: [
        WAITING,
        replayedFor(
          "launchpad-demo/slow-build",
          " Scenario launchpad-demo/slow-build: the recorded build, one event every 60 ms (about 45 seconds).",
        ),
        ...recordedLog(),
        ready("launchpad-2ddemo-2dslow-2dbuild-9ea753:b573417eb357258035ac852ec14a161643394128"),
      ],
    },
    delayMs: 60,
  },
  dropped: {
    scenario: "dropped",
    repository: "launchpad-demo/dropped-stream",
    script: {
      steps: [
        WAITING,
        replayedFor(
          "launchpad-demo/dropped-stream",
          " Scenario launchpad-demo/dropped-stream: the connection to BinderHub breaks in the middle of the build.",
        ),
        ...recordedLog().slice(0, 120),
        { phase: "failed", message: "The connection to BinderHub broke (terminated).\n" },
      ],
    },
    delayMs: 5,
  },
  cached: {
    scenario: "cached",
    repository: "launchpad-demo/cached-image",
    script: {
      steps: [
        {
          phase: "ready",
          message: "Done! Found built image\n",
          imageName: `${PREFIX}launchpad-2ddemo-2dcached-2dimage-da53b0:8b0c68cc753e24bb7490ea9f7636ff9fb54a88ad`,
        },
      ],
    },
    delayMs: 300,
  },
  silent: {
    scenario: "silent",
    repository: "launchpad-demo/silent",
    script: {
      // The companion's heartbeats keep the page's stream open; the story does not wait the 90 s.
      steps: [
        WAITING,
        {
          message: `${SIMULATOR} nothing is built for gh/launchpad-demo/silent/HEAD. Scenario launchpad-demo/silent: BinderHub stops sending anything: the companion gives up after 90 seconds.\n`,
        },
        { keepalive: true },
        { keepalive: true },
        { keepalive: true },
        {
          phase: "failed",
          message: "Lost contact with BinderHub: nothing received for 90 seconds.\n",
        },
      ],
    },
    delayMs: 1500,
  },
} as const satisfies Record<string, DemoBuild>;
