import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { fn } from "storybook/test";
import type { SpawnPageData } from "../contract/spawn-page.ts";
import { App } from "../frontend/src/app/app.tsx";
import { mountLaunchpad } from "../frontend/src/app/mount.tsx";
import { BuildPanel, type BuildPanelProps } from "../frontend/src/features/build/build-panel.tsx";
import {
  hubSpawnPageHtml,
  sampleJhData,
  sampleServiceUrl,
} from "../frontend/src/testing/fixtures.ts";

/** The page as the hub shows it: inside the spawn form, in the glue's `.launchpad` mount point. */
export function SpawnPage({
  data,
  theme,
}: {
  data: SpawnPageData;
  theme?: "light" | "dark";
}): ReactNode {
  // One client per story, retries off, so an error story shows its error at once.
  const [client] = useState(
    () => new QueryClient({ defaultOptions: { queries: { retry: false } } }),
  );
  const page = (
    <form id="spawn_form" method="post" action="#" onSubmit={(e) => e.preventDefault()}>
      <div id="launchpad-root" className="launchpad" data-launchpad-state="ready">
        <QueryClientProvider client={client}>
          <App data={data} serviceUrl={sampleServiceUrl} />
        </QueryClientProvider>
      </div>
    </form>
  );
  if (!theme) return page;
  return (
    <div
      data-bs-theme={theme}
      style={{ padding: "1rem", background: theme === "dark" ? "#0d1117" : "#fff" }}
    >
      {page}
    </div>
  );
}

/** The hub's spawn page HTML from the glue, booted the way the bundle boots it (fallback cases). */
export function GluePage({ data }: { data: unknown }): ReactNode {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    element.innerHTML = hubSpawnPageHtml(data);
    const { root } = mountLaunchpad({ jhdata: sampleJhData });
    return () => {
      root?.unmount();
      element.replaceChildren();
    };
  }, [data]);
  return <div ref={host} />;
}

/** The build panel's props every story starts from. */
export const BUILD_PANEL_ARGS = {
  serviceUrl: sampleServiceUrl,
  csrfToken: "csrf-from-me",
  onImageReady: fn(),
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

/** The build panel as the app shell mounts it (it asks the page's queries for running builds). */
export function BuildPanelFrame(props: BuildPanelProps): ReactNode {
  return (
    <SpawnFormFrame>
      <BuildPanel {...props} />
    </SpawnFormFrame>
  );
}
