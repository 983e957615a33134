/**
 * A hub at base URL /jh/: the page finds the companion under jhdata.prefix, the OAuth round trip
 * uses the prefixed service URLs, and the spawn works the same as at "/".
 */
import {
  expect,
  expectMounted,
  expectRecordings,
  expectServerPage,
  signIn,
  spawnUrl,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import { notebookContainer, recordings } from "../support/manifests.ts";

test.describe("a hub under /jh/", () => {
  useOwnStack({ baseUrl: "/jh/" });

  test(
    "mounts, signs in to the companion and starts the chosen options",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      expect(hub.url.endsWith("/jh/")).toBe(true);
      const { navigations } = await signIn(page, hub, user);
      expect(
        navigations.some((url) => url.startsWith(`${hub.url}services/launchpad/oauth_callback`)),
      ).toBe(true);
      await expect(page).toHaveURL(spawnUrl(hub));
      await expectMounted(page);

      await page.getByRole("radio", { name: "PyTorch", exact: true }).check();
      await page.getByRole("radio", { name: "Large (4 CPUs, 16 GB)", exact: true }).check();
      await page.getByRole("button", { name: "Start", exact: true }).click();

      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 1);
      const [recording] = recordings(hub.recordDir, user);
      expect(recording?.user_options).toEqual({
        profile: "python",
        image: "pytorch",
        resources: "large",
      });
      expect(notebookContainer(recording!.pod).image).toBe(
        "quay.io/jupyter/pytorch-notebook:2025-01-06",
      );
    },
  );
});
