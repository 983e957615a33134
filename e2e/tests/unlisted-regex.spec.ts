/**
 * Where the page cannot check a free-text value exactly as Python's re.match would
 * (contract/python-regex.ts), it must not block: the form reaches the hub, KubeSpawner decides
 * (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3718-L3722), and
 * the hub reports its refusal. With z2jh's slow_spawn_timeout 0 that is the spawn-pending page's
 * progress ("Spawn failed: …", apihandlers/users.py SpawnProgressAPIHandler); a page loaded after
 * the failure says only "Spawn failed" (pages.py hides other than JupyterHub's own messages there).
 * Profile list: e2e/hub/profiles/python-regex.yaml.
 */
import {
  expect,
  expectMounted,
  expectRecordings,
  expectServerPage,
  signIn,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import { recordingCount, recordings } from "../support/manifests.ts";

test.describe("unlisted values the page cannot check", () => {
  useOwnStack({ profiles: "python-regex.yaml" });

  test(
    "reach KubeSpawner, whose refusal the hub shows",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      await page.getByRole("radio", { name: "Other image...", exact: true }).check();
      const field = page.getByRole("textbox", { name: "Custom image", exact: true });
      await field.fill("docker.io/someone/anything:latest");
      await expect(field).not.toHaveAttribute("aria-invalid", "true");
      await page.getByRole("button", { name: "Start", exact: true }).click();
      // The hub stops the failed server (KubeSpawner's stop waits on its pod reflector), and the
      // pending page may be served as "Your server is stopping" meanwhile: once it has stopped, the
      // page of the failed spawn.
      await expect(page).toHaveURL(new RegExp(`hub/spawn-pending/${user}`));
      await expect
        .poll(
          async () => {
            await page.reload();
            return page.getByRole("heading", { name: "Spawn failed" }).isVisible();
          },
          { timeout: 60_000, intervals: [1_000] },
        )
        .toBe(true);
      // What the pending page's progress stream says: KubeSpawner's own refusal.
      const progress = await fetch(
        `${hub.url}hub/api/users/${encodeURIComponent(user)}/server/progress`,
        { headers: { Authorization: `token ${hub.adminToken}` } },
      );
      expect(await progress.text()).toContain(
        "Spawn failed: Received unlisted_choice for image that failed validation regex.",
      );
      expect(recordingCount(hub.recordDir, user)).toBe(0);
    },
  );

  test("start when Python accepts them", { tag: "@smoke" }, async ({ page, hub, user }) => {
    await signIn(page, hub, user);
    await expectMounted(page);
    await page.getByRole("radio", { name: "Unicode names", exact: true }).check();
    await page.getByRole("radio", { name: "Other image...", exact: true }).check();
    // \w is Unicode in Python 3: 名前 is a word. Above U+0800 the page does not decide.
    await page
      .getByRole("textbox", { name: "Custom image", exact: true })
      .fill("registry.example.org/名前:v1");
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expectServerPage(page, hub, user);
    await expectRecordings(hub, user, 1);
    expect(recordings(hub.recordDir, user)[0]?.user_options["image--unlisted-choice"]).toBe(
      "registry.example.org/名前:v1",
    );
  });
});
