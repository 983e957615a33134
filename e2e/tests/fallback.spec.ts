/**
 * Launchpad is never a hub outage: with the companion down (so its bundle cannot load), the glue's
 * server-rendered form still starts servers, with KubeSpawner's own fields.
 */
import {
  expect,
  expectRecordings,
  expectServerPage,
  signIn,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import { notebookContainer, recordings } from "../support/manifests.ts";

test.describe("with the companion stopped", () => {
  useOwnStack({ companion: false });

  test(
    "the server-rendered form starts the chosen profile and options",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user, { companion: false });
      await expect(page.locator("#launchpad-root")).toHaveAttribute(
        "data-launchpad-state",
        "fallback",
      );

      await page.getByRole("radio", { name: /Python environment/ }).check();
      await page.getByRole("radio", { name: "PyTorch", exact: true }).check();
      await page.getByRole("radio", { name: "Large (4 CPUs, 16 GB)", exact: true }).check();
      // One Start: the form's own, where the page's would be (the hub's is hidden).
      await expect(page.getByRole("button", { name: "Start", exact: true })).toHaveCount(1);
      await page.getByRole("button", { name: "Start", exact: true }).click();

      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 1);
      const [recording] = recordings(hub.recordDir, user);
      expect(recording?.user_options).toMatchObject({
        profile: "python",
        image: "pytorch",
        resources: "large",
      });
      expect(notebookContainer(recording!.pod).image).toBe(
        "quay.io/jupyter/pytorch-notebook:2025-01-06",
      );
    },
  );

  test("the server-rendered form takes a free-text image", async ({ page, hub, user }) => {
    await signIn(page, hub, user, { companion: false });
    await page.getByRole("radio", { name: "Other image...", exact: true }).check();
    await page
      .getByRole("textbox", { name: "Custom image", exact: true })
      .fill("quay.io/jupyter/minimal-notebook:2025-01-06");
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expectServerPage(page, hub, user);
    await expectRecordings(hub, user, 1);
    const [recording] = recordings(hub.recordDir, user);
    expect(recording?.user_options).toMatchObject({
      profile: "python",
      "image--unlisted-choice": "quay.io/jupyter/minimal-notebook:2025-01-06",
    });
    expect(notebookContainer(recording!.pod).image).toBe(
      "quay.io/jupyter/minimal-notebook:2025-01-06",
    );
  });

  test("the server-rendered form starts another profile", async ({ page, hub, user }) => {
    await signIn(page, hub, user, { companion: false });
    await expect(page.locator("#launchpad-root")).toHaveAttribute(
      "data-launchpad-state",
      "fallback",
    );
    await page.getByRole("radio", { name: /R environment/ }).check();
    await page.getByRole("button", { name: "Start", exact: true }).click();

    await expectServerPage(page, hub, user);
    await expectRecordings(hub, user, 1);
    const [recording] = recordings(hub.recordDir, user);
    expect(recording?.user_options.profile).toBe("r-environment");
    expect(notebookContainer(recording!.pod).image).toBe("rocker/binder:4.4.2");
  });
});
