/**
 * What the build API does, apart from HTTP: which requests may start (the project limit, then the
 * per-user build limits), relaying one build from BinderHub to a sink until it ends, and the cancel
 * policy. Transport (the event stream's framing and backpressure) is the sink's: sse-writer.ts.
 *
 * Cancel: closing BinderHub's stream does not stop a build (binderhub/build.py: the pod runs on
 * until it finishes), so cancel asks this user's open streams of the build, on every replica, to
 * stop, and deletes the build pod — unless another stream of the same repository is still watching
 * it (BinderHub attaches a second request for the same repository and ref to the running pod).
 */
import type { FastifyBaseLogger } from "fastify";

import type { BuildCancelResult, BuildEvent, Provider } from "../../../contract/build.ts";
import { streamBuild, type BinderHubClientConfig } from "./binderhub-client.ts";
import { parseBuildPath, type BuildRequest, type BuildRequestCheck } from "./build-request.ts";
import type { BuildLimiter, BuildRef, BuildTicket } from "./limiter.ts";
import { companionFailure } from "./normalize.ts";
import type { BuildPodCanceller } from "./pod-canceller.ts";

export interface BuildServiceOptions {
  binderhub: BinderHubClientConfig;
  limiter: BuildLimiter;
  /** Absent in local mode (no build pods to delete). */
  podCanceller?: BuildPodCanceller | undefined;
  /** Providers the admin allows. */
  allowedProviders: readonly Provider[];
  /**
   * Asked before a build starts, after the request is validated: a message refuses it (the
   * project limit: nobody should wait for an image they cannot start on).
   */
  beforeBuild?:
    ((user: string, provider: Provider, repoUrl: string) => Promise<string | null>) | undefined;
}

/** Where a relayed build goes; a returned promise means "wait before sending more". */
export interface BuildEventSink {
  readonly closed: boolean;
  event(event: BuildEvent, json?: string): Promise<void> | undefined;
  keepalive(): Promise<void> | undefined;
  end(): void;
}

export type StartOutcome =
  | { ok: true; ticket: BuildTicket }
  | { ok: false; reason: "project-limit" | "unavailable"; message: string }
  | { ok: false; reason: "build-limit"; message: string; retryAfterSeconds: number };

export class BuildService {
  private readonly options: BuildServiceOptions;
  private readonly log: FastifyBaseLogger | undefined;

  constructor(options: BuildServiceOptions, log?: FastifyBaseLogger) {
    this.options = options;
    this.log = log;
  }

  /** Reads `<provider>/<encoded spec>` (the path after `api/builds/`) for an allowed provider. */
  parse(rawPath: string): BuildRequestCheck {
    return parseBuildPath(rawPath, this.options.allowedProviders);
  }

  /** Whether `user` may start `request` now; on success the ticket holds their place. */
  async start(user: string, request: BuildRequest): Promise<StartOutcome> {
    const refusal = await this.options.beforeBuild?.(user, request.provider, request.repoUrl);
    if (refusal) return { ok: false, reason: "project-limit", message: refusal };
    let acquired;
    try {
      acquired = await this.options.limiter.acquire({ user, ...request });
    } catch (error) {
      this.log?.error({ err: error }, "build limiter unavailable");
      return {
        ok: false,
        reason: "unavailable",
        message: "Could not check your build limits right now; try again in a minute.",
      };
    }
    if (!acquired.ok) {
      return {
        ok: false,
        reason: "build-limit",
        message: acquired.message,
        retryAfterSeconds: acquired.retryAfterSeconds,
      };
    }
    return { ok: true, ticket: acquired.ticket };
  }

  /**
   * Relays the build to `sink` until BinderHub's terminal event, the sink's end (`gone` aborts:
   * the browser left) or a cancel; then ends the sink and releases the ticket. Never throws: an
   * internal error is logged and told to the sink as a failure.
   */
  async relay(
    request: BuildRequest,
    ticket: BuildTicket,
    sink: BuildEventSink,
    gone: AbortSignal,
  ): Promise<void> {
    const stop = new AbortController();
    const onGone = () => stop.abort(new Error("browser went away"));
    const onCancel = () => stop.abort(new Error("cancelled"));
    gone.addEventListener("abort", onGone, { once: true });
    ticket.cancelled.addEventListener("abort", onCancel, { once: true });
    try {
      const { binderhub } = this.options;
      for await (const item of streamBuild(
        binderhub,
        request.provider,
        request.spec,
        stop.signal,
      )) {
        const wait =
          item.kind === "keepalive" ? sink.keepalive() : sink.event(item.event, item.json);
        if (wait) await wait;
      }
      if (ticket.cancelled.aborted && !sink.closed)
        await sink.event(companionFailure("Build cancelled."));
    } catch (error) {
      this.log?.error({ err: error }, "build stream failed");
      await sink.event(
        companionFailure("The companion hit an internal error while relaying the build."),
      );
    } finally {
      gone.removeEventListener("abort", onGone);
      ticket.cancelled.removeEventListener("abort", onCancel);
      sink.end();
      await ticket
        .release()
        .catch((error: unknown) => this.log?.warn({ err: error }, "could not release build lease"));
    }
  }

  /** Stops `user`'s streams of the build everywhere, and its pod unless someone else watches it. */
  async cancel(user: string, request: BuildRequest): Promise<BuildCancelResult> {
    const build: BuildRef = { user, ...request };
    const streams = await this.options.limiter.requestCancel(build);
    const watchers = await this.options.limiter.otherWatchers(build);
    if (watchers > 0) {
      return {
        streams_cancelled: streams,
        pods_deleted: [],
        pod_kept_reason: `${watchers} other stream${watchers === 1 ? " is" : "s are"} still watching a build of this repository.`,
      };
    }
    if (!this.options.podCanceller) {
      return {
        streams_cancelled: streams,
        pods_deleted: [],
        pod_kept_reason: "No build pods to stop in this mode.",
      };
    }
    const { deleted } = await this.options.podCanceller.cancel(build);
    return {
      streams_cancelled: streams,
      pods_deleted: deleted,
      ...(deleted.length === 0
        ? { pod_kept_reason: "No running build pod matched this build (it may have finished)." }
        : {}),
    };
  }
}
