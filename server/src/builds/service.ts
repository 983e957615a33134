/**
 * What the build API does, apart from HTTP: which requests may start (the project limit, then the
 * per-user build limits), relaying one build from BinderHub to a sink until it ends, and the cancel
 * policy. Transport (the event stream's framing and backpressure) is the sink's: sse-writer.ts.
 *
 * Cancel: closing BinderHub's stream does not stop a build (`stop()` only stops watching,
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/build.py#L215-L222:
 * the pod runs on until it finishes), so cancel asks the streams of the build, on every replica, to
 * stop, and deletes the build pod — unless another stream of the same repository is still watching
 * it (BinderHub attaches a second request for the same repository and ref to the running pod:
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/build.py#L587-L591).
 * Only the user who started a build may cancel it (the limiter's Leases record who did); an admin
 * may cancel anyone's, and the route logs that.
 *
 * Every open stream is watched by one timer (open-streams.ts): heartbeats while BinderHub is quiet,
 * and a build that only sends keepalives for too long, or runs past the deadline, is stopped (its
 * pod too, unless someone else watches it). On shutdown every stream ends with a `reconnect` event
 * and its ticket is detached, not released: the build goes on, and the page re-attaches through
 * another replica without it counting as a new build.
 */
import type { FastifyBaseLogger } from "fastify";

import type {
  BuildCancelResult,
  BuildEvent,
  Provider,
  RunningBuild,
} from "../../../contract/build.ts";
import type { BuildSource } from "../../../contract/providers/catalog.ts";
import {
  readBuild,
  type BinderHubClientConfig,
  type UpstreamBuild,
  type UpstreamItem,
  type UpstreamReceiver,
} from "./binderhub-client.ts";
import { parseBuildPath, type BuildRequest, type BuildRequestCheck } from "./build-request.ts";
import type { BuildLimiter, BuildRef, BuildStart, BuildTicket } from "./limiter.ts";
import type { BuildOutcome, Metrics } from "../metrics.ts";
import { companionFailure } from "./normalize.ts";
import {
  OpenStream,
  OpenStreams,
  type StopReason,
  type StreamWatchOptions,
  type WatchedSink,
} from "./open-streams.ts";
import type { BuildPodCanceller } from "./pod-canceller.ts";

export interface BuildServiceOptions {
  binderhub: BinderHubClientConfig;
  limiter: BuildLimiter;
  /** Absent in local mode (no build pods to delete). */
  podCanceller?: BuildPodCanceller | undefined;
  /** Providers the admin allows. */
  allowedProviders: readonly Provider[];
  /**
   * Asked before a build starts, after the request is validated, with the user the project will
   * belong to: a message refuses it (the project limit: nobody should wait for an image they
   * cannot start on).
   */
  beforeBuild?: ((user: string, source: BuildSource) => Promise<string | null>) | undefined;
  /** Heartbeats, the idle limit and the deadline of every stream (open-streams.ts). */
  watch?: StreamWatchOptions;
  /** Counts builds, refusals and streams (metrics.ts). */
  metrics?: Metrics | undefined;
}

/** Where a relayed build goes; a returned promise means "wait before sending more". */
export interface BuildEventSink extends WatchedSink {
  readonly closed: boolean;
  /** Calls `listener` when the browser has left (at once if it has; maybe more than once). */
  onGone(listener: () => void): void;
  event(event: BuildEvent, json?: string): Promise<void> | undefined;
  end(): void;
}

/** The last event of a stream the companion ends for a restart (contract/build.ts `reconnect`). */
export const RECONNECT_EVENT: BuildEvent = {
  message: "[Launchpad] The companion is restarting; reconnecting to the build…\n",
  reconnect: true,
};

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 1 ? `${m} minute${m === 1 ? "" : "s"}` : `${Math.round(ms / 1000)} seconds`;
}

export type StartOutcome =
  | { ok: true; ticket: BuildTicket }
  | { ok: false; reason: "project-limit" | "unavailable"; message: string }
  | { ok: false; reason: "build-limit"; message: string; retryAfterSeconds: number };

export type CancelOutcome =
  /** Not the actor's build to cancel (or nobody's): answered as if there were none. */
  | { ok: false }
  /** `onBehalfOf`: the users whose build an admin cancelled (empty for the actor's own). */
  | { ok: true; result: BuildCancelResult; onBehalfOf: string[] };

/**
 * BinderHub creates the build pod after the request reaches it; a pod is counted as the user's
 * build if it existed by the time their stream ended, allowing this much for that delay and for
 * clock differences between the companion and the cluster.
 */
const POD_CREATION_GRACE_MS = 60_000;

/** When the user's latest stream of the build ended (+ grace), or undefined if one is open. */
function lastEnd(starts: readonly BuildStart[]): number | undefined {
  if (starts.some((start) => start.endedAt === undefined)) return undefined;
  return Math.max(...starts.map((start) => start.endedAt ?? 0)) + POD_CREATION_GRACE_MS;
}

export class BuildService {
  private readonly options: BuildServiceOptions;
  private readonly log: FastifyBaseLogger | undefined;
  private readonly streams: OpenStreams;
  private readonly relays = new Set<Relay>();

  constructor(options: BuildServiceOptions, log?: FastifyBaseLogger) {
    this.options = options;
    this.log = log;
    this.streams = new OpenStreams(options.watch);
    options.metrics?.countOpenStreams(() => this.streams.size);
  }

  /** Streams open on this replica now. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Reads `<provider>/<encoded spec>` (the path after `api/builds/`) for an allowed provider. */
  parse(rawPath: string): BuildRequestCheck {
    return parseBuildPath(rawPath, this.options.allowedProviders);
  }

  /**
   * Whether `user` may start `request` now; on success the ticket holds their place. The image is
   * for `projectOwner`'s project (an admin building for another user at /hub/spawn/<name>): their
   * project limit applies, and `user`'s build limits.
   */
  async start(user: string, request: BuildRequest, projectOwner = user): Promise<StartOutcome> {
    const metrics = this.options.metrics;
    const refusal = await this.options.beforeBuild?.(projectOwner, request.source);
    if (refusal) {
      metrics?.buildsRefused.inc({ reason: "project-limit" });
      return { ok: false, reason: "project-limit", message: refusal };
    }
    let acquired;
    try {
      acquired = await this.options.limiter.acquire({ user, ...request });
    } catch (error) {
      this.log?.error({ err: error }, "build limiter unavailable");
      metrics?.buildsRefused.inc({ reason: "unavailable" });
      return {
        ok: false,
        reason: "unavailable",
        message: "Could not check your build limits right now; try again in a minute.",
      };
    }
    if (!acquired.ok) {
      metrics?.buildsRefused.inc({ reason: acquired.reason });
      return {
        ok: false,
        reason: "build-limit",
        message: acquired.message,
        retryAfterSeconds: acquired.retryAfterSeconds,
      };
    }
    if (acquired.ticket.reattached) metrics?.buildStreamReattaches.inc();
    else metrics?.buildsStarted.inc({ provider: request.provider });
    return { ok: true, ticket: acquired.ticket };
  }

  /**
   * Relays `user`'s build to `sink` until BinderHub's terminal event, the sink's end (`gone`: the
   * browser left), a cancel, the watcher's limits or shutdown; then ends the sink and lets go of
   * the ticket. Never throws: an internal error is logged and told to the sink as a failure.
   */
  relay(
    user: string,
    request: BuildRequest,
    ticket: BuildTicket,
    sink: BuildEventSink,
  ): Promise<void> {
    const relay = new Relay(this, { user, ...request }, ticket, sink);
    this.relays.add(relay);
    this.streams.add(relay);
    sink.onGone(relay.onGone);
    ticket.cancelled.addEventListener("abort", relay.onCancel);
    if (ticket.cancelled.aborted) relay.onCancel();
    // Gone or cancelled already: the relay has finished, and nothing is asked of BinderHub.
    if (relay.stopReason === undefined)
      relay.upstream = readBuild(this.options.binderhub, request.provider, request.spec, relay);
    return relay.done;
  }

  /**
   * Shutdown: ends every open stream with a `reconnect` event and detaches its ticket (the build
   * goes on; another replica takes it over when the page reconnects). Resolves once all have.
   */
  async drain(): Promise<void> {
    this.streams.stopAll("shutdown");
    await Promise.all([...this.relays].map((relay) => relay.done));
  }

  /**
   * The relay's end (called by `Relay`), after BinderHub's terminal event or a stop: the stop's last event, the metrics, the sink's
   * end, and the ticket let go of (detached, not released, when the browser left or on shutdown:
   * the build goes on and a new stream re-attaches to it). Never throws.
   */
  async finish(relay: Relay): Promise<void> {
    const { build, ticket, sink } = relay;
    const reason = relay.stopReason;
    const detach = reason === "gone" || reason === "shutdown";
    let outcome = relay.outcome;
    try {
      if (reason === "cancelled") outcome = "cancelled";
      else if (reason === "idle" || reason === "deadline") outcome = "timed-out";
      const ending =
        reason === undefined || sink.closed ? undefined : await this.ending(reason, build);
      if (ending) await sink.event(ending);
    } catch (error) {
      this.log?.error({ err: error }, "build stream failed");
      outcome = "failed";
      await sink.event(
        companionFailure("The companion hit an internal error while relaying the build."),
      );
    } finally {
      this.streams.close(relay);
      this.relays.delete(relay);
      if (outcome !== undefined && !detach) {
        this.options.metrics?.buildsFinished.inc({ outcome });
        this.options.metrics?.buildDuration.observe(
          { outcome },
          Math.max(0, (Date.now() - ticket.startedAt) / 1000),
        );
      }
      ticket.cancelled.removeEventListener("abort", relay.onCancel);
      sink.end();
      await (detach ? ticket.detach() : ticket.release()).catch((error: unknown) =>
        this.log?.warn({ err: error }, "could not let go of the build lease"),
      );
    }
  }

  /** The last event of a stream the companion stopped, and what stopping it takes. */
  private async ending(reason: StopReason, build: BuildRef): Promise<BuildEvent | undefined> {
    switch (reason) {
      case "gone":
        return undefined;
      case "shutdown":
        return RECONNECT_EVENT;
      case "cancelled":
        return companionFailure("Build cancelled.");
      case "idle":
      case "deadline": {
        // A build that hangs or overruns holds cluster resources: its pod goes too.
        const pod = await this.stopPod(build).catch((error: unknown) => {
          this.log?.warn({ err: error }, "could not delete the pod of a stopped build");
          return undefined;
        });
        const stopped = pod?.pods_deleted.length ? "stopped the build" : "stopped watching it";
        return companionFailure(
          reason === "idle"
            ? `No build output for ${minutes(this.streams.idleMs)} (BinderHub sent only keepalives), so Launchpad ${stopped}.`
            : `The build ran for ${minutes(this.streams.deadlineMs)}, the longest this hub allows, so Launchpad ${stopped}.`,
        );
      }
    }
  }

  /**
   * Cancels a build for `actor`: their own (one they started, open or ended, as the limiter
   * remembers), or — for an admin — anyone's. Stops the streams of it everywhere and deletes its
   * pod unless another stream of the same repository still watches one. Anyone else, and a build
   * nobody started, is "not-found": whether another user builds something is not theirs to learn.
   */
  async cancel(
    actor: { name: string; admin: boolean },
    request: BuildRequest,
  ): Promise<CancelOutcome> {
    const starts = await this.options.limiter.starts(request);
    const mine = starts.filter((start) => start.user === actor.name);
    if (mine.length === 0 && !(actor.admin && starts.length > 0)) return { ok: false };
    const users = mine.length > 0 ? [actor.name] : [...new Set(starts.map((s) => s.user))];
    let streams = 0;
    for (const user of users)
      streams += await this.options.limiter.requestCancel({ user, ...request });
    const pod = await this.stopPod(
      { user: actor.name, ...request },
      // The user's own build: a pod BinderHub created after their last stream of it ended was
      // started for somebody else. An admin's cancel is not limited so, and no starter's stream
      // counts as another watcher.
      mine.length === 0 ? { everyUser: true } : { createdBefore: lastEnd(mine) },
    );
    return {
      ok: true,
      result: { streams_cancelled: streams, ...pod },
      onBehalfOf: mine.length === 0 ? users : [],
    };
  }

  /** `user`'s builds still running on any replica, newest first (contract RunningBuilds). */
  async running(user: string): Promise<RunningBuild[]> {
    return (await this.options.limiter.running(user)).map((build) => ({
      provider: build.provider,
      spec: build.spec,
      started_at: new Date(build.startedAt).toISOString(),
    }));
  }

  /**
   * Deletes the build's pod, unless another stream (not `build.user`'s of this build; with
   * `everyUser`, not anyone's of this build) watches it.
   */
  private async stopPod(
    build: BuildRef,
    options: { everyUser?: boolean; createdBefore?: number | undefined } = {},
  ): Promise<Omit<BuildCancelResult, "streams_cancelled">> {
    const watchers = await this.options.limiter.otherWatchers(build, {
      everyUser: options.everyUser ?? false,
    });
    if (watchers > 0) {
      return {
        pods_deleted: [],
        pod_kept_reason: `${watchers} other stream${watchers === 1 ? " is" : "s are"} still watching a build of this repository.`,
      };
    }
    if (!this.options.podCanceller) {
      return { pods_deleted: [], pod_kept_reason: "No build pods to stop in this mode." };
    }
    const { deleted } = await this.options.podCanceller.cancel(build, {
      createdBefore: options.createdBefore,
    });
    return {
      pods_deleted: deleted,
      ...(deleted.length === 0
        ? { pod_kept_reason: "No running build pod matched this build (it may have finished)." }
        : {}),
    };
  }
}

/**
 * One relayed build, all in one object: the watcher's stream (open-streams.ts), the receiver of
 * BinderHub's items and the listeners of the browser leaving and of a cancel. (The first version
 * had a generator per stream and an AbortController between each pair of parts: a third of an
 * open stream's heap went to that plumbing.)
 */
class Relay extends OpenStream implements UpstreamReceiver {
  readonly build: BuildRef;
  readonly ticket: BuildTicket;
  override readonly sink: BuildEventSink;
  upstream: UpstreamBuild | undefined;
  outcome: BuildOutcome | undefined;
  /** Settles once the relay has finished (`BuildService.finish`). */
  readonly done: Promise<void>;
  readonly onGone: () => void;
  readonly onCancel: () => void;
  private readonly service: BuildService;
  private settle!: () => void;
  private ended = false;

  constructor(service: BuildService, build: BuildRef, ticket: BuildTicket, sink: BuildEventSink) {
    super(sink);
    this.service = service;
    this.build = build;
    this.ticket = ticket;
    this.sink = sink;
    this.done = new Promise((resolve) => (this.settle = resolve));
    this.onGone = () => this.stop("gone");
    this.onCancel = () => this.stop("cancelled");
  }

  item(item: UpstreamItem): Promise<void> | undefined {
    if (item.kind === "keepalive") return this.sink.keepalive();
    this.progressed = true;
    const phase = item.event.phase;
    if (phase === "ready") this.outcome = "succeeded";
    else if (phase === "failed") this.outcome = "failed";
    return this.sink.event(item.event, item.json);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    void this.service.finish(this).then(this.settle);
  }

  protected override stopped(): void {
    // Before the upstream read exists (a stop during set-up), finish here; else its `end` does.
    if (this.upstream) this.upstream.stop();
    else this.end();
  }
}
