/**
 * What the companion is doing, as Prometheus metrics (prom-client), served on a port of their own
 * (metrics-server.ts) and never through the hub's proxy, as the hub and BinderHub serve theirs.
 * docs/metrics.md describes each one; server/src/metrics.test.ts keeps the two in step.
 *
 * One instance per app, handed to the parts that count (no global registry), so tests and two
 * apps in one process never share counts.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** How a build stream ended, for `launchpad_builds_finished_total` and the duration. */
export type BuildOutcome = "succeeded" | "failed" | "cancelled" | "timed-out";

export type BuildRefusalReason = "concurrent" | "hourly" | "project-limit" | "unavailable";

/** Seconds: a call to the hub or Kubernetes takes milliseconds; a slow one seconds. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: a cached image is ready at once, a big build takes most of an hour. */
const BUILD_BUCKETS = [1, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

export class Metrics {
  readonly registry = new Registry();

  readonly buildsStarted = new Counter({
    name: "launchpad_builds_started_total",
    help: "Builds started (a re-attach to a running build is not a start).",
    labelNames: ["provider"] as const,
    registers: [this.registry],
  });
  readonly buildsFinished = new Counter({
    name: "launchpad_builds_finished_total",
    help: "Builds that ended while a stream watched them, by outcome.",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly buildsRefused = new Counter({
    name: "launchpad_builds_refused_total",
    help: "Builds refused before they started, by reason (a per-user limit, the project limit, or the limiter unavailable).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly buildDuration = new Histogram({
    name: "launchpad_build_duration_seconds",
    help: "From a build's start to its end, by outcome.",
    labelNames: ["outcome"] as const,
    buckets: BUILD_BUCKETS,
    registers: [this.registry],
  });
  /** What the open-streams gauge reads when scraped (the build service sets it). */
  private openStreams: () => number = () => 0;
  readonly buildStreamsOpen: Gauge = new Gauge({
    name: "launchpad_build_streams_open",
    help: "Build event streams this replica relays now.",
    registers: [this.registry],
    collect: () => this.buildStreamsOpen.set(this.openStreams()),
  });
  readonly buildStreamReattaches = new Counter({
    name: "launchpad_build_stream_reattaches_total",
    help: "Streams opened on a build already running (a reload, a second tab, a page reconnecting after a restart).",
    registers: [this.registry],
  });
  readonly projectLaunches = new Counter({
    name: "launchpad_project_launches_total",
    help: "Starts on a project (recorded before the server starts), by outcome.",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly projectDeletions = new Counter({
    name: "launchpad_project_deletions_total",
    help: "Project deletions asked for, by outcome.",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly kubernetesRequests = new Histogram({
    name: "launchpad_kubernetes_request_duration_seconds",
    help: "Calls to the Kubernetes API, by operation and outcome (ok, the HTTP status of an error answer, or error: no answer).",
    labelNames: ["operation", "status"] as const,
    buckets: CALL_BUCKETS,
    registers: [this.registry],
  });
  readonly hubRequests = new Histogram({
    name: "launchpad_hub_request_duration_seconds",
    help: "Calls to the hub's API, by call and HTTP status (timeout: no answer before the deadline; error: no answer).",
    labelNames: ["call", "status"] as const,
    buckets: CALL_BUCKETS,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    // The process's own: CPU, memory, event loop lag (prom-client's defaults, unprefixed).
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The open-streams gauge reads its value when scraped. */
  countOpenStreams(count: () => number): void {
    this.openStreams = count;
  }
}
