import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import {
  PROVIDERS,
  type BuildSource,
  type Provider,
} from "../../../../contract/providers/catalog.ts";
import { parseSpec } from "../../../../contract/providers/spec.ts";
import { BuildForm } from "./components/build-form.tsx";
import { BuildLog, type LoadTerminal } from "./components/build-log.tsx";
import { BuildStatus } from "./components/build-status.tsx";
import { useRunningBuilds } from "./api/get-running-builds.ts";
import { useBuild, type UseBuildOptions } from "./hooks/use-build.ts";
import { ErrorBoundary } from "../../lib/error-boundary.tsx";
import { injectStyle } from "../../lib/inject-style.ts";
import css from "./build-panel.css?inline";

const STYLE_ID = "launchpad-build-styles";

export interface BuildPanelProps {
  /** The companion, `{prefix}services/<name>/`. */
  serviceUrl: string;
  /** From `GET api/me`; sent on cancel. */
  csrfToken: string;
  /** Whose project the image is for, when an admin spawns for someone else (`buildStreamUrl`). */
  forUser?: string | undefined;
  /** Providers offered, in this order. Default: all BinderHub knows. */
  allowedProviders?: readonly Provider[];
  /**
   * A built image is chosen: set the image option's free-text value to `imageName`, and with
   * `start` also submit the spawn form (the app shell owns the form).
   */
  onImageReady: (imageName: string, options: { start: boolean; source: BuildSource }) => void;
  /**
   * Asked before a build starts (e.g. the project limit): a message refuses the build and is
   * shown to the user; null lets it start.
   */
  beforeBuild?: (source: BuildSource) => string | null;
  /** Told when a build starts, so the shell can say what starting on it will mean. */
  onBuildStart?: (source: BuildSource) => void;
  /** Shown under the heading: the shell's notes about the current build. */
  notice?: ReactNode;
  /** Prefills the form, e.g. rebuilding one of "Your Projects". */
  initialSource?: BuildSource | null;
  /** Starts building `initialSource` on mount. */
  autoStart?: boolean;
  /** Where the last values are remembered; null to not remember. Defaults to localStorage. */
  storage?: Storage | null;
  /** For tests and stories. */
  loadTerminal?: LoadTerminal;
  buildOptions?: Pick<
    UseBuildOptions,
    "maxReconnects" | "reconnectDelayMs" | "silenceMs" | "fetch"
  >;
}

function logFileName(source: BuildSource): string {
  const name = `${source.provider}-${source.repo}-${source.ref}`
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/-+$/, "");
  return `${name.slice(0, 100)}.log`;
}

export function BuildPanel({
  serviceUrl,
  csrfToken,
  forUser,
  allowedProviders = PROVIDERS,
  onImageReady,
  beforeBuild,
  onBuildStart,
  notice,
  initialSource,
  autoStart = false,
  storage,
  loadTerminal,
  buildOptions,
}: BuildPanelProps) {
  const build = useBuild({ serviceUrl, csrfToken, forUser, ...buildOptions });
  const { state, start, attach } = build;
  // "Build and start" remembers the intent until the build it started ends.
  const startWhenReady = useRef(false);
  // A rebuild that starts on mount is asked about before the first render, not in the effect.
  const [refusal, setRefusal] = useState<string | null>(() =>
    autoStart && initialSource ? (beforeBuild?.(initialSource) ?? null) : null,
  );
  const [logShown, setLogShown] = useState(autoStart && Boolean(initialSource) && refusal === null);
  // A build of this user still running (a reload, a second tab): follow it instead of offering a
  // new one. Asked once, when the panel opens without a build of its own to start.
  const running = useRunningBuilds(serviceUrl, !autoStart);
  const looked = useRef(false);
  useEffect(() => {
    if (looked.current || running.data === undefined) return;
    looked.current = true;
    const newest = running.data[0];
    const source = newest && parseSpec(newest.provider, newest.spec);
    if (source && state.status === "idle") {
      // Once, when the running-builds query answers: following what the companion reports is
      // synchronising with an external system, which is what an effect is for.
      // eslint-disable-next-line react-hooks/set-state-in-effect
      setLogShown(true);
      attach(source);
    }
  }, [running.data, attach, state.status]);
  const begin = (source: BuildSource): boolean => {
    const refused = beforeBuild?.(source) ?? null;
    setRefusal(refused);
    if (refused) return false;
    onBuildStart?.(source);
    setLogShown(true);
    start(source);
    return true;
  };
  const onImageReadyRef = useRef(onImageReady);
  useEffect(() => {
    onImageReadyRef.current = onImageReady;
  });

  useEffect(() => {
    if (autoStart && initialSource && refusal === null) {
      onBuildStart?.(initialSource);
      start(initialSource);
    }
    // Only on mount: autoStart means "build this now", not "whenever props change".
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (state.status === "ready" && startWhenReady.current) {
      startWhenReady.current = false;
      const { imageName, source } = state;
      // Starting sets the form's fields with flushSync and then posts it. Inside an effect React is
      // still committing and defers a flushSync, so the post would carry the fields as they were
      // (the default image, no project): run it once the commit is over.
      queueMicrotask(() => onImageReadyRef.current(imageName, { start: true, source }));
    } else if (state.status !== "streaming" && state.status !== "reconnecting") {
      startWhenReady.current = false;
    }
  }, [state]);

  const busy = state.status === "streaming" || state.status === "reconnecting";
  const headingId = useId();
  return (
    <section
      className="lp-build-panel"
      aria-labelledby={headingId}
      ref={(element) => {
        if (element) injectStyle(element, STYLE_ID, css);
      }}
    >
      <h2 id={headingId}>Build your own image</h2>
      {notice}
      {refusal && (
        <p className="lp-error" role="alert">
          {refusal}
        </p>
      )}
      <BuildForm
        allowedProviders={allowedProviders}
        initialSource={initialSource ?? null}
        busy={busy}
        storage={storage}
        onBuild={(source, { start: andStart }) => {
          const started = begin(source);
          startWhenReady.current = andStart && started;
        }}
      />
      <BuildStatus
        state={state}
        elapsedSeconds={build.elapsedSeconds}
        onCancel={() => void build.cancel()}
        onRetry={() => build.retry()}
        onUseImage={(imageName, options) =>
          state.status === "ready" && onImageReady(imageName, { ...options, source: state.source })
        }
      />
      {logShown && state.status !== "idle" && (
        <ErrorBoundary
          fallback={
            <p className="lp-notice" role="status">
              The build log could not be shown. The build goes on, and its outcome appears above.
            </p>
          }
          onError={(error) => console.error("Launchpad: the build log failed", error)}
        >
          <BuildLog
            log={build.log}
            fileName={logFileName(state.source)}
            {...(loadTerminal ? { loadTerminal } : {})}
          />
        </ErrorBoundary>
      )}
    </section>
  );
}
