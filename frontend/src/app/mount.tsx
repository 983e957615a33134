import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot, type Root } from "react-dom/client";
import {
  SPAWN_PAGE_CONTRACT_VERSION,
  SPAWN_PAGE_DATA_ELEMENT_ID,
  SPAWN_PAGE_MOUNT_ELEMENT_ID,
  SpawnPageDataSchema,
  type SpawnPageData,
} from "../../../contract/spawn-page.ts";
import { ErrorBoundary } from "../lib/error-boundary.tsx";
import { injectStyle } from "../lib/inject-style.ts";
import { createQueryClient } from "../lib/query-client.ts";
import { readJhData } from "../lib/jhdata.ts";
import { serviceUrl } from "../lib/service-url.ts";
import { App, type AppProps } from "./app.tsx";
import { LazyCompanionPanels } from "./lazy-companion-panels.tsx";
import css from "./styles.css?inline";

export type SpawnDataResult =
  | { ok: true; data: SpawnPageData }
  | { ok: false; state: "version-mismatch" | "invalid"; message: string };

const ADMIN_HINT = "The basic form below still starts servers.";

/** The glue's JSON, checked: a version this page does not speak is refused before its shape is. */
export function readSpawnPageData(doc: Document): SpawnDataResult {
  let raw: unknown;
  try {
    raw = JSON.parse(doc.getElementById(SPAWN_PAGE_DATA_ELEMENT_ID)?.textContent ?? "");
  } catch {
    return {
      ok: false,
      state: "invalid",
      message: `Launchpad found no readable profile data on this page. ${ADMIN_HINT}`,
    };
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== SPAWN_PAGE_CONTRACT_VERSION) {
    return {
      ok: false,
      state: "version-mismatch",
      message:
        `This hub's Launchpad glue speaks version ${String(version)}, the page speaks version ${SPAWN_PAGE_CONTRACT_VERSION}. ` +
        `Ask your JupyterHub admin to upgrade Launchpad's hub glue and restart the hub. ${ADMIN_HINT}`,
    };
  }
  const parsed = SpawnPageDataSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    return {
      ok: false,
      state: "invalid",
      message: `Launchpad could not read the profile data (${issues}). ${ADMIN_HINT}`,
    };
  }
  return { ok: true, data: parsed.data };
}

export interface MountOptions extends Pick<AppProps, "companionPanels"> {
  doc?: Document;
  jhdata?: unknown;
  queryClient?: QueryClient;
}

/**
 * Replaces the glue's fallback form with the page, or leaves the fallback in place with a notice.
 * The outcome is also written to `data-launchpad-state` on the mount point, for people and tests.
 */
export function mountLaunchpad(options: MountOptions = {}): { state: string; root?: Root } {
  const doc = options.doc ?? document;
  const mountPoint = doc.getElementById(SPAWN_PAGE_MOUNT_ELEMENT_ID);
  if (!mountPoint) return { state: "absent" };
  // A second import (a page that loads the glue's loader twice) must not mount a second root.
  if (mountPoint.dataset.launchpadState === "ready") return { state: "ready" };
  injectStyle(doc, "launchpad-styles", css);
  const result = readSpawnPageData(doc);
  if (!result.ok) {
    const notice = doc.createElement("p");
    notice.className = "lp-notice";
    notice.setAttribute("role", "status");
    notice.textContent = result.message;
    mountPoint.prepend(notice);
    mountPoint.dataset.launchpadState = result.state;
    return { state: result.state };
  }
  const jhdata = readJhData(
    "jhdata" in options ? options.jhdata : (globalThis as { jhdata?: unknown }).jhdata,
  );
  const url = jhdata ? serviceUrl(jhdata.prefix, result.data.service_name) : null;
  const serverForm = [...mountPoint.childNodes];
  mountPoint.replaceChildren();
  const root = createRoot(mountPoint);
  let failed = false;
  // The root boundary: a render error anywhere outside the lazy parts (which have their own, see
  // lib/error-boundary.tsx) puts the glue's form and the hub's Start button back.
  const stepAside = (error: unknown) => {
    if (failed) return;
    failed = true;
    console.error("Launchpad failed; the basic form is back.", error);
    // After React's commit, never inside it.
    setTimeout(() => {
      root.unmount();
      restoreServerForm(mountPoint, serverForm);
    }, 0);
  };
  root.render(
    <StrictMode>
      <ErrorBoundary fallback={null} onError={stepAside}>
        <QueryClientProvider client={options.queryClient ?? createQueryClient()}>
          <App
            data={result.data}
            serviceUrl={url}
            companionPanels={
              options.companionPanels ??
              (url
                ? (session, profile) => (
                    <LazyCompanionPanels
                      data={result.data}
                      serviceUrl={url}
                      me={session.me}
                      profile={profile}
                    />
                  )
                : undefined)
            }
          />
        </QueryClientProvider>
      </ErrorBoundary>
    </StrictMode>,
  );
  mountPoint.dataset.launchpadState = "ready";
  // The page brings its own Start button, which checks the form first.
  showHubStart(mountPoint, false);
  return { state: "ready", root };
}

function showHubStart(mountPoint: HTMLElement, shown: boolean): void {
  for (const container of mountPoint
    .closest("form")
    ?.querySelectorAll<HTMLElement>(".feedback-container") ?? []) {
    container.hidden = !shown;
    container.style.display = shown ? "" : "none";
  }
}

const STEPPED_ASIDE =
  "Launchpad hit a problem, so the basic form is back. It starts your server as usual.";

/**
 * Launchpad steps aside: the server-rendered form the glue put in the mount point, and the hub's
 * own Start button, are back as the page found them.
 */
export function restoreServerForm(mountPoint: HTMLElement, serverForm: readonly Node[]): void {
  const notice = mountPoint.ownerDocument.createElement("p");
  notice.className = "lp-notice";
  notice.setAttribute("role", "status");
  notice.textContent = STEPPED_ASIDE;
  mountPoint.replaceChildren(notice, ...serverForm);
  mountPoint.dataset.launchpadState = "fallback";
  showHubStart(mountPoint, true);
}
