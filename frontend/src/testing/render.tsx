import { QueryClient } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { SpawnPageData } from "../../../contract/spawn-page.ts";
import { App, type AppProps } from "../app/app.tsx";
import { sampleServiceUrl } from "./fixtures.ts";

export function createTestQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
}

/** Renders the app inside a form like the hub's spawn form; `posted()` is what a submit would send. */
export function renderApp(data: SpawnPageData, props: Partial<AppProps> = {}) {
  const form = document.createElement("form");
  form.method = "post";
  const submitted: Array<Array<[string, string]>> = [];
  // Runs after the app's own check (capture phase), records what the browser would post.
  form.addEventListener("submit", (event) => {
    if (!event.defaultPrevented) {
      submitted.push(
        [...new FormData(form).entries()].map(([k, v]) => [k, typeof v === "string" ? v : v.name]),
      );
    }
    event.preventDefault();
  });
  const container = form.appendChild(document.createElement("div"));
  container.className = "launchpad";
  document.body.append(form);
  const result = render(<App data={data} serviceUrl={sampleServiceUrl} {...props} />, {
    container,
  });
  return { ...result, form, submitted };
}
