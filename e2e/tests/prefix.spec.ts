/**
 * A hub at base URL /jh/: the page finds the companion under jhdata.prefix, the OAuth round trip
 * uses the prefixed service URLs, and the spawn works the same as at "/". The spawn page's
 * answer names, in Link headers, what its first frame waits for: those URLs, with the prefix, are
 * the ones the page then uses, each fetched once.
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

  test(
    "the spawn page's preload links are the URLs the page uses, each fetched once",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      const fetched: string[] = [];
      page.on("request", (request) => fetched.push(request.url()));
      const response = await page.goto(spawnUrl(hub));
      await expectMounted(page);
      // One header line per link as the hub sends them; a proxy may join them (RFC 9110 §5.3).
      const values = (await response!.headerValues("link")).flatMap((v) => v.split(/,\s*(?=<)/));
      const links = values.map((value) => {
        const m = /^<([^>]+)>; rel=preload; as=(style|script)(; crossorigin)?$/.exec(value);
        if (!m) throw new Error(`not a preload link: ${value}`);
        return { url: new URL(m[1]!, hub.url).href, as: m[2] };
      });
      const styles = links.filter((link) => link.as === "style").map((link) => link.url);
      const scripts = links.filter((link) => link.as === "script").map((link) => link.url);
      // The hub stylesheet's unversioned imports, resolved as the browser resolves them.
      const imported = await page.evaluate(() =>
        [...document.styleSheets].flatMap((sheet) =>
          [...sheet.cssRules].flatMap((rule) =>
            rule instanceof CSSImportRule && rule.styleSheet?.href ? [rule.styleSheet.href] : [],
          ),
        ),
      );
      expect(styles.length).toBeGreaterThan(0);
      expect(styles.sort()).toEqual(imported.filter((href) => !href.includes("?")).sort());
      expect(scripts).toEqual([`${hub.url}services/launchpad/static/launchpad.js`]);
      for (const url of [...styles, ...scripts])
        expect(
          fetched.filter((f) => f === url),
          url,
        ).toHaveLength(1);
    },
  );
});
