/**
 * The build's state machine. It owns no DOM: views read `state`, `elapsedSeconds` and `log`.
 *
 *   idle ─start→ streaming(phase) ─ready→ ready(imageName)
 *                   │  ↑            ─failed→ failed(message)
 *          drop     ↓  │ first event
 *               reconnecting(attempt) ─too many drops→ failed
 *   streaming/reconnecting ─cancel→ cancelled;  a refusal (429) → rate-limited
 *
 * A drop (the stream ends without `ready`/`failed`, the connection fails, or it is silent past
 * `silenceMs`: the companion's heartbeat comes every 15 s) re-requests the same provider/spec:
 * BinderHub names build pods after (repo, ref) (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L413-L415)
 * and attaches a second request to the running pod, replaying its last `log_tail_lines`
 * (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/build.py#L369-L376, #L587-L591 there), so this re-attaches rather
 * than starting over; the companion counts a re-attach as the same build. A `reconnect` event (the
 * companion is restarting) re-attaches at once. A re-attach the companion refuses for now (429, 503:
 * the old replica's place not yet free, a replica starting) is tried again, never final.
 * `attach(source)` re-attaches to a build found running (after a reload, in a second tab).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { BuildPhase } from "../../../../../contract/build.ts";
import type { BuildSource } from "../../../../../contract/providers/catalog.ts";
import { InvalidBuildSourceError, toSpec } from "../../../../../contract/providers/spec.ts";
import { INVALID_REF, repositoryMessage } from "../../../lib/provider-copy.ts";
import { BuildRequestError, buildStreamUrl, readBuildStream } from "../api/build-stream.ts";
import { cancelBuild, describeCancel } from "../api/cancel-build.ts";
import { BuildLogBuffer } from "../log/build-log-buffer.ts";
import { readableMessage } from "../log/docker-output.ts";

/** The steps shown to people; `unknown`, `built` and `launching` do not move the indicator. */
export const PROGRESS_PHASES = ["waiting", "fetching", "building", "pushing"] as const;
export type ProgressPhase = (typeof PROGRESS_PHASES)[number];

function isProgressPhase(phase: BuildPhase | undefined): phase is ProgressPhase {
  return (PROGRESS_PHASES as readonly string[]).includes(phase ?? "");
}

interface Running {
  source: BuildSource;
  spec: string;
  startedAt: number;
}

export type BuildState =
  | { status: "idle" }
  | (Running & { status: "streaming"; phase: ProgressPhase | null })
  | (Running & {
      status: "reconnecting";
      phase: ProgressPhase | null;
      attempt: number;
      maxAttempts: number;
    })
  | (Running & { status: "ready"; imageName: string; finishedAt: number; cached: boolean })
  | (Running & {
      status: "failed";
      message: string;
      finishedAt: number;
      loginUrl?: string;
      /** The step the build had reached when it stopped (the step bar keeps it). */
      phase: ProgressPhase | null;
    })
  | (Running & {
      status: "cancelled";
      finishedAt: number;
      /** What the companion did (contract BuildCancelResult), in words; absent until it answers. */
      cancelOutcome?: string;
      cancelError?: string;
      phase: ProgressPhase | null;
    })
  | (Running & { status: "rate-limited"; message: string; retryAt: number | null });

export type BuildStatus = BuildState["status"];

export interface UseBuildOptions {
  /** `{prefix}services/<name>/`. */
  serviceUrl: string;
  csrfToken: string;
  /** Whose project the image is for, when not the signed-in user's (see `buildStreamUrl`). */
  forUser?: string | undefined;
  /** Consecutive drops tolerated before giving up. */
  maxReconnects?: number;
  /** The wait before reconnect attempt `attempt` (1-based). */
  reconnectDelayMs?: (attempt: number) => number;
  /** No byte from the companion for this long is a lost connection (readBuildStream). */
  silenceMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The longest wait a refused re-attach honours from Retry-After before trying again. */
const MAX_REATTACH_WAIT_MS = 10_000;

export function defaultReconnectDelay(attempt: number): number {
  return Math.min(1000 * 2 ** (attempt - 1), 15_000);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

function isActive(
  state: BuildState,
): state is Extract<BuildState, { status: "streaming" | "reconnecting" }> {
  return state.status === "streaming" || state.status === "reconnecting";
}

export interface BuildController {
  state: BuildState;
  /** Whole seconds since the build started; frozen once it ends. */
  elapsedSeconds: number;
  /** The raw log of the current build. */
  log: BuildLogBuffer;
  start: (source: BuildSource) => void;
  /** Follows a build that is already running (found by `GET api/builds`), without starting one. */
  attach: (source: BuildSource) => void;
  cancel: () => Promise<void>;
  /** Starts the last build again (after failed, cancelled or rate-limited). */
  retry: () => void;
  reset: () => void;
}

export function useBuild({
  serviceUrl,
  csrfToken,
  forUser,
  maxReconnects = 5,
  reconnectDelayMs = defaultReconnectDelay,
  silenceMs,
  fetch: fetchFn,
  now = Date.now,
}: UseBuildOptions): BuildController {
  const [state, setStateValue] = useState<BuildState>({ status: "idle" });
  const stateRef = useRef(state);
  const controllerRef = useRef<AbortController | null>(null);
  const [log] = useState(() => new BuildLogBuffer());
  // Options read by the async run loop; kept current without restarting anything.
  const given = {
    serviceUrl,
    csrfToken,
    forUser,
    maxReconnects,
    reconnectDelayMs,
    silenceMs,
    fetchFn,
    now,
  };
  const options = useRef(given);
  useEffect(() => {
    options.current = given;
  });

  const setState = useCallback((next: BuildState) => {
    stateRef.current = next;
    setStateValue(next);
  }, []);

  const run = useCallback(
    async (running: Running, signal: AbortSignal, attaching: boolean) => {
      const {
        serviceUrl: base,
        forUser: owner,
        maxReconnects: max,
        reconnectDelayMs: delay,
        silenceMs: silence,
        fetchFn: doFetch,
        now: clock,
      } = options.current;
      const url = buildStreamUrl(base, running.source.provider, running.spec, owner);
      // Only while this run is current: a newer start() or cancel() aborted it.
      const update = (next: BuildState) => {
        if (!signal.aborted) setState(next);
      };
      let phase: ProgressPhase | null = null;
      let drops = 0;
      // Consecutive drops reset when events flow again; this bounds a stream that keeps dropping
      // right after BinderHub's replay of the last lines, and a companion that keeps restarting.
      let totalDrops = 0;
      let sawProgress = false;
      // After the first request, every request is a re-attach to the same build.
      let reattach = attaching;
      for (;;) {
        let wait = 0;
        let restarting = false;
        try {
          for await (const item of readBuildStream(url, {
            signal,
            ...(doFetch ? { fetch: doFetch } : {}),
            ...(silence === undefined ? {} : { silenceMs: silence }),
          })) {
            if (item.type === "keepalive") continue;
            const event = item.event;
            if (signal.aborted) return;
            if (event.message) log.append(readableMessage(event.message));
            if (event.reconnect) {
              restarting = true;
              break;
            }
            if (event.phase === "ready") {
              if (event.imageName) {
                update({
                  ...running,
                  status: "ready",
                  imageName: event.imageName,
                  finishedAt: clock(),
                  cached: !sawProgress,
                });
              } else {
                update({
                  ...running,
                  status: "failed",
                  message: "The build finished without naming its image.",
                  finishedAt: clock(),
                  phase,
                });
              }
              return;
            }
            if (event.phase === "failed") {
              const message = event.message?.trim() || "The build failed.";
              update({ ...running, status: "failed", message, finishedAt: clock(), phase });
              return;
            }
            sawProgress = true;
            const nextPhase: ProgressPhase | null = isProgressPhase(event.phase)
              ? event.phase
              : phase;
            if (drops > 0 || nextPhase !== phase || stateRef.current.status !== "streaming") {
              drops = 0;
              phase = nextPhase;
              update({ ...running, status: "streaming", phase });
            }
          }
        } catch (error) {
          if (signal.aborted) return;
          const retriable =
            error instanceof BuildRequestError &&
            reattach &&
            (error.status === 429 || error.status === 503);
          if (error instanceof BuildRequestError && !retriable) {
            if (error.kind === "rate-limited") {
              const retryAt =
                error.retryAfter === undefined ? null : clock() + error.retryAfter * 1000;
              update({ ...running, status: "rate-limited", message: error.message, retryAt });
            } else {
              update({
                ...running,
                status: "failed",
                message: error.message,
                finishedAt: clock(),
                phase,
                ...(error.loginUrl ? { loginUrl: error.loginUrl } : {}),
              });
            }
            return;
          }
          if (retriable && error.retryAfter !== undefined)
            wait = Math.min(error.retryAfter * 1000, MAX_REATTACH_WAIT_MS);
          // Anything else is the connection failing: reconnect below.
        }
        if (signal.aborted) return;
        reattach = true;
        drops += restarting ? 0 : 1;
        totalDrops += 1;
        if (drops > max || totalDrops > max * 3) {
          update({
            ...running,
            status: "failed",
            message:
              "Lost the connection to the build too many times. It may still finish: try again to reattach.",
            finishedAt: clock(),
            phase,
          });
          return;
        }
        if (!restarting) {
          log.append(
            `\n[Launchpad] Connection lost; reattaching to the build (attempt ${drops} of ${max}).\n`,
          );
        }
        update({
          ...running,
          status: "reconnecting",
          phase,
          attempt: Math.max(drops, 1),
          maxAttempts: max,
        });
        // A restart sends every page back at once: spread them over a second.
        await sleep(restarting ? Math.random() * 1000 : Math.max(wait, delay(drops)), signal);
        if (signal.aborted) return;
      }
    },
    [log, setState],
  );

  const begin = useCallback(
    (source: BuildSource, attaching: boolean) => {
      controllerRef.current?.abort();
      const controller = new AbortController();
      controllerRef.current = controller;
      log.clear();
      const startedAt = options.current.now();
      let spec: string;
      try {
        spec = toSpec(source.provider, source.repo, source.ref);
      } catch (error) {
        const message = !(error instanceof InvalidBuildSourceError)
          ? String(error)
          : error.field === "ref"
            ? INVALID_REF
            : repositoryMessage(source.provider, error.problem);
        setState({
          status: "failed",
          source,
          spec: "",
          startedAt,
          finishedAt: startedAt,
          message,
          phase: null,
        });
        return;
      }
      const running: Running = { source, spec, startedAt };
      if (attaching) log.append("[Launchpad] Reattaching to your build, which is still running…\n");
      setState({ ...running, status: "streaming", phase: null });
      void run(running, controller.signal, attaching);
    },
    [log, run, setState],
  );
  const start = useCallback((source: BuildSource) => begin(source, false), [begin]);
  const attach = useCallback((source: BuildSource) => begin(source, true), [begin]);

  const cancel = useCallback(async () => {
    const current = stateRef.current;
    if (!isActive(current)) return;
    controllerRef.current?.abort();
    controllerRef.current = null;
    const { serviceUrl: base, csrfToken: token, fetchFn: doFetch, now: clock } = options.current;
    const cancelled: BuildState = {
      source: current.source,
      spec: current.spec,
      startedAt: current.startedAt,
      status: "cancelled",
      finishedAt: clock(),
      phase: current.phase,
    };
    setState(cancelled);
    try {
      const result = await cancelBuild({
        serviceUrl: base,
        csrfToken: token,
        provider: current.source.provider,
        spec: current.spec,
        ...(doFetch ? { fetch: doFetch } : {}),
      });
      if (stateRef.current === cancelled)
        setState({ ...cancelled, cancelOutcome: describeCancel(result) });
    } catch (error) {
      if (stateRef.current === cancelled) {
        setState({
          ...cancelled,
          cancelError: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }, [setState]);

  const retry = useCallback(() => {
    const current = stateRef.current;
    if (current.status === "idle" || isActive(current)) return;
    start(current.source);
  }, [start]);

  const reset = useCallback(() => {
    controllerRef.current?.abort();
    controllerRef.current = null;
    log.clear();
    setState({ status: "idle" });
  }, [log, setState]);

  // Leaving the page closes the stream (the build itself carries on; cancel is explicit).
  useEffect(() => () => controllerRef.current?.abort(), []);

  const elapsedSeconds = useElapsedSeconds(state, now);
  return { state, elapsedSeconds, log, start, attach, cancel, retry, reset };
}

function useElapsedSeconds(state: BuildState, now: () => number): number {
  const [tick, setTick] = useState(0);
  const active = isActive(state);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTick((t) => t + 1), 1000);
    return () => clearInterval(timer);
  }, [active]);
  if (state.status === "idle") return 0;
  void tick;
  const end = "finishedAt" in state ? state.finishedAt : now();
  return Math.max(0, Math.floor((end - state.startedAt) / 1000));
}
