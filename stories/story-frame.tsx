import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { fn } from "storybook/test";
import type { SpawnPageData } from "../contract/spawn-page.ts";
import { App } from "../frontend/src/app/app.tsx";
import { lazyCompanionSlots } from "../frontend/src/app/lazy-companion-panels.tsx";
import { mountLaunchpad } from "../frontend/src/app/mount.tsx";
import { BuildPanel, type BuildPanelProps } from "../frontend/src/features/build/build-panel.tsx";
import {
  hubSpawnPageHtml,
  sampleJhData,
  sampleServiceUrl,
} from "../frontend/src/testing/fixtures.ts";

/**
 * The page as the hub shows it: inside the spawn form, in the glue's `.launchpad` mount point,
 * with the companion's parts (the build entry's form, Your projects) answered by MSW. `theme`
 * is the hub's Bootstrap 5 theme (JupyterHub 5 sets `data-bs-theme` on <html>).
 */
export function SpawnPage({
  data,
  theme,
}: {
  data: SpawnPageData;
  theme?: "light" | "dark";
}): ReactNode {
  const companion = useMemo(() => lazyCompanionSlots(sampleServiceUrl, data), [data]);
  return (
    <div data-bs-theme={theme} className="bg-body text-body p-3">
      <form id="spawn_form" method="post" action="#" onSubmit={(e) => e.preventDefault()}>
        <div id="launchpad-root" className="launchpad" data-launchpad-state="ready">
          <App data={data} serviceUrl={sampleServiceUrl} companion={companion} />
        </div>
      </form>
    </div>
  );
}

/**
 * The hub's spawn page HTML from the glue, booted the way the bundle boots it; with `boot`
 * false, the server-rendered form as it is painted before the page's code has arrived.
 */
export function GluePage({ data, boot = true }: { data: unknown; boot?: boolean }): ReactNode {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    element.innerHTML = hubSpawnPageHtml(data);
    const { root } = boot ? mountLaunchpad({ jhdata: sampleJhData }) : {};
    return () => {
      root?.unmount();
      element.replaceChildren();
    };
  }, [data, boot]);
  return <div ref={host} className="bg-body text-body p-3" />;
}

/** The build panel's props every story starts from. */
export const BUILD_PANEL_ARGS = {
  serviceUrl: sampleServiceUrl,
  csrfToken: "csrf-from-me",
  onBuilt: fn(),
  storage: null,
} satisfies BuildPanelProps;

/** A companion panel as the app shell mounts it: inside the hub's spawn form, one QueryClient per story. */
export function SpawnFormFrame({ children }: { children: ReactNode }): ReactNode {
  const [client] = useState(
    () => new QueryClient({ defaultOptions: { queries: { retry: false } } }),
  );
  return (
    <form id="spawn_form" method="post" action="#" onSubmit={(e) => e.preventDefault()}>
      <div className="launchpad">
        <QueryClientProvider client={client}>{children}</QueryClientProvider>
      </div>
    </form>
  );
}

/**
 * The build panel as the page shows it: under "Build from a repository", inside the hub's spawn
 * form, with the page's queries (it asks them for running builds).
 */
export function BuildPanelFrame(props: BuildPanelProps): ReactNode {
  return (
    <SpawnFormFrame>
      <div style={{ maxWidth: "34rem" }}>
        <BuildPanel {...props} />
      </div>
    </SpawnFormFrame>
  );
}
