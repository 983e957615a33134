import { QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { vi } from "vitest";
import { createTestQueryClient } from "../../../testing/render.tsx";
import { ProjectsPanel, type ProjectsPanelProps } from "../components/projects-panel.tsx";
import { FIXTURE_NOW, FIXTURE_USER } from "./fixtures.ts";

export const TEST_SERVICE_URL = "/prefix/services/launchpad/";

/** jsdom has no modal dialogs: enough of one for the page's calls. */
export function installDialogPolyfill() {
  const proto = HTMLDialogElement.prototype;
  if (!("showModal" in proto)) {
    Object.assign(proto, {
      showModal(this: HTMLDialogElement) {
        this.setAttribute("open", "");
      },
    });
  }
  if (!("close" in proto)) {
    Object.assign(proto, {
      close(this: HTMLDialogElement) {
        this.removeAttribute("open");
      },
    });
  }
}

/** The panel inside a form like the hub's spawn form, with a fresh QueryClient (no retries). */
export function renderPanel(props: Partial<ProjectsPanelProps> = {}) {
  const form = document.createElement("form");
  const submitted = vi.fn((event: Event) => event.preventDefault());
  form.addEventListener("submit", submitted);
  const container = form.appendChild(document.createElement("div"));
  container.className = "launchpad";
  document.body.append(form);
  const client = createTestQueryClient();
  const onStart = vi.fn();
  const onRebuild = vi.fn();
  const result = render(
    <QueryClientProvider client={client}>
      <ProjectsPanel
        serviceUrl={TEST_SERVICE_URL}
        user={FIXTURE_USER}
        me={{ name: FIXTURE_USER, csrf_token: "csrf-from-me" }}
        now={FIXTURE_NOW}
        pollMs={5}
        onStart={onStart}
        onRebuild={onRebuild}
        {...props}
      />
    </QueryClientProvider>,
    { container },
  );
  return { ...result, client, onStart, onRebuild, submitted };
}
