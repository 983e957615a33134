/**
 * A start the hub glue refuses (here: a project id that is not valid, as a stale or crafted form
 * would post) reaches the user as its reason on the hub's own pages, on both paths JupyterHub has:
 *
 * - z2jh's `slow_spawn_timeout: 0`: the POST redirects at once to the pending page; the failure
 *   arrives through the progress stream, and the page of a failed spawn (after a reload) shows only
 *   an exception's `jupyterhub_message`;
 * - JupyterHub's own default (10 s): the spawn fails within the POST's first second, and
 *   `_wrap_spawn_single_user` passes only an HTTPError through (anything else becomes "Unhandled
 *   error starting server").
 *
 * Either way the user then starts a server from the same page.
 */
import type { Page } from "@playwright/test";
import {
  expect,
  expectMounted,
  expectServerPage,
  signIn,
  spawnUrl,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import type { StackInfo } from "../support/stack.ts";

const REASON = "Launchpad: the project id is not valid; start from the spawn page again.";

/** Posts the hub's spawn form (its action carries ?_xsrf=) with these fields, as a browser would. */
async function postSpawnForm(page: Page, fields: Record<string, string>): Promise<void> {
  await page.evaluate((values) => {
    const hubForm = document.querySelector<HTMLFormElement>("form#spawn_form");
    if (!hubForm) throw new Error("no spawn form");
    const form = document.createElement("form");
    form.method = "post";
    form.enctype = "multipart/form-data";
    form.action = hubForm.action;
    for (const [name, value] of Object.entries(values)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  }, fields);
}

const BAD_PROJECT = {
  profile: "python",
  "profile-option-python--image": "scipy",
  "profile-option-python--resources": "small",
  "profile-option-python--launchpad-project": "../not/a/project",
};

async function startNormally(page: Page, hub: StackInfo, user: string): Promise<void> {
  await page.goto(spawnUrl(hub));
  await expectMounted(page);
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await expectServerPage(page, hub, user);
}

test(
  "a refused start shows its reason on the pending page and on the failed-spawn page",
  { tag: "@smoke" },
  async ({ page, hub, user }) => {
    await signIn(page, hub, user);
    await expectMounted(page);
    await postSpawnForm(page, BAD_PROJECT);
    await expect(page).toHaveURL(new RegExp(`hub/spawn-pending/${user}`));
    // In the progress message, and in the event log too when the failure arrives as an event
    // (the pending page was up before the spawn failed, as after KubeSpawner's PVC request).
    await expect(page.getByText(REASON).first()).toBeVisible();
    // The page of a failed spawn shows only jupyterhub_message.
    await page.reload();
    await expect(page.getByText(REASON)).toBeVisible();
    await startNormally(page, hub, user);
  },
);

test.describe("with JupyterHub's own slow_spawn_timeout (10 s)", () => {
  useOwnStack({ slowSpawnTimeout: 10 });

  test(
    "a start refused within the first second shows its reason on the spawn page",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      const answer = page.waitForResponse(
        (response) => response.request().method() === "POST" && response.url().includes("/spawn"),
      );
      await postSpawnForm(page, BAD_PROJECT);
      expect((await answer).status()).toBe(400);
      await expect(page.getByText(REASON)).toBeVisible();
      await expect(page.getByText("Unhandled error")).toHaveCount(0);
      await startNormally(page, hub, user);
    },
  );
});
