import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import {
  PROVIDERS,
  type BuildSource,
  type Provider,
} from "../../../../contract/providers/catalog.ts";
import { parseSpec } from "../../../../contract/providers/spec.ts";
import { injectStyle } from "../../lib/inject-style.ts";
import css from "./build-panel.css?inline";
import { BuildForm } from "./components/build-form.tsx";
import { BuildLog, type LoadTerminal } from "./components/build-log.tsx";
import { BuildStatus } from "./components/build-status.tsx";
import { runningBuildsQueryOptions, useRunningBuilds } from "./api/get-running-builds.ts";
import { useBuild, type UseBuildOptions } from "./hooks/use-build.ts";
import { ErrorBoundary } from "../../lib/error-boundary.tsx";

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
   * The image to post (the build's `imageName` once it is ready), or null when there is none any
   * more: a new build started or the user edited the repository. Starting is the page's Start
   * button: the one next step after a build.
   */
  onBuilt: (built: { imageName: string; source: BuildSource } | null) => void;
  /**
   * Told when the panel follows a build of this user that is already running (after a reload, in a
   * second tab), so the page can show the panel, which may be behind another entry.
   */
  onAttach?: (source: BuildSource) => void;
  /** The image this option already has from an earlier build on this page, if any. */
  built?: string | null;
  /**
   * Asked before a build starts (e.g. the project limit): a message refuses the build and is
   * shown to the user; null lets it start.
   */
  beforeBuild?: (source: BuildSource) => string | null;
  /** Shown above the form: the shell's notes about the current build. */
  notice?: ReactNode;
  /** Prefills the form, e.g. rebuilding one of "Your projects". */
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

/** Builds an image from a repository, in the option whose "Build from a repository" is chosen. */
export function BuildPanel({
  serviceUrl,
  csrfToken,
  forUser,
  allowedProviders = PROVIDERS,
  onBuilt,
  onAttach,
  built = null,
  beforeBuild,
  notice,
  initialSource,
  autoStart = false,
  storage,
  loadTerminal,
  buildOptions,
}: BuildPanelProps) {
  const build = useBuild({ serviceUrl, csrfToken, forUser, ...buildOptions });
  const { state, start, attach } = build;
  // A rebuild that starts on mount is asked about before the first render, not in the effect.
  const [refusal, setRefusal] = useState<string | null>(() =>
    autoStart && initialSource ? (beforeBuild?.(initialSource) ?? null) : null,
  );
  const retryRef = useRef<HTMLButtonElement>(null);
  const onBuiltRef = useRef(onBuilt);
  const onAttachRef = useRef(onAttach);
  useEffect(() => {
    onBuiltRef.current = onBuilt;
    onAttachRef.current = onAttach;
  });
  // A build of this user still running (a reload, a second tab): follow it instead of offering a
  // new one. Asked once, when the panel opens without a build of its own to start, and followed
  // once per page: another option's panel opening later does not take it up again.
  const queryClient = useQueryClient();
  const running = useRunningBuilds(serviceUrl, !autoStart);
  const looked = useRef(false);
  useEffect(() => {
    if (looked.current || running.data === undefined) return;
    looked.current = true;
    const newest = running.data[0];
    if (newest) queryClient.setQueryData(runningBuildsQueryOptions(serviceUrl).queryKey, []);
    const source = newest && parseSpec(newest.provider, newest.spec);
    if (source && state.status === "idle") {
      // Once, when the running-builds query answers: following what the companion reports is
      // synchronising with an external system, which is what an effect is for.
      onBuiltRef.current(null);
      onAttachRef.current?.(source);
      attach(source);
    }
  }, [running.data, attach, state.status, queryClient, serviceUrl]);

  const begin = (source: BuildSource) => {
    const refused = beforeBuild?.(source) ?? null;
    setRefusal(refused);
    if (refused) return;
    onBuiltRef.current(null);
    start(source);
  };

  useEffect(() => {
    // The refusal was asked for already, before the first render.
    if (autoStart && initialSource && refusal === null) {
      onBuiltRef.current(null);
      start(initialSource);
    }
    // Only on mount: autoStart means "build this now", not "whenever props change".
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (state.status === "ready")
      onBuiltRef.current({ imageName: state.imageName, source: state.source });
    // The Cancel button has gone: "Build again" takes the focus rather than the page's body.
    if (state.status === "cancelled" && document.activeElement === document.body)
      retryRef.current?.focus();
  }, [state]);

  const busy = state.status === "streaming" || state.status === "reconnecting";
  return (
    <section
      className="lp-build-panel"
      aria-label="Build from a repository"
      ref={(element) => {
        if (element) injectStyle(element, STYLE_ID, css);
      }}
    >
      {notice}
      {refusal && (
        <div className="alert alert-warning py-2" role="alert">
          {refusal}
        </div>
      )}
      <BuildForm
        allowedProviders={allowedProviders}
        initialSource={initialSource ?? null}
        busy={busy}
        storage={storage}
        onBuild={begin}
        onEdit={() => {
          // What was built is for the old values: it goes as soon as the user edits them.
          setRefusal(null);
          if (busy) return;
          if (built || state.status === "ready") onBuiltRef.current(null);
          if (state.status !== "idle") build.reset();
        }}
      />
      <BuildStatus
        state={state}
        elapsedSeconds={build.elapsedSeconds}
        onCancel={() => void build.cancel()}
        onRetry={() => build.retry()}
        retryRef={retryRef}
      />
      {state.status === "idle" && built && (
        <p className="lp-build-image mb-1">
          Image <code>{built}</code>. Press Start below to launch it.
        </p>
      )}
      {/* A refused build (rate-limited, or its repository rejected before any stream) has no log. */}
      {state.status !== "idle" &&
        state.status !== "rate-limited" &&
        !(state.status === "failed" && state.spec === "") && (
          <ErrorBoundary
            fallback={
              <p className="alert alert-secondary py-2" role="status">
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
