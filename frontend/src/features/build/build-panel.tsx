import { useEffect, useId, useRef, useState } from "react";
import { PROVIDERS, type BuildSource, type Provider } from "../../../../contract/providers.ts";
import { BuildForm } from "./components/build-form.tsx";
import { BuildLog, type LoadTerminal } from "./components/build-log.tsx";
import { BuildStatus } from "./components/build-status.tsx";
import { useBuild, type UseBuildOptions } from "./hooks/use-build.ts";
import css from "./build-panel.css?inline";

const STYLE_ID = "launchpad-build-styles";

/** Into the page's head, or the shadow root the page lives in; once. */
function injectStyles(element: HTMLElement | null): void {
  if (!element) return;
  const root = element.getRootNode();
  const container = root instanceof ShadowRoot ? root : element.ownerDocument.head;
  if (container.querySelector(`#${STYLE_ID}`)) return;
  const style = element.ownerDocument.createElement("style");
  style.id = STYLE_ID;
  style.textContent = css;
  container.append(style);
}

export interface BuildPanelProps {
  /** The companion, `{prefix}services/<name>/`. */
  serviceUrl: string;
  /** From `GET api/me`; sent on cancel. */
  csrfToken: string;
  /** Providers offered, in this order. Default: all BinderHub knows. */
  allowedProviders?: readonly Provider[];
  /**
   * A built image is chosen: set the image option's free-text value to `imageName`, and with
   * `start` also submit the spawn form (the app shell owns the form).
   */
  onImageReady: (imageName: string, options: { start: boolean }) => void;
  /** Prefills the form, e.g. rebuilding one of "Your Projects". */
  initialSource?: BuildSource | null;
  /** Starts building `initialSource` on mount. */
  autoStart?: boolean;
  /** Where the last values are remembered; null to not remember. Defaults to localStorage. */
  storage?: Storage | null;
  /** For tests and stories. */
  loadTerminal?: LoadTerminal;
  buildOptions?: Pick<UseBuildOptions, "maxReconnects" | "reconnectDelayMs" | "fetch">;
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
  allowedProviders = PROVIDERS,
  onImageReady,
  initialSource,
  autoStart = false,
  storage,
  loadTerminal,
  buildOptions,
}: BuildPanelProps) {
  const build = useBuild({ serviceUrl, csrfToken, ...buildOptions });
  const { state, start } = build;
  // "Build and start" remembers the intent until the build it started ends.
  const startWhenReady = useRef(false);
  const [logShown, setLogShown] = useState(autoStart && Boolean(initialSource));
  const onImageReadyRef = useRef(onImageReady);
  useEffect(() => {
    onImageReadyRef.current = onImageReady;
  });

  useEffect(() => {
    if (autoStart && initialSource) start(initialSource);
    // Only on mount: autoStart means "build this now", not "whenever props change".
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (state.status === "ready" && startWhenReady.current) {
      startWhenReady.current = false;
      onImageReadyRef.current(state.imageName, { start: true });
    } else if (state.status !== "streaming" && state.status !== "reconnecting") {
      startWhenReady.current = false;
    }
  }, [state]);

  const busy = state.status === "streaming" || state.status === "reconnecting";
  const headingId = useId();
  return (
    <section className="lp-build-panel" aria-labelledby={headingId} ref={injectStyles}>
      <h2 id={headingId}>Build your own image</h2>
      <BuildForm
        allowedProviders={allowedProviders}
        initialSource={initialSource ?? null}
        busy={busy}
        storage={storage}
        onBuild={(source, { start: andStart }) => {
          startWhenReady.current = andStart;
          setLogShown(true);
          start(source);
        }}
      />
      <BuildStatus
        state={state}
        elapsedSeconds={build.elapsedSeconds}
        onCancel={() => void build.cancel()}
        onRetry={() => build.retry()}
        onUseImage={(imageName, options) => onImageReady(imageName, options)}
      />
      {logShown && state.status !== "idle" && (
        <BuildLog
          log={build.log}
          fileName={logFileName(state.source)}
          {...(loadTerminal ? { loadTerminal } : {})}
        />
      )}
    </section>
  );
}
