/**
 * MSW handlers for the companion's build streams, shared by unit tests and stories (merge
 * `buildHandlers.default` into frontend/src/testing/handlers.ts for the happy path).
 *
 * Each factory returns a fresh handler, so scenarios that count requests (a dropped stream that
 * reconnects) start from zero in every test and story. `delayMs` paces events: 0 in tests,
 * something visible in stories.
 */
import { http, HttpResponse } from "msw";
import type { ApiError } from "../../../../../contract/api.ts";
import type { BuildCancelResult, BuildEvent, RunningBuild } from "../../../../../contract/build.ts";
import recordedEventSource from "../../../../../node_modules/@jupyterhub/binderhub-client/tests/fixtures/fullbuild.eventsource?raw";

export const BUILD_STREAM_PATH = "*/services/:service/api/builds/*";

export const SAMPLE_IMAGE =
  "binder-2dexamples-2drequirements-55ab5c:a8e1b3d3c1e7ef5bc3c3f1a9b3d3d3e1e7f5b3c1";

/** An item of a scripted stream: an event, a keep-alive comment, or a raw data payload. */
export type StreamStep = BuildEvent | { keepalive: true } | { rawData: string };

export interface StreamScript {
  steps: readonly StreamStep[];
  /** After the steps: close normally, fail the connection, or stay open and silent. */
  end?: "close" | "error" | "hang";
}

export interface PaceOptions {
  delayMs?: number;
}

function encodeStep(step: StreamStep): string {
  if ("keepalive" in step) return ":keepalive\n\n";
  if ("rawData" in step) return `data: ${step.rawData}\n\n`;
  return `data: ${JSON.stringify(step)}\n\n`;
}

/** A `text/event-stream` body that plays `script`, one step per `delayMs`. */
export function scriptedStream(
  script: StreamScript,
  { delayMs = 0 }: PaceOptions = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const step of script.steps) {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (cancelled) return;
        controller.enqueue(encoder.encode(encodeStep(step)));
      }
      if (cancelled) return;
      if (script.end === "error")
        controller.error(new TypeError("network error: connection reset"));
      else if (script.end !== "hang") controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
}

export function streamResponse(
  script: StreamScript,
  pace?: PaceOptions,
): HttpResponse<ReadableStream<Uint8Array>> {
  return new HttpResponse(scriptedStream(script, pace), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

// --- scripts -----------------------------------------------------------------------------------

const GREEN = "\u001b[32m";
const RESET = "\u001b[0m";

export const shortBuild: StreamScript = {
  steps: [
    { phase: "waiting", message: "Waiting for build to start...\n" },
    { message: "Picked Git content provider.\n" },
    { phase: "fetching", message: "Cloning into '/tmp/repo2docker'...\n" },
    { phase: "fetching", message: "HEAD is now at a8e1b3d Update requirements.txt\n" },
    { phase: "building", message: "Using PythonBuildPack builder\n" },
    { phase: "building", message: "Step 1/20 : FROM docker.io/library/buildpack-deps:jammy" },
    { phase: "building", message: "\n" },
    { keepalive: true },
    {
      phase: "building",
      message: `${GREEN}Successfully installed numpy-2.3.1 pandas-2.3.0${RESET}\n`,
    },
    { phase: "pushing", message: "Pushing image\n" },
    { phase: "ready", message: "Done! Image built\n", imageName: SAMPLE_IMAGE },
  ],
};

export const cachedBuild: StreamScript = {
  steps: [{ phase: "ready", message: "Done! Found built image\n", imageName: SAMPLE_IMAGE }],
};

export const failedBuild: StreamScript = {
  steps: [
    { phase: "waiting", message: "Waiting for build to start...\n" },
    { phase: "fetching", message: "Cloning into '/tmp/repo2docker'...\n" },
    { phase: "building", message: "Step 5/20 : RUN pip install -r requirements.txt\n" },
    {
      phase: "building",
      message:
        "\u001b[31mERROR: No matching distribution found for nonexistent-package==9.9\u001b[0m\n",
    },
    { phase: "failed", message: "Failed to build image binder-examples-broken:0a1b2c3\n" },
  ],
};

/** Some progress, then the connection drops without `ready` or `failed`. */
export const droppedBuild: StreamScript = {
  steps: shortBuild.steps.slice(0, 5),
  end: "error",
};

/** What BinderHub sends a client that attaches to a running build: recent lines, then the rest. */
export const reattachedBuild: StreamScript = {
  steps: shortBuild.steps.slice(4),
};

/**
 * The real 736-event Kubernetes build shipped in @jupyterhub/binderhub-client
 * (tests/fixtures/fullbuild.eventsource, BSD-3-Clause), as build-only mode sends it: up to `built`,
 * which becomes the final `ready` carrying `imageName` (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L561-L571).
 */
export function recordedBuild(): StreamScript {
  const steps: StreamStep[] = [];
  for (const event of recordedBuildEvents()) {
    if (event.phase === "built") {
      steps.push({
        phase: "ready",
        message: "Done! Image built\n",
        imageName: event.imageName ?? SAMPLE_IMAGE,
      });
      break;
    }
    steps.push(event);
  }
  return { steps };
}

/** Every event of that recording as BinderHub sent it (a launch: `built`, `launching`, `ready`). */
export function recordedBuildEvents(): BuildEvent[] {
  return recordedEventSource
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice("data: ".length)) as BuildEvent);
}

/** A long log, for checking that the terminal stays smooth: `lines` numbered, coloured lines. */
export function longBuild(lines: number): StreamScript {
  const steps: StreamStep[] = [{ phase: "building", message: "Building a very long log\n" }];
  for (let i = 1; i <= lines; i++) {
    steps.push({
      phase: "building",
      message: `${i % 10 === 0 ? GREEN : ""}line ${i} of ${lines}${RESET}\n`,
    });
  }
  steps.push({ phase: "ready", message: "Done! Image built\n", imageName: SAMPLE_IMAGE });
  return { steps };
}

// --- handlers ----------------------------------------------------------------------------------

function refusal(status: number, message: string, extra: Partial<ApiError> = {}) {
  return HttpResponse.json<ApiError>({ status, message, ...extra }, { status });
}

export const buildHandlers = {
  short: (pace?: PaceOptions) =>
    http.get(BUILD_STREAM_PATH, () => streamResponse(shortBuild, pace)),
  cached: (pace?: PaceOptions) =>
    http.get(BUILD_STREAM_PATH, () => streamResponse(cachedBuild, pace)),
  failed: (pace?: PaceOptions) =>
    http.get(BUILD_STREAM_PATH, () => streamResponse(failedBuild, pace)),
  recorded: (pace?: PaceOptions) =>
    http.get(BUILD_STREAM_PATH, () => streamResponse(recordedBuild(), pace)),
  /** Streams forever after a few events: a build in progress. */
  inProgress: (pace?: PaceOptions) =>
    http.get(BUILD_STREAM_PATH, () =>
      streamResponse({ steps: shortBuild.steps.slice(0, 8), end: "hang" }, pace),
    ),
  rateLimited: (retryAfter = 120) =>
    http.get(BUILD_STREAM_PATH, () =>
      refusal(429, "You have started too many builds. Wait a little before the next one.", {
        retry_after: retryAfter,
      }),
    ),
  invalidSpec: () =>
    http.get(BUILD_STREAM_PATH, () =>
      refusal(400, "That is not a repository Launchpad can build."),
    ),
  signedOut: () =>
    http.get(BUILD_STREAM_PATH, ({ params }) =>
      refusal(401, "Your Launchpad session has ended.", {
        login_url: `/services/${String(params.service)}/oauth_login`,
      }),
    ),
  /** The first request drops mid-build; the next one re-attaches and finishes. */
  droppedThenReattached: (pace?: PaceOptions) => {
    let requests = 0;
    return http.get(BUILD_STREAM_PATH, () => {
      requests += 1;
      return streamResponse(requests === 1 ? droppedBuild : reattachedBuild, pace);
    });
  },
  /** The first request drops mid-build; every later one stays silent: reconnecting, for a while. */
  droppedThenSilent: (pace?: PaceOptions) => {
    let requests = 0;
    return http.get(BUILD_STREAM_PATH, () => {
      requests += 1;
      return requests === 1
        ? streamResponse(droppedBuild, pace)
        : streamResponse({ steps: [], end: "hang" });
    });
  },
  /** Every request fails at the network level. */
  unreachable: () => http.get(BUILD_STREAM_PATH, () => HttpResponse.error()),
  /** The companion's answer when it stopped the stream and deleted the build pod. */
  cancel: (result: BuildCancelResult = CANCELLED) =>
    http.delete(BUILD_STREAM_PATH, () => HttpResponse.json(result)),
  cancelRefused: () =>
    http.delete(BUILD_STREAM_PATH, () =>
      refusal(403, "The request was refused: missing or wrong CSRF token."),
    ),
};

export const RUNNING_BUILDS_PATH = "*/services/:service/api/builds";

export const CANCELLED: BuildCancelResult = {
  streams_cancelled: 1,
  pods_deleted: ["build-binder-2dexamples-2drequirements-55ab5c-a8e-1b"],
};

/** `GET api/builds`: none running by default; `running(...)` for a page that should re-attach. */
export const runningBuildsHandlers = {
  none: () => http.get(RUNNING_BUILDS_PATH, () => HttpResponse.json({ builds: [] })),
  running: (...builds: RunningBuild[]) =>
    http.get(RUNNING_BUILDS_PATH, () => HttpResponse.json({ builds })),
};

/** The happy path, for frontend/src/testing/handlers.ts. */
export const defaultBuildHandlers = [
  buildHandlers.short(),
  buildHandlers.cancel(),
  runningBuildsHandlers.none(),
];

/**
 * A build stream the test drives step by step, so it can check each state in between without
 * timers: `send` an event, assert, `send` the next. Each request gets the same controls.
 */
export function controlledBuild() {
  const encoder = new TextEncoder();
  let current: ReadableStreamDefaultController<Uint8Array> | null = null;
  let requests = 0;
  const waiting: (() => void)[] = [];
  const handler = http.get(BUILD_STREAM_PATH, () => {
    requests += 1;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        current = controller;
        for (const resolve of waiting.splice(0)) resolve();
      },
    });
    return new HttpResponse(body, { headers: { "content-type": "text/event-stream" } });
  });
  const controls = {
    handler,
    get requests() {
      return requests;
    },
    /** Resolves once a request has its stream open. */
    connected(): Promise<void> {
      return current ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve));
    },
    send(step: StreamStep) {
      current?.enqueue(encoder.encode(encodeStep(step)));
    },
    close() {
      current?.close();
      current = null;
    },
    drop() {
      current?.error(new TypeError("network error: connection reset"));
      current = null;
    },
  };
  return controls;
}
