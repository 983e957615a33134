/**
 * The profile editor through the real hub: an admin edits and publishes in the browser at
 * `services/launchpad/admin/`, the hub glue's profile_list callable picks the list up without a
 * restart, real KubeSpawner applies it, and the recorded pod shows it. Images are checked in a real
 * registry (Debian's docker-registry in token mode, images pushed by skopeo; the stack starts it).
 *
 * The tests run in order on one stack: each builds on the versions the one before published.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

import {
  expect,
  expectMounted,
  expectRecordings,
  expectServerPage,
  openSpawnPage,
  ownStackHandle,
  signIn,
  spawnUrl,
  stopServer,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import type { ProfileDocument } from "../../contract/profile-editor/schema.ts";
import { recordings } from "../support/manifests.ts";
import type { StackInfo } from "../support/stack.ts";

const ADMIN = "hubadmin";
const OTHER_ADMIN = "hubadmin2";

test.describe.configure({ mode: "serial" });

useOwnStack({
  adminUsers: [ADMIN, OTHER_ADMIN],
  groups: { "gpu-users": ["gina"] },
  profileEditor: { images: ["jupyter/scipy:1.0", "jupyter/scipy:2.0", "jupyter/gpu:1.0"] },
});

function registry(hub: StackInfo): string {
  const domain = hub.profileEditor?.registryDomain;
  if (!domain) throw new Error("this stack has no profile editor");
  return domain;
}

function editorUrl(hub: StackInfo): string {
  return `${hub.url}services/launchpad/admin/`;
}

async function openEditor(page: Page, hub: StackInfo, user = ADMIN): Promise<void> {
  await signIn(page, hub, user);
  await page.goto(editorUrl(hub));
  await expect(page.getByRole("heading", { name: "Profile list", level: 1 })).toBeVisible();
  await expect(page.getByText(/No problems found|problems? stops? publishing/)).toBeVisible();
}

async function publish(page: Page, message: string): Promise<void> {
  await page.getByLabel("What changed, and why").fill(message);
  await page.getByRole("button", { name: "Publish", exact: true }).click();
}

/** The editor has started over on the new version (it does once the state is fetched again). */
async function expectPublished(page: Page, version: number): Promise<void> {
  await expect(page.getByText(`Version ${version} is published.`)).toBeVisible();
  await expect(page.getByText(`Published: version ${version},`)).toBeVisible();
}

/** The image field of the profile "Python"'s first choice ("SciPy"). */
async function scipyImage(page: Page) {
  await page.locator("summary", { hasText: "Python" }).click();
  return page.locator("#pe-profiles-0-options-0-choices-0-settings-image");
}

/** What the companion's API says, called from the admin's page with its session and CSRF token. */
async function apiFromPage(
  page: Page,
  hub: StackInfo,
  path: string,
  init: { method?: string; body?: unknown } = {},
) {
  return page.evaluate(
    async ({ base, path, init }) => {
      const me = (await (await fetch(`${base}api/me`)).json()) as { csrf_token: string };
      const response = await fetch(`${base}${path}`, {
        method: init.method ?? "GET",
        headers: { "content-type": "application/json", "x-launchpad-csrf": me.csrf_token },
        body: init.body === undefined ? null : JSON.stringify(init.body),
      });
      return {
        status: response.status,
        body: (await response.json().catch(() => null)) as Record<string, unknown>,
      };
    },
    { base: `${hub.url}services/launchpad/`, path, init },
  );
}

async function spawnDefault(page: Page, hub: StackInfo, user: string): Promise<string> {
  await signIn(page, hub, user);
  await expectMounted(page);
  return startDefault(page, hub, user);
}

/** Starts the page's default choices; returns the image of the pod the hub's KubeSpawner made. */
async function startDefault(page: Page, hub: StackInfo, user: string): Promise<string> {
  await page.getByRole("button", { name: "Start" }).click();
  await expectServerPage(page, hub, user);
  await expectRecordings(hub, user, 1);
  const [recording] = recordings(hub.recordDir, user);
  return recording?.pod.spec.containers[0]?.image ?? "";
}

test("an admin publishes a new image tag; the next spawn page shows it and the pod uses it @smoke", async ({
  page,
  hub,
  browser,
}) => {
  test.setTimeout(120_000);
  await openEditor(page, hub);
  // Nothing is published: the editor starts from the chart's base list.
  await expect(page.getByText("Nothing is published yet")).toBeVisible();
  await publish(page, "The chart's list, as it is");
  await expectPublished(page, 1);

  const image = await scipyImage(page);
  await image.fill(`${registry(hub)}/jupyter/scipy:2.0`);
  await page.locator("#pe-profiles-0-options-0-choices-0-display_name").fill("SciPy (new)");
  await page.getByRole("button", { name: "Check images in their registries" }).click();
  await expect(
    page.locator(".pe-image", { hasText: `${registry(hub)}/jupyter/scipy:2.0` }),
  ).toContainText("Found");
  // With a profile open and the images checked: every control labelled, contrast, landmarks.
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
  await publish(page, "SciPy 2.0");
  await expectPublished(page, 2);

  const alice = await browser.newPage();
  await signIn(alice, hub, "alice");
  await expectMounted(alice);
  // The spawn page lists the published choices (the hub's own list has no "SciPy (new)").
  const choices = alice.getByRole("group", { name: "Image" }).getByRole("radio");
  await expect(choices).toHaveCount(2);
  await expect(choices.first()).toHaveAccessibleName("SciPy (new)");
  await expect(choices.first()).toBeChecked();
  await expect(choices.last()).toHaveAccessibleName("SciPy 2");
  expect(await startDefault(alice, hub, "alice")).toBe(`${registry(hub)}/jupyter/scipy:2.0`);
  await alice.close();
});

test("edits outside the chart's bounds, or invalid, are refused with what to fix, in the page and by the companion @smoke", async ({
  page,
  hub,
}) => {
  await openEditor(page, hub);
  await page.locator("summary", { hasText: "Python" }).click();
  // The node group "Standard" allows 4G (e2e/support/stack.ts, as infrastructure admins set it).
  await page.locator("#pe-profiles-0-settings-mem_limit").fill("16G");
  await page
    .locator("#pe-profiles-0-options-0-choices-0-settings-image")
    .fill("quay.io/jupyter/scipy-notebook:2025-01-01");
  await page.locator("#pe-profiles-0-display_name").fill("Python\u200b");
  const summary = page.getByRole("region", { name: "3 problems stop publishing" });
  await expect(summary).toContainText(
    /memory limit .+ is above the .+ ceiling of node group "Standard"/,
  );
  await expect(summary).toContainText(
    `quay.io/jupyter/scipy-notebook is not under an allowed registry or prefix (${registry(hub)})`,
  );
  await expect(summary).toContainText("zero-width space (U+200B) at character 7");
  await page.getByLabel("What changed, and why").fill("too much memory");
  await expect(page.getByRole("button", { name: "Publish", exact: true })).toBeDisabled();

  // The companion refuses the same list when it is posted past the page.
  const state = await apiFromPage(page, hub, "api/admin/profiles");
  const current = state.body.current as { number: number; document: ProfileDocument };
  const document = structuredClone(current.document);
  document.profiles[0]!.settings.mem_limit = "16G";
  const refused = await apiFromPage(page, hub, "api/admin/profiles/versions", {
    method: "POST",
    body: { base_version: current.number, message: "past the page", document },
  });
  expect(refused.status).toBe(422);
  expect(refused.body).toMatchObject({ reason: "invalid" });
  expect(JSON.stringify(refused.body.issues)).toMatch(/is above the .+ ceiling of node group/);
  const history = await apiFromPage(page, hub, "api/admin/profiles/versions");
  expect((history.body.versions as { number: number }[])[0]?.number).toBe(current.number);

  // The draft goes, so the next tests start from the published list.
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Discard my draft" }).click();
  await expect(page.getByText("No problems found: the list is ready to publish.")).toBeVisible();
});

test("rolling back restores the old image on the next spawn @smoke", async ({
  page,
  hub,
  browser,
}) => {
  test.setTimeout(120_000);
  await openEditor(page, hub);
  await page.getByRole("tab", { name: "History" }).click();
  await page.getByRole("button", { name: "Roll back to version 1" }).click();
  const confirm = page.getByRole("region", { name: "Roll back to version 1?" });
  await expect(confirm.getByRole("region", { name: "From version 2 to version 1" })).toContainText(
    "jupyter/scipy:1.0",
  );
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
  await confirm.getByRole("button", { name: "Roll back to version 1" }).click();
  await expect(page.getByText("Rolled back: version 3 republishes version 1.")).toBeVisible();

  const bob = await browser.newPage();
  expect(await spawnDefault(bob, hub, "bob")).toBe(`${registry(hub)}/jupyter/scipy:1.0`);
  await bob.close();
});

test("a user who may not edit gets 403, and no link to the editor @smoke", async ({
  page,
  hub,
}) => {
  await signIn(page, hub, "carol");
  await expectMounted(page);
  await expect(page.getByRole("link", { name: "Edit the profile list" })).toHaveCount(0);
  // From the spawn page (the hub's, same origin), with carol's session and CSRF token.
  const api = await apiFromPage(page, hub, "api/admin/profiles");
  expect(api.status).toBe(403);
  const write = await apiFromPage(page, hub, "api/admin/profiles/versions", {
    method: "POST",
    body: {},
  });
  expect(write.status).toBe(403);
  const response = await page.goto(editorUrl(hub));
  expect(response?.status()).toBe(403);
  await expect(page.getByText("carol may not edit the profile list")).toBeVisible();

  const admin = await page.context().browser()!.newPage();
  await signIn(admin, hub, ADMIN);
  await expectMounted(admin);
  await expect(admin.getByRole("link", { name: "Edit the profile list" })).toHaveAttribute(
    "href",
    `${hub.baseUrl}services/launchpad/admin/`,
  );
  await admin.close();
});

test("a group-hidden profile is absent from the page and refused when posted by hand @smoke", async ({
  page,
  hub,
  browser,
}) => {
  test.setTimeout(120_000);
  await signIn(page, hub, "dave");
  await expectMounted(page);
  // Only one profile is open to dave: the page shows it as a heading, and nothing of the GPU one.
  await expect(page.getByRole("heading", { name: "Python" })).toBeVisible();
  await expect(page.getByText("GPU", { exact: true })).toHaveCount(0);
  // The hub's own form POST, with the hub's XSRF token, naming the hidden profile.
  const xsrf = await page.evaluate(
    () => (window as unknown as { jhdata: { xsrf_token: string } }).jhdata.xsrf_token,
  );
  const posted = await page.request.post(`${spawnUrl(hub)}?_xsrf=${encodeURIComponent(xsrf)}`, {
    form: { profile: "gpu" },
    maxRedirects: 5,
  });
  // The hub shows its own "Spawn failed"; the reason, in its log, is KubeSpawner's own.
  expect([200, 500]).toContain(posted.status());
  await page.goto(`${hub.url}hub/spawn-pending/dave`);
  // The heading (refused before the redirect) or the progress message (refused while pending).
  await expect(page.getByText(/Spawn failed/).first()).toBeVisible({ timeout: 30_000 });
  expect(readFileSync(path.join(hub.stateDir, "hub.log"), "utf8")).toContain(
    "No such profile: gpu. Options include: python",
  );
  expect(recordings(hub.recordDir, "dave")).toEqual([]);

  const gina = await browser.newPage();
  await signIn(gina, hub, "gina");
  await expectMounted(gina);
  await gina.getByRole("radio", { name: "GPU" }).check();
  await gina.getByRole("button", { name: "Start" }).click();
  await expectServerPage(gina, hub, "gina");
  const [recording] = recordings(hub.recordDir, "gina");
  expect(recording?.pod.spec.containers[0]?.image).toBe(`${registry(hub)}/jupyter/gpu:1.0`);
  expect(recording?.pod.spec.nodeSelector).toMatchObject({ pool: "gpu" });
  await gina.close();
});

test("two admins publishing from the same version: one wins, the other gets 409 with the winner @smoke", async ({
  page,
  hub,
  browser,
}) => {
  await openEditor(page, hub, ADMIN);
  const other = await browser.newPage();
  await openEditor(other, hub, OTHER_ADMIN);
  const state = await apiFromPage(page, hub, "api/admin/profiles");
  const current = state.body.current as { number: number; document: unknown };
  const body = (message: string) => ({
    base_version: current.number,
    message,
    document: current.document,
  });
  const [a, b] = await Promise.all([
    apiFromPage(page, hub, "api/admin/profiles/versions", { method: "POST", body: body("from A") }),
    apiFromPage(other, hub, "api/admin/profiles/versions", {
      method: "POST",
      body: body("from B"),
    }),
  ]);
  expect([a.status, b.status].sort()).toEqual([201, 409]);
  const loser = [a, b].find((response) => response.status === 409);
  expect(loser?.body).toMatchObject({
    reason: "conflict",
    base_version: current.number,
    current: { number: current.number + 1 },
  });
  await other.close();
});

test("a missing tag is refused with what the registry said @smoke", async ({ page, hub }) => {
  await openEditor(page, hub);
  const image = await scipyImage(page);
  await image.fill(`${registry(hub)}/jupyter/scipy:9.9`);
  await publish(page, "a tag that does not exist");
  await expect(page.getByText("An image is not in its registry as named")).toBeVisible();
  const item = page.locator(".pe-image", { hasText: `${registry(hub)}/jupyter/scipy:9.9` });
  await expect(item).toContainText("Missing");
  await expect(item).toContainText("(MANIFEST_UNKNOWN)");
  const history = await apiFromPage(page, hub, "api/admin/profiles/versions");
  expect((history.body.versions as { message: string }[]).map((v) => v.message)).not.toContain(
    "a tag that does not exist",
  );
});

test("with the companion stopped, users still start servers with the last good list @smoke", async ({
  page,
  hub,
}) => {
  test.setTimeout(120_000);
  const stack = ownStackHandle();
  await stack.stopCompanion();
  try {
    await signIn(page, hub, "erin", { companion: false });
    await expect(page.locator("#launchpad-root")).toHaveAttribute(
      "data-launchpad-state",
      "fallback",
    );
    // The glue's last good list (published above: "SciPy 2"), not the hub's own ("PyTorch"); the
    // glue lays a few choices out as radios in a fieldset named by the option.
    const image = page.getByRole("group", { name: "Image" });
    await expect(image.getByRole("radio", { name: "SciPy", exact: true })).toBeChecked();
    await expect(image.getByRole("radio", { name: "SciPy 2", exact: true })).toBeVisible();
    await expect(page.getByRole("radio", { name: "PyTorch" })).toHaveCount(0);
    await page.getByRole("button", { name: "Start" }).click();
    await expectServerPage(page, hub, "erin");
    const [recording] = recordings(hub.recordDir, "erin");
    expect(recording?.pod.spec.containers[0]?.image).toBe(`${registry(hub)}/jupyter/scipy:1.0`);
  } finally {
    await stack.startCompanion();
  }
  await stopServer(hub, "erin");
  await openSpawnPage(page, hub);
});
