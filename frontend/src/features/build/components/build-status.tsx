import type { Ref } from "react";
import type { BuildState, ProgressPhase } from "../hooks/use-build.ts";

const STEPS: { phase: ProgressPhase | "ready"; label: string }[] = [
  { phase: "waiting", label: "Waiting" },
  { phase: "fetching", label: "Fetching" },
  { phase: "building", label: "Building" },
  { phase: "pushing", label: "Pushing" },
  { phase: "ready", label: "Ready" },
];

const PHASE_TEXT: Record<ProgressPhase, string> = {
  waiting: "Waiting for the build to start…",
  fetching: "Fetching the repository…",
  building: "Building the image…",
  pushing: "Pushing the image…",
};

export function formatElapsed(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, "0")}`;
}

/** What the live region announces: phase changes and outcomes, never log lines. */
export function statusText(state: BuildState): string {
  switch (state.status) {
    case "idle":
      return "";
    case "streaming":
      return state.phase ? PHASE_TEXT[state.phase] : "Connecting to the build…";
    case "reconnecting":
      return `Connection lost. Reconnecting to the build (attempt ${state.attempt} of ${state.maxAttempts})…`;
    case "ready":
      return state.cached
        ? "This image was already built. It is ready."
        : "The image is built and ready.";
    case "failed":
      return `The build failed: ${state.message}`;
    case "cancelled":
      return "The build was cancelled.";
    case "rate-limited":
      return state.message;
  }
}

/** How an outcome is set off: Bootstrap's alerts, in the hub's own colours and theme. */
const TONE: Partial<Record<BuildState["status"], string>> = {
  ready: "alert alert-success",
  failed: "alert alert-danger",
  cancelled: "alert alert-secondary",
  "rate-limited": "alert alert-warning",
};

/** The step reached: where the build is, or where it stopped. */
function stepIndex(state: BuildState): number {
  if (state.status === "ready") return STEPS.length - 1;
  if (state.status === "idle" || state.status === "rate-limited") return -1;
  if (state.phase) return STEPS.findIndex((s) => s.phase === state.phase);
  // Stopped before its first step was reported: it stopped while waiting.
  return state.status === "failed" || state.status === "cancelled" ? 0 : -1;
}

export interface BuildStatusProps {
  state: BuildState;
  elapsedSeconds: number;
  onCancel: () => void;
  onRetry: () => void;
  /** After a cancel the Cancel button is gone: focus moves to "Build again". */
  retryRef?: Ref<HTMLButtonElement>;
}

export function BuildStatus({
  state,
  elapsedSeconds,
  onCancel,
  onRetry,
  retryRef,
}: BuildStatusProps) {
  if (state.status === "idle") return null;
  const current = stepIndex(state);
  const active = state.status === "streaming" || state.status === "reconnecting";
  const stopped = state.status === "failed" || state.status === "cancelled";
  return (
    <div className="lp-build-status" data-status={state.status}>
      {state.status !== "rate-limited" && (
        <ol className="lp-build-steps" aria-label="Build progress">
          {STEPS.map((step, i) => {
            const done = i < current || state.status === "ready";
            const here = i === current && state.status !== "ready";
            const where = done ? "done" : here ? (stopped ? "stopped" : "current") : "pending";
            return (
              <li key={step.phase} data-state={where} aria-current={here ? "step" : undefined}>
                {step.label}
                {where !== "pending" && where !== "current" && (
                  <span className="visually-hidden">
                    {where === "done"
                      ? " (done)"
                      : state.status === "failed"
                        ? " (failed here)"
                        : " (cancelled here)"}
                  </span>
                )}
              </li>
            );
          })}
        </ol>
      )}
      <div className={`lp-build-outcome ${TONE[state.status] ?? ""}`}>
        <p className="lp-build-status-line mb-0">
          <span role="status" aria-live="polite">
            {statusText(state)}
          </span>
          {state.status !== "rate-limited" && (
            <time className="lp-build-elapsed" dateTime={`PT${elapsedSeconds}S`}>
              <span className="visually-hidden">Elapsed </span>
              {formatElapsed(elapsedSeconds)}
            </time>
          )}
        </p>
        {state.status === "rate-limited" && state.retryAt !== null && (
          <p className="mb-0">
            You can try again at{" "}
            <time dateTime={new Date(state.retryAt).toISOString()}>
              {new Date(state.retryAt).toLocaleTimeString([], {
                hour: "2-digit",
                minute: "2-digit",
              })}
            </time>
            .
          </p>
        )}
        {state.status === "failed" && state.loginUrl && (
          <p className="mb-0">
            <a href={state.loginUrl}>Sign in to Launchpad again</a>
          </p>
        )}
        {state.status === "cancelled" && state.cancelOutcome && (
          <p className="mb-0">{state.cancelOutcome}</p>
        )}
        {state.status === "cancelled" && state.cancelError && (
          <p className="mb-0">{state.cancelError}</p>
        )}
        {state.status === "ready" && (
          <p className="lp-build-image mb-0">
            Image <code>{state.imageName}</code>. Press Start below to launch it.
          </p>
        )}
        {(active || stopped || state.status === "rate-limited") && (
          <div className="lp-build-actions mt-2">
            {active ? (
              <button type="button" className="btn btn-outline-secondary btn-sm" onClick={onCancel}>
                Cancel build
              </button>
            ) : (
              <button
                type="button"
                className="btn btn-outline-secondary btn-sm"
                ref={retryRef}
                onClick={onRetry}
              >
                Build again
              </button>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
