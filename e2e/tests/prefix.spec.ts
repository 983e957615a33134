/**
 * A hub at base URL /jh/: the page finds the companion under jhdata.prefix, the OAuth round trip
 * uses the prefixed service URLs, and the spawn works the same as at "/". The spawn page's
 * answer names, in Link headers, what its first frame waits for: those URLs, with the prefix, are
 * the ones the page then uses, each fetched once; on the next page they come from the browser's
 * copy (the glue's static handler).
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
      // The hub stylesheet imports Font Awesome unversioned, but the glue's static handler lets
      // the browser use its copy of those at once: no preload of them (test below).
      expect(imported.filter((href) => !href.includes("?")).length).toBeGreaterThan(0);
      expect(styles).toEqual([]);
      expect(scripts).toEqual([`${hub.url}services/launchpad/static/launchpad.js`]);
      for (const url of [...styles, ...scripts])
        expect(
          fetched.filter((f) => f === url),
          url,
        ).toHaveLength(1);
    },
  );

  test(
    "the hub's Font Awesome files come from the browser's copy on the next page, checked in the background",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      const fa = `${hub.url}hub/static/components/@fortawesome/fontawesome-free/`;
      // What the browser's network layer did for each URL (Chromium's DevTools protocol).
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Network.enable");
      const seen = new Map<
        string,
        { fromDiskCache: boolean; cacheControl: string | undefined }[]
      >();
      cdp.on("Network.responseReceived", ({ response }) => {
        if (!response.url.startsWith(fa)) return;
        const headers = Object.fromEntries(
          Object.entries(response.headers).map(([name, value]) => [name.toLowerCase(), value]),
        );
        const answers = seen.get(response.url) ?? [];
        answers.push({
          fromDiskCache: response.fromDiskCache === true,
          cacheControl: headers["cache-control"],
        });
        seen.set(response.url, answers);
      });
      await page.goto(spawnUrl(hub));
      await expectMounted(page);
      await expect.poll(() => seen.size).toBe(3);
      // The glue's static handler: the stylesheet's two imports and their font are each answered
      // first from the disk cache (no round trip before the first frame); any later answer for
      // the same URL is the browser's check behind it (stale-while-revalidate).
      const fromCache = {
        fromDiskCache: true,
        cacheControl: "max-age=0, stale-while-revalidate=604800",
      };
      expect(Object.fromEntries([...seen].map(([url, answers]) => [url, answers[0]]))).toEqual({
        [`${fa}css/fontawesome.css`]: fromCache,
        [`${fa}css/solid.css`]: fromCache,
        [`${fa}webfonts/fa-solid-900.woff2`]: fromCache,
      });
      // The hub's own unversioned files stay as JupyterHub sends them.
      const own = await page.request.get(`${hub.url}hub/static/css/style.min.css`);
      expect(own.headers()["cache-control"]).toBe("no-cache");
    },
  );
});
