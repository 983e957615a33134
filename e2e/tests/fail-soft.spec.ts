/**
 * The page never locks a user out (issue 15). A lazy part that cannot load (its chunk answers
 * 404, as after a redeploy) or that throws while rendering shows a short note in its place, and
 * the profile form still starts the server. When the page itself throws before it has taken the
 * glue's server-rendered form over, that form never leaves the screen and starts the server; when
 * it throws later, the form comes back in its place, with a notice, and starts it. Each time
 * through the real hub.
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

/** The build entry's form, Your projects and what ties them to the form (app/lazy-companion-panels.tsx). */
const COMPANION_PANELS = "**/chunks/companion-panels-*.js";

const BUILDER_FAILED = "The image builder could not load.";
const PROJECTS_FAILED = "Your projects could not load.";
/** STEPPED_ASIDE in frontend/src/app/mount.tsx. */
const STEPPED_ASIDE = "Launchpad hit a problem and stepped aside.";

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

/**
 * The glue's server-rendered form, back or never gone: enabled, with the one Start button of its
 * own (the hub's is hidden under the glue's form), and the page's not there.
 */
async function expectServerForm(page: Page): Promise<void> {
  await expect(page.locator("#launchpad-root")).toHaveAttribute("data-launchpad-state", "fallback");
  await expect(page.locator("#launchpad-root .lp-app")).toHaveCount(0);
  await expect(page.locator("[data-launchpad-form]")).toBeVisible();
  await expect(page.locator("[data-launchpad-form]")).toBeEnabled();
  await expect(page.getByRole("button", { name: "Start", exact: true })).toHaveCount(1);
}

test.describe("the page fails soft", () => {
  test(
    "the companion's chunk is gone: a note in place of Your projects, and the form starts the server",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await page.route(COMPANION_PANELS, gone);
      await signIn(page, hub, user);
      await expectMounted(page);
      await expect(note(page, PROJECTS_FAILED)).toBeVisible();
      await startPytorch(page, hub, user);
    },
  );

  test("Your projects throw: a note in their place, and the form starts the server", async ({
    page,
    hub,
    user,
  }) => {
    const served = { count: 0 };
    await page.route(COMPANION_PANELS, throwingComponent("ProjectsSection", served));
    await signIn(page, hub, user);
    await expectMounted(page);
    await expect(note(page, PROJECTS_FAILED)).toBeVisible();
    expect(served.count).toBeGreaterThan(0);
    await startPytorch(page, hub, user);
  });

  test(
    "the page throws before taking the form over: the glue's form stays and starts the server",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      // A browser without Object.hasOwn (Safari before 15.4): the page reads the saved options with
      // it before its first render.
      await page.addInitScript(() => {
        Reflect.deleteProperty(Object, "hasOwn");
      });
      // The page steps aside before it asks the companion anything.
      await signIn(page, hub, user, { companion: false });
      await expectServerForm(page);
      // The form never left the screen: nothing to explain.
      await expect(note(page, STEPPED_ASIDE)).toHaveCount(0);
      await startWith(page, hub, user, ["Python environment", "PyTorch"], {
        profile: "python",
        image: "pytorch",
      });
    },
  );

  test(
    "the page throws after taking the form over: the glue's form comes back, says why, and starts the server",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      // From now on, creating a heading throws, as a bug in a component rendering after the
      // takeover would (every time: React renders once more before it gives up).
      await page.evaluate(() => {
        const prototype = Document.prototype;
        const create = Object.getOwnPropertyDescriptor(prototype, "createElement")!;
        const original = create.value as Document["createElement"];
        Object.defineProperty(prototype, "createElement", {
          ...create,
          value(this: Document, tag: string, options?: ElementCreationOptions) {
            if (tag === "h2") throw new Error("e2e: the page throws after it has taken over");
            return original.call(this, tag, options);
          },
        });
      });
      // An empty free-text image: the page's check shows its summary under a heading.
      await page.getByRole("radio", { name: "Other image...", exact: true }).check();
      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expectServerForm(page);
      await expect(note(page, STEPPED_ASIDE)).toBeVisible();
      await startWith(page, hub, user, ["Python environment", "PyTorch"], {
        profile: "python",
        image: "pytorch",
      });
    },
  );
});

test.describe("the build entry fails soft", () => {
  // A profile whose image option takes built images, so the build entry shows.
  useOwnStack({ profiles: "build.yaml" });
  const startScipy = (page: Page, hub: StackInfo, user: string) =>
    startWith(page, hub, user, ["SciPy"], { profile: "python", image: "scipy" });
  const chooseBuild = (page: Page) =>
    page.getByRole("radio", { name: "Build from a repository", exact: true }).check();

  test("the companion's chunk is gone: a note in the build entry and in Your projects, the form starts the server", async ({
    page,
    hub,
    user,
  }) => {
    await page.route(COMPANION_PANELS, gone);
    await signIn(page, hub, user);
    await expectMounted(page);
    await chooseBuild(page);
    await expect(note(page, BUILDER_FAILED)).toBeVisible();
    await expect(note(page, PROJECTS_FAILED)).toBeVisible();
    await startScipy(page, hub, user);
  });

  test("it throws: a note in its place, Your projects stays, the form starts the server", async ({
    page,
    hub,
    user,
  }) => {
    const served = { count: 0 };
    await page.route(COMPANION_PANELS, throwingComponent("BuildChoice", served));
    await signIn(page, hub, user);
    await expectMounted(page);
    await chooseBuild(page);
    await expect(note(page, BUILDER_FAILED)).toBeVisible();
    expect(served.count).toBeGreaterThan(0);
    await expect(page.getByRole("heading", { name: "Your projects" })).toBeVisible();
    await startScipy(page, hub, user);
  });
});
