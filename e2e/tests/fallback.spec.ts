/**
 * Launchpad is never a hub outage: with the companion down (so its bundle cannot load), the glue's
 * plain form still starts servers through the hub's own Start button.
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
    "the fallback form starts the chosen profile and options",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user, { companion: false });
      await expect(page.locator("#launchpad-root")).toHaveAttribute(
        "data-launchpad-state",
        "fallback",
      );

      await page.getByRole("radio", { name: /Python environment/ }).check();
      await page.getByLabel("Image", { exact: true }).selectOption({ label: "PyTorch" });
      await page
        .getByLabel("Resources", { exact: true })
        .selectOption({ label: "Large (4 CPUs, 16 GB)" });
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

  test("the fallback form starts another profile", async ({ page, hub, user }) => {
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
