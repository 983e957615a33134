/**
 * Local mode's BinderHub: a `fetch` that answers the companion's build requests the way
 * binderhub-service does in API-only mode (`BuildHandler.get`,
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L273-L423), without a
 * cluster. The companion's own BinderHub client reads it (builds/binderhub-client.ts), so the page
 * sees exactly what a real build would show: BinderHub's SSE framing, its `waiting` → … → `ready`
 * phases and its HTTP-200 failures.
 *
 * Every build replays one real recording (recorded-build.ts, binder-examples/octave), announced as
 * such in its first lines (a scenario announces itself there too), but the image is named as
 * BinderHub would name this repository's: `SIMULATOR_IMAGE_PREFIX`, the provider's build slug, and
 * a tag per resolved ref (the companion's naming, builds/binderhub-naming.ts, checked against
 * BinderHub's own functions). Refs are "resolved" without a network: a full commit SHA stays
 * itself, any other ref gets a fixed made-up SHA, and the DOI providers get record ids of the shape
 * their repoproviders.py `get_resolved_ref` returns.
 *
 * DEMO_SCENARIOS lists GitHub repositories that show a failure instead (the demo page and the
 * README list them).
 */
import { createHash } from "node:crypto";
import { PROVIDERS, type Provider } from "../../../contract/build.ts";
import { buildSlug, imageName, type ResolvedRecord } from "../builds/binderhub-naming.ts";

/** An image_prefix of the shape z2jh's BinderHub docs give (`<registry>/<project>/<prefix>-`). */
export const SIMULATOR_IMAGE_PREFIX = "registry.example.org/launchpad-demo/r2d-";
const RECORDED_REPOSITORY = "binder-examples/octave";

export type DemoScenarioName =
  "failing" | "rate-limited" | "slow" | "dropped" | "cached" | "silent";

export interface DemoScenario {
  name: DemoScenarioName;
  /** The GitHub repository (owner/name) to build to see it. */
  repository: string;
  /** What happens, for the demo page and the README. */
  description: string;
}

export const DEMO_SCENARIOS: readonly DemoScenario[] = [
  {
    name: "failing",
    repository: "launchpad-demo/failing-build",
    description: "the build fails with repo2docker's error",
  },
  {
    name: "rate-limited",
    repository: "launchpad-demo/rate-limited",
    description: "BinderHub refuses the build: its rate limit (HTTP 429 inside the stream)",
  },
  {
    name: "slow",
    repository: "launchpad-demo/slow-build",
    description: "the recorded build, one event every 60 ms (about 45 seconds)",
  },
  {
    name: "dropped",
    repository: "launchpad-demo/dropped-stream",
    description: "the connection to BinderHub breaks in the middle of the build",
  },
  {
    name: "cached",
    repository: "launchpad-demo/cached-image",
    description: "the image was built before: ready at once",
  },
  {
    name: "silent",
    repository: "launchpad-demo/silent",
    description: "BinderHub stops sending anything: the companion gives up after 90 seconds",
  },
];

export interface SimulatorOptions {
  /** The token the companion must present (`Authorization: token …`). */
  token: string;
  /** Pause between replayed events; default 5 ms (the recording then takes about 4 s). */
  eventDelayMs?: number;
  /** The same in the `slow` scenario; default 60 ms. */
  slowEventDelayMs?: number;
  /** Default 25 000, BinderHub's KEEPALIVE_INTERVAL. */
  keepaliveMs?: number;
}

/** The base URL the companion is configured with; only this module's fetch answers it. */
export const SIMULATOR_URL = "http://binderhub-simulator.invalid/";

type Event = Record<string, unknown>;

/** A made-up but stable 40-hex "commit" for a ref that is not already one. */
function fakeSha(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** A made-up but stable number of `digits` digits (a record id, an epoch). */
function fakeNumber(text: string, digits: number): string {
  const low = 10 ** (digits - 1);
  return String(low + (parseInt(fakeSha(text).slice(0, 12), 16) % (9 * low)));
}

/** What `get_resolved_ref()` would learn: the image tag, and the record the build slug may need. */
export interface SimulatedResolution {
  ref: string;
  record: ResolvedRecord;
}

/**
 * `get_resolved_ref()` (binderhub/repoproviders.py) for a spec the companion validated, with the
 * network look-ups made up: a commit for the git providers, the record id for the others.
 */
export function simulatedResolution(provider: Provider, spec: string): SimulatedResolution {
  const commit = (ref: string | undefined) => ({
    ref: ref && /^[0-9a-f]{40}$/.test(ref) ? ref : fakeSha(`${provider}:${spec}`),
    record: {},
  });
  const record = (recordId: string, identifier?: string) => ({
    ref: recordId,
    record: identifier === undefined ? { recordId } : { recordId, identifier },
  });
  const parts = spec.split("/");
  switch (provider) {
    case "gh":
      return commit(parts.slice(2).join("/"));
    case "gl":
    case "git":
      return commit(parts.slice(1).join("/"));
    case "gist":
      return commit(parts[2]);
    case "zenodo":
      // The record doi.org redirects to.
      return record(/zenodo\.(\d+)$/.exec(spec)?.[1] ?? fakeNumber(spec, 7));
    case "figshare": {
      // "{article_id}.v{version}"; an unversioned DOI resolves to its latest version.
      const [, article, version] = /figshare\.(\d+)(?:\.v(\d+))?$/.exec(spec) ?? [];
      return record(`${article ?? fakeNumber(spec, 7)}.v${version ?? "1"}`);
    }
    case "dataverse":
      // The dataset's identifier, and "{id}.v{major}.{minor}" of its latest version.
      return record(`${fakeNumber(spec, 7)}.v1.0`, parts.slice(1).join("/"));
    case "hydroshare":
      // "{resource_id}.v{epoch of the last modification}".
      return record(`${/[0-9a-f]{32}/.exec(spec)?.[0] ?? spec}.v${fakeNumber(spec, 10)}`);
    case "ckan": {
      const dataset = /\/dataset\/([^/?#]+)/.exec(decodeURIComponent(spec))?.[1] ?? spec;
      return record(`${dataset}.v${fakeNumber(spec, 10)}`);
    }
  }
}

/** The image BinderHub would build for this spec, resolved as given, with the demo's image_prefix. */
export function simulatedImageName(
  provider: Provider,
  spec: string,
  resolution: SimulatedResolution = simulatedResolution(provider, spec),
  imagePrefix = SIMULATOR_IMAGE_PREFIX,
): string {
  const slug = buildSlug(provider, spec, resolution.record) ?? spec;
  return imageName(imagePrefix, slug, resolution.ref);
}

function scenarioOf(provider: string, spec: string): DemoScenarioName | null {
  if (provider !== "gh") return null;
  const repository = spec.split("/").slice(0, 2).join("/");
  return DEMO_SCENARIOS.find((s) => s.repository === repository)?.name ?? null;
}

/** The build log's first line from the simulator: what is replayed, and the scenario if any. */
function announcement(provider: Provider, spec: string, name: DemoScenarioName | null): string {
  const scenario = DEMO_SCENARIOS.find((s) => s.name === name);
  const replayed = name !== "failing" && name !== "silent";
  const what = replayed
    ? `this is a recorded build of ${RECORDED_REPOSITORY}, replayed for ${provider}/${spec}; the image is named as BinderHub would name it.`
    : `nothing is built for ${provider}/${spec}.`;
  const shown = scenario ? ` Scenario ${scenario.repository}: ${scenario.description}.` : "";
  return `Launchpad's BinderHub simulator: ${what}${shown}\n`;
}

const encoder = new TextEncoder();
/** Waits `ms` (forever when undefined), or until `signal` aborts. */
function sleep(ms: number | undefined, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/** One build, in order: its events, then perhaps a dropped connection or silence. */
async function* frames(
  provider: Provider,
  spec: string,
  options: Required<Omit<SimulatorOptions, "token">>,
  signal: AbortSignal,
): AsyncGenerator<Event | "drop" | "silence"> {
  const scenario = scenarioOf(provider, spec);
  const image = simulatedImageName(provider, spec);
  if (scenario === "rate-limited") {
    // The rate limit (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/base.py#L100-L125), answered by
    // send_error as an event, the HTTP status staying 200 (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L196-L214).
    yield {
      phase: "failed",
      status_code: 429,
      message: "Rate limit exceeded. Try again in 3600 seconds.\n",
    };
    return;
  }
  if (scenario === "cached") {
    yield { phase: "ready", imageName: image, message: "Done! Found built image\n" };
    return;
  }
  yield { phase: "waiting", message: "Waiting for build to start...\n" };
  yield { message: announcement(provider, spec, scenario) };
  if (scenario === "silent") {
    yield "silence";
    return;
  }
  if (scenario === "failing") {
    yield { phase: "fetching", message: "Picked Git content provider.\n" };
    yield {
      phase: "building",
      message: "Step 1/3 : FROM docker.io/library/buildpack-deps:jammy\n",
    };
    yield {
      phase: "failed",
      message:
        "Error during build: The command '/bin/sh -c pip install nosuchpackage' returned a non-zero code: 1\n",
    };
    return;
  }
  let payloads: readonly string[];
  try {
    payloads = (await import("./recorded-build.ts")).fullBuildPayloads();
  } catch {
    yield {
      phase: "failed",
      message:
        "The BinderHub simulator replays the recording in the npm package @jupyterhub/binderhub-client, which is not installed: run `npm ci`.\n",
    };
    return;
  }
  const delay = scenario === "slow" ? options.slowEventDelayMs : options.eventDelayMs;
  let sent = 0;
  // The recording is a launch; build-only mode sends neither `built` nor `launching`, and ends
  // with `ready` naming the image (builder.py).
  for (const payload of payloads.slice(1)) {
    const event = JSON.parse(payload) as Event;
    if (event.phase === "built" || event.phase === "launching") continue;
    if (event.phase === "ready") break;
    if (scenario === "dropped" && sent === 120) {
      yield "drop";
      return;
    }
    yield event;
    sent++;
    if (delay > 0) await sleep(delay, signal);
    if (signal.aborted) return;
  }
  yield { phase: "ready", message: "Done! Image built\n", imageName: image };
}

function failedStream(statusCode: number, message: string): Response {
  return streamResponse(
    `data: ${JSON.stringify({ phase: "failed", status_code: statusCode, message })}\n\n`,
  );
}

function streamResponse(body: ReadableStream<Uint8Array> | string): Response {
  return new Response(body, {
    status: 200,
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

export interface BinderHubSimulator {
  url: string;
  token: string;
  fetch: typeof globalThis.fetch;
}

/** The SSE body of one build; it ends when the build does, or when `request` aborts. */
function buildStream(
  source: AsyncGenerator<Event | "drop" | "silence">,
  stopped: AbortController,
  keepaliveMs: number,
  request: AbortSignal | null | undefined,
): ReadableStream<Uint8Array> {
  let keepalive: ReturnType<typeof setInterval> | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const end = (error?: unknown) => {
    clearInterval(keepalive);
    stopped.abort();
    try {
      if (error === undefined) controller.close();
      else controller.error(error);
    } catch {
      // already closed
    }
  };
  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      // Keepalives while the build runs, started after the checks
      // (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L292-L305).
      keepalive = setInterval(
        () => controller.enqueue(encoder.encode(":keepalive\n\n")),
        keepaliveMs,
      );
      // The companion leaving (or its idle watchdog) aborts the request, as a socket close would.
      request?.addEventListener("abort", () => end(request.reason), { once: true });
    },
    async pull() {
      const next = await source.next();
      if (stopped.signal.aborted) return;
      if (next.done) end();
      else if (next.value === "drop") end(new TypeError("terminated"));
      else if (next.value === "silence") {
        // Not even keepalives: the companion's idle watchdog ends it.
        clearInterval(keepalive);
        await sleep(undefined, stopped.signal);
      } else controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`));
    },
    cancel() {
      clearInterval(keepalive);
      stopped.abort();
    },
  });
}

export function createBinderHubSimulator(options: SimulatorOptions): BinderHubSimulator {
  const settings = {
    eventDelayMs: options.eventDelayMs ?? 5,
    slowEventDelayMs: options.slowEventDelayMs ?? 60,
    keepaliveMs: options.keepaliveMs ?? 25_000,
  };
  const simulatorFetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(input instanceof Request ? input.headers : init?.headers);
    const match = /^\/build\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!url.href.startsWith(SIMULATOR_URL) || !match)
      return Promise.resolve(
        new Response("<html><title>404: Not Found</title></html>", { status: 404 }),
      );
    if (!(headers.get("accept") ?? "").includes("text/event-stream"))
      return Promise.resolve(failedStream(400, "Missing Accept header: text/event-stream\n"));
    if (headers.get("authorization") !== `token ${options.token}`)
      return Promise.resolve(failedStream(403, "Forbidden\n"));
    const provider = match[1] ?? "";
    if (!(PROVIDERS as readonly string[]).includes(provider))
      return Promise.resolve(failedStream(404, `No provider found for prefix ${provider}\n`));
    // base.py get_spec_from_request: the raw path, still %-encoded.
    const spec = match[2] ?? "";
    const stopped = new AbortController();
    const source = frames(provider as Provider, spec, settings, stopped.signal);
    return Promise.resolve(
      streamResponse(buildStream(source, stopped, settings.keepaliveMs, init?.signal)),
    );
  };
  return { url: SIMULATOR_URL, token: options.token, fetch: simulatorFetch };
}
