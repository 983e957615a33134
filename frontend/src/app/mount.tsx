import { StrictMode } from "react";
import { flushSync } from "react-dom";
import { createRoot, type Root } from "react-dom/client";
import {
  SERVER_FORM_ATTRIBUTE,
  SPAWN_PAGE_CONTRACT_VERSION,
  SPAWN_PAGE_DATA_ELEMENT_ID,
  SPAWN_PAGE_MOUNT_ELEMENT_ID,
  SpawnPageDataSchema,
  type SpawnPageData,
} from "../../../contract/spawn-page.ts";
import { pageIdOf } from "../features/profiles/ids.ts";
import { initialFormState } from "../features/profiles/profile-form-model.ts";
import { readServerForm } from "../features/profiles/server-form.ts";
import { injectStyle } from "../lib/inject-style.ts";
import { readJhData } from "../lib/jhdata.ts";
import { serviceUrl } from "../lib/service-url.ts";
import { App, type AppProps } from "./app.tsx";
import { lazyCompanionSlots } from "./lazy-companion-panels.tsx";
import css from "./styles.css?inline";

export type SpawnDataResult =
  | { ok: true; data: SpawnPageData }
  | { ok: false; state: "version-mismatch" | "invalid"; message: string };

const ADMIN_HINT = "The form below still starts servers.";

/** Shown above the server-rendered form when the page, after taking it over, gives it back. */
export const STEPPED_ASIDE =
  "Launchpad hit a problem and stepped aside. This form starts your server as usual.";

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

export interface MountOptions {
  doc?: Document;
  jhdata?: unknown;
  companion?: AppProps["companion"];
}

export interface Mounted {
  state: string;
  root?: Root;
  /**
   * Gives the page back to the server-rendered form, as it was when the page took over: the
   * page unmounts and the form shows again, enabled. The page does it itself when it throws.
   */
  restore?: () => void;
}

/**
 * Takes the glue's server-rendered form over in place: the page renders next to it, in the same
 * task, with what the user already chose there, and the form is then hidden and disabled (kept,
 * not destroyed, so `restore()` can bring it back). Both lay out alike, so nothing moves.
 * The outcome is written to `data-launchpad-state` on the mount point, for people and tests.
 */
export function mountLaunchpad(options: MountOptions = {}): Mounted {
  const doc = options.doc ?? document;
  const mountPoint = doc.getElementById(SPAWN_PAGE_MOUNT_ELEMENT_ID);
  if (!mountPoint) return { state: "absent" };
  // A second import (a page that loads the glue's loader twice) must not mount a second root.
  if (mountPoint.dataset.launchpadState === "ready") return { state: "ready" };
  try {
    return takeOver(doc, mountPoint, options);
  } catch (error) {
    // Thrown before the page took the form over (e.g. a browser without an API it reads the
    // saved options with): the server-rendered form never left the screen, and starts the server.
    console.error("Launchpad stopped; the form keeps working without it.", error);
    mountPoint.dataset.launchpadState = "fallback";
    return { state: "fallback" };
  }
}

function takeOver(doc: Document, mountPoint: HTMLElement, options: MountOptions): Mounted {
  injectStyle(doc, "launchpad-styles", css);
  const result = readSpawnPageData(doc);
  if (!result.ok) {
    const notice = doc.createElement("p");
    notice.className = "alert alert-warning";
    notice.setAttribute("role", "status");
    notice.textContent = result.message;
    mountPoint.prepend(notice);
    mountPoint.dataset.launchpadState = result.state;
    return { state: result.state };
  }
  const { data } = result;
  const jhdata = readJhData(
    "jhdata" in options ? options.jhdata : (globalThis as { jhdata?: unknown }).jhdata,
  );
  const url = jhdata ? serviceUrl(jhdata.prefix, data.service_name) : null;
  const serverForm = mountPoint.querySelector<HTMLFieldSetElement>(`[${SERVER_FORM_ATTRIBUTE}]`);
  const saved = initialFormState(data.profiles, data.user_options);
  const initialState = serverForm ? readServerForm(serverForm, data.profiles, saved) : saved;
  // Where the user was typing, to carry on there.
  const active = doc.activeElement;
  const focused =
    active instanceof HTMLElement && serverForm?.contains(active) && active.id
      ? {
          id: pageIdOf(active.id),
          selection:
            active instanceof HTMLInputElement && active.type === "text"
              ? ([active.selectionStart, active.selectionEnd] as const)
              : null,
        }
      : null;

  // An older glue's fallback (or the local demo's) lacks the attribute: it makes way for the page.
  const earlier = serverForm ? [] : [...mountPoint.childNodes];

  const hubPage =
    jhdata?.xsrf_token !== undefined
      ? { baseUrl: jhdata.base_url, xsrfToken: jhdata.xsrf_token }
      : null;
  const companion = options.companion ?? (url ? lazyCompanionSlots(url, data, hubPage) : undefined);
  const host = doc.createElement("div");
  host.className = "lp-app";
  mountPoint.append(host);
  let restore: (() => void) | null = null;
  let failed = false;
  const root = createRoot(host, {
    // A page on the hub's only path fails soft: whatever throws, now or later, the form comes
    // back as it was when the page took over (React has unmounted the page's tree by now).
    onUncaughtError(error) {
      console.error("Launchpad stopped; the form keeps working without it.", error);
      failed = true;
      setTimeout(() => {
        if (!restore) return;
        restore();
        // What the user was looking at changed under them: say why, above the form.
        const notice = doc.createElement("p");
        notice.className = "alert alert-warning";
        notice.setAttribute("role", "status");
        notice.textContent = STEPPED_ASIDE;
        mountPoint.prepend(notice);
      });
    },
  });
  // Synchronously, so the page and the form never show together or not at all.
  flushSync(() =>
    root.render(
      <StrictMode>
        <App
          data={data}
          serviceUrl={url}
          initialState={initialState}
          {...(companion ? { companion } : {})}
        />
      </StrictMode>,
    ),
  );
  if (failed || !host.firstChild) {
    // The page threw while rendering: the server-rendered form stays, and works.
    root.unmount();
    host.remove();
    mountPoint.dataset.launchpadState = "fallback";
    return { state: "fallback" };
  }
  if (serverForm) {
    // Disabled, so none of its fields is posted beside the page's.
    serverForm.disabled = true;
    serverForm.hidden = true;
  }
  for (const node of earlier) node.remove();
  // The page has its own Start, which checks the form first; the glue's CSS hides the hub's
  // already, but a page without it (an older glue, the local demo) must not show two.
  const hubStart = [
    ...(mountPoint.closest("form")?.querySelectorAll<HTMLElement>(".feedback-container") ?? []),
  ];
  for (const container of hubStart) container.hidden = true;
  if (focused) {
    const target = doc.getElementById(focused.id);
    target?.focus();
    if (focused.selection && target instanceof HTMLInputElement)
      target.setSelectionRange(focused.selection[0], focused.selection[1]);
  }
  mountPoint.dataset.launchpadState = "ready";
  restore = () => {
    restore = null;
    root.unmount();
    host.remove();
    mountPoint.prepend(...earlier);
    if (serverForm) {
      serverForm.disabled = false;
      serverForm.hidden = false;
    } else {
      for (const container of hubStart) container.hidden = false;
    }
    mountPoint.dataset.launchpadState = "fallback";
  };
  return { state: "ready", root, restore: () => restore?.() };
}
