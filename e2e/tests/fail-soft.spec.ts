/**
 * The page never locks a user out (issue 15). A lazy part that cannot load (its chunk answers
 * 404, as after a redeploy) or that throws while rendering shows a short note in its place, and
 * the profile form still starts the server; when the page itself throws while rendering, the
 * glue's form and the hub's own Start button come back and start it. Each time through the real
 * hub, on the shared stack.
 */
import type { Page, Route } from "@playwright/test";
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
import type { StackInfo } from "../support/stack.ts";

/** The build panel, Your Projects and what ties them to the form (app/lazy-companion-panels.tsx). */
const COMPANION_PANELS = "**/chunks/companion-panels-*.js";
/** The build panel within them (features/build/lazy-build-panel.tsx). */
const BUILD_PANEL = "**/chunks/build-panel-*.js";

const PANELS_FAILED = "Launchpad's builder and projects could not load.";
const BUILDER_FAILED = "The image builder could not load.";

/** A chunk that is gone, as after a redeploy while the page was open. */
const gone = (route: Route) => route.fulfill({ status: 404, body: "Not Found" });

/**
 * Serves the chunk as built, except that the component it exports as `exported` throws when it
 * renders. The minified chunk ends in `export{…,<local> as <exported>,…}`; the component is the
 * function declared under that local name.
 */
function throwingComponent(exported: string, served: { count: number }) {
  return async (route: Route) => {
    const body = await (await route.fetch()).text();
    const local = new RegExp(`([\\w$]+) as ${exported}[,}]`).exec(body)?.[1];
    const declared = local && `function ${local}(`;
    const at = declared ? body.indexOf("{", body.indexOf(declared)) : -1;
    if (at < 0) return route.fulfill({ status: 500, body: `no component exported as ${exported}` });
    served.count++;
    await route.fulfill({
      status: 200,
      contentType: "text/javascript",
      body: `${body.slice(0, at + 1)}throw new Error("e2e: a component that throws");${body.slice(at + 1)}`,
    });
  };
}

/** Picks the choices by their radios in the page's own form and starts it with its Start button. */
async function startWith(
  page: Page,
  hub: StackInfo,
  user: string,
  choices: string[],
  expected: Record<string, string>,
): Promise<void> {
  for (const choice of choices)
    await page.getByRole("radio", { name: choice, exact: true }).check();
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await expectStarted(page, hub, user, expected);
}

/** Python with PyTorch (e2e/hub/profiles/default.yaml). */
const startPytorch = (page: Page, hub: StackInfo, user: string) =>
  startWith(page, hub, user, ["Python environment", "PyTorch"], {
    profile: "python",
    image: "pytorch",
  });

async function expectStarted(
  page: Page,
  hub: StackInfo,
  user: string,
  expected: Record<string, string>,
): Promise<void> {
  await expectServerPage(page, hub, user);
  await expectRecordings(hub, user, 1);
  const [recording] = recordings(hub.recordDir, user);
  expect(recording?.user_options).toMatchObject(expected);
}

const note = (page: Page, text: string) => page.getByRole("status").filter({ hasText: text });

test.describe("the page fails soft", () => {
  test(
    "the companion panels' chunk is gone: a note in their place, and the form starts the server",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await page.route(COMPANION_PANELS, gone);
      await signIn(page, hub, user);
      await expectMounted(page);
      await expect(note(page, PANELS_FAILED)).toBeVisible();
      await startPytorch(page, hub, user);
    },
  );

  test("the companion panels throw: a note in their place, and the form starts the server", async ({
    page,
    hub,
    user,
  }) => {
    const served = { count: 0 };
    await page.route(COMPANION_PANELS, throwingComponent("default", served));
    await signIn(page, hub, user);
    await expectMounted(page);
    await expect(note(page, PANELS_FAILED)).toBeVisible();
    expect(served.count).toBeGreaterThan(0);
    await startPytorch(page, hub, user);
  });

  test(
    "the page itself throws: the glue's form and the hub's Start button come back and start the server",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      // A browser without Object.hasOwn (Safari before 15.4): the profile form's first render reads
      // the saved options with it, outside any lazy part.
      await page.addInitScript(() => {
        Reflect.deleteProperty(Object, "hasOwn");
      });
      // The page steps aside before it asks the companion anything.
      await signIn(page, hub, user, { companion: false });
      await expect(page.locator("#launchpad-root")).toHaveAttribute(
        "data-launchpad-state",
        "fallback",
      );
      await expect(note(page, "Launchpad hit a problem, so the basic form is back.")).toBeVisible();
      // The glue's server-rendered form, as with the companion down (fallback.spec.ts).
      await page.getByRole("radio", { name: /Python environment/ }).check();
      await page.getByLabel("Image", { exact: true }).selectOption({ label: "PyTorch" });
      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expectStarted(page, hub, user, { profile: "python", image: "pytorch" });
    },
  );
});

test.describe("the build panel fails soft", () => {
  // A profile whose image option takes built images, so the build panel shows.
  useOwnStack({ profiles: "build.yaml" });
  const startScipy = (page: Page, hub: StackInfo, user: string) =>
    startWith(page, hub, user, ["SciPy"], { profile: "python", image: "scipy" });

  test("its chunk is gone: a note in its place, Your projects stays, the form starts the server", async ({
    page,
    hub,
    user,
  }) => {
    await page.route(BUILD_PANEL, gone);
    await signIn(page, hub, user);
    await expectMounted(page);
    await expect(note(page, BUILDER_FAILED)).toBeVisible();
    await expect(page.getByRole("heading", { name: "Your projects" })).toBeVisible();
    await startScipy(page, hub, user);
  });

  test("it throws: a note in its place, and the form starts the server", async ({
    page,
    hub,
    user,
  }) => {
    const served = { count: 0 };
    await page.route(BUILD_PANEL, throwingComponent("BuildPanel", served));
    await signIn(page, hub, user);
    await expectMounted(page);
    await expect(note(page, BUILDER_FAILED)).toBeVisible();
    expect(served.count).toBeGreaterThan(0);
    await startScipy(page, hub, user);
  });
});
