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

function stepIndex(state: BuildState): number {
  if (state.status === "ready") return STEPS.length - 1;
  if (state.status === "streaming" || state.status === "reconnecting") {
    return state.phase ? STEPS.findIndex((s) => s.phase === state.phase) : -1;
  }
  return -1;
}

export interface BuildStatusProps {
  state: BuildState;
  elapsedSeconds: number;
  onCancel: () => void;
  onRetry: () => void;
  /** The image option gets `imageName`; `start` also submits the spawn form. */
  onUseImage: (imageName: string, options: { start: boolean }) => void;
}

export function BuildStatus({
  state,
  elapsedSeconds,
  onCancel,
  onRetry,
  onUseImage,
}: BuildStatusProps) {
  if (state.status === "idle") return null;
  const current = stepIndex(state);
  const active = state.status === "streaming" || state.status === "reconnecting";
  return (
    <div className="lp-build-status" data-status={state.status}>
      {state.status !== "rate-limited" && (
        <ol className="lp-build-steps" aria-label="Build progress">
          {STEPS.map((step, i) => {
            const done = i < current || state.status === "ready";
            const isCurrent = i === current && state.status !== "ready";
            return (
              <li
                key={step.phase}
                data-state={done ? "done" : isCurrent ? "current" : "pending"}
                aria-current={isCurrent ? "step" : undefined}
              >
                {step.label}
                {done && <span className="lp-visually-hidden"> (done)</span>}
              </li>
            );
          })}
        </ol>
      )}
      <p className="lp-build-status-line">
        <span role="status" aria-live="polite">
          {statusText(state)}
        </span>{" "}
        {state.status !== "rate-limited" && (
          <span className="lp-build-elapsed">
            Elapsed <time dateTime={`PT${elapsedSeconds}S`}>{formatElapsed(elapsedSeconds)}</time>
          </span>
        )}
      </p>
      {state.status === "rate-limited" && state.retryAt !== null && (
        <p>
          You can try again at{" "}
          <time dateTime={new Date(state.retryAt).toISOString()}>
            {new Date(state.retryAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
          </time>
          .
        </p>
      )}
      {state.status === "failed" && state.loginUrl && (
        <p>
          <a href={state.loginUrl}>Sign in to Launchpad again</a>
        </p>
      )}
      {state.status === "cancelled" && state.cancelOutcome && <p>{state.cancelOutcome}</p>}
      {state.status === "cancelled" && state.cancelError && (
        <p className="lp-build-warning">{state.cancelError}</p>
      )}
      {state.status === "ready" && (
        <p className="lp-build-image">
          Image <code>{state.imageName}</code>
        </p>
      )}
      <div className="lp-build-actions">
        {active && (
          <button type="button" onClick={onCancel}>
            Cancel build
          </button>
        )}
        {(state.status === "failed" ||
          state.status === "cancelled" ||
          state.status === "rate-limited") && (
          <button type="button" onClick={onRetry}>
            Retry
          </button>
        )}
        {state.status === "ready" && (
          <>
            <button
              type="button"
              className="lp-primary"
              onClick={() => onUseImage(state.imageName, { start: true })}
            >
              Start with this image
            </button>
            <button type="button" onClick={() => onUseImage(state.imageName, { start: false })}>
              Use this image
            </button>
          </>
        )}
      </div>
    </div>
  );
}
