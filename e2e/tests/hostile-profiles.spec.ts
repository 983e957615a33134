/**
 * Admin-written profile text is data: display names, descriptions and choice names carrying
 * `<script>`, `</script>`, `onerror`, `onload` and `javascript:` payloads must never run, in the
 * page and in the glue's fallback form. Every payload sets window.__pwned (or opens a dialog).
 */
import type { Page } from "@playwright/test";
import {
  expect,
  expectMounted,
  expectRecordings,
  expectServerPage,
  signIn,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import { recordings } from "../support/manifests.ts";

function watchForPayloads(page: Page): string[] {
  const events: string[] = [];
  page.on("dialog", (dialog) => {
    events.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("console", (message) => {
    if (message.text().includes("pwned")) events.push(`console: ${message.text()}`);
  });
  return events;
}

async function pwned(page: Page): Promise<unknown> {
  return page.evaluate(() => (window as { __pwned?: unknown }).__pwned);
}

test.describe("profiles with script payloads", () => {
  useOwnStack({ profiles: "hostile.yaml" });

  test(
    "are shown as text by the page and never run",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      const events = watchForPayloads(page);
      await signIn(page, hub, user);
      await expectMounted(page);

      const evil = page.getByRole("radio", {
        name: `Evil <img src=x onerror="window.__pwned='name'"> profile`,
        exact: true,
      });
      await expect(evil).toBeVisible();
      await evil.check();
      await expect(
        page.getByRole("group", {
          name: `Flavour <svg onload="window.__pwned='option'">`,
          exact: true,
        }),
      ).toBeVisible();
      await expect(
        page.getByRole("radio", {
          name: "</script><script>window.__pwned='choice'</script>",
          exact: true,
        }),
      ).toBeChecked();
      // The description keeps its link text, without the javascript: URL.
      const link = page.locator("#launchpad-root").getByText("a link", { exact: true });
      await expect(link).toBeVisible();
      expect(await link.evaluate((a) => a.getAttribute("href") ?? "")).not.toMatch(
        /^\s*javascript:/i,
      );

      expect(await pwned(page)).toBeUndefined();
      expect(events).toEqual([]);

      // And the profile still starts: the payload text is only a name.
      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 1);
      expect(recordings(hub.recordDir, user)[0]?.user_options).toMatchObject({
        profile: "evil",
        flavour: "one",
      });
      expect(events).toEqual([]);
    },
  );

  test("are shown as text by the fallback form and never run", async ({ page, hub, user }) => {
    const events = watchForPayloads(page);
    // The bundle cannot load: the glue's own fallback form stays.
    await page.route("**/services/launchpad/static/**", (route) => route.abort());
    await signIn(page, hub, user, { companion: false });
    await expect(page.locator("#launchpad-root")).toHaveAttribute(
      "data-launchpad-state",
      "fallback",
    );
    const evil = page.getByRole("radio", {
      name: /Evil <img src=x onerror="window.__pwned='name'"> profile/,
    });
    await expect(evil).toBeVisible();
    // The chosen profile's options show, without any script.
    await evil.check();
    await expect(
      page.getByRole("radio", {
        name: "</script><script>window.__pwned='choice'</script>",
        exact: true,
      }),
    ).toBeChecked();
    expect(await pwned(page)).toBeUndefined();
    expect(events).toEqual([]);
  });
});
