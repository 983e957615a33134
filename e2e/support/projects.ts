/** What e2e specs do with projects outside the page. */
import type { Page } from "@playwright/test";
import { projectId } from "../../contract/projects.ts";
import type { BuildSource } from "../../contract/providers/catalog.ts";
import { expectedImageName } from "./doubles.ts";
import { expect } from "./fixtures.ts";
import type { StackInfo } from "./stack.ts";

/** Records a project as the page does before a start (the companion's own API, the page's session). */
export async function recordProject(
  page: Page,
  hub: StackInfo,
  source: BuildSource,
): Promise<void> {
  const status = await page.evaluate(
    async ({ base, id, request }) => {
      const me = (await (await fetch(`${base}api/me`)).json()) as { csrf_token: string };
      const response = await fetch(`${base}api/projects/${id}/launch`, {
        method: "POST",
        headers: { "X-Launchpad-CSRF": me.csrf_token, "content-type": "application/json" },
        body: JSON.stringify(request),
      });
      return response.status;
    },
    {
      base: `${hub.url}services/launchpad/`,
      id: projectId(source.provider, source.repo),
      request: {
        provider: source.provider,
        repository: source.repo,
        ref: source.ref,
        image: expectedImageName(source),
        profile_slug: "python",
        display_name: source.repo,
      },
    },
  );
  expect(status).toBe(201);
}
