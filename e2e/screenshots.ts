/**
 * `npm run screenshots [-- <part of a state's name>...]`: every state of the spawn page in the real hub (the
 * e2e stack: JupyterHub 5.5 + KubeSpawner + CHP + the companion + the Kubernetes and BinderHub
 * doubles), light and dark (the hub's own theme follows the browser), desktop and 390 px wide,
 * written to docs/screenshots/<state>-<light|dark>-<desktop|phone>.png. Look at them after any
 * change to the page.
 *
 * Not a test: nothing is asserted beyond reaching each state. Run e2e/run.sh for that.
 */
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { manyProfiles } from "../bench/spawn-page.ts";
import { expect, expectServerPage, signIn, stopServer } from "./support/fixtures.ts";
import { nodePools, profileList } from "./support/real-hubs.ts";
import { REAL_HUBS_DIR, REPO_ROOT, startStack, type Stack } from "./support/stack.ts";

const OUT = path.join(REPO_ROOT, "docs", "screenshots");
const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };
const THEMES = ["light", "dark"] as const;

type StackName = "veda" | "many";

interface State {
  name: string;
  stack: StackName;
  /** Signed in as this user (one per state unless states share what a user has). */
  user?: string;
  /** The state's own user (one per theme and width) first builds and launches these. */
  projects?: string[];
  /** Drives a freshly opened spawn page into the state. */
  drive?: (page: Page) => Promise<void>;
  /** The page's code never arrives: what users see before it loads, or without it. */
  withoutPage?: "pending" | "failed";
}

const panel = (page: Page) => page.locator(".lp-build-panel");

/**
 * xterm draws only while its screen is in the viewport: its RenderService pauses when an
 * IntersectionObserver says it is off screen, and draws on scrolling into view
 * (https://github.com/xtermjs/xterm.js/blob/6.0.0/src/browser/services/RenderService.ts#L123-L151).
 * A full-page screenshot does not scroll, so a terminal below the fold (a failed build at 390 px)
 * came out blank. Each terminal is scrolled to, as the user would, and the page back to the top.
 */
async function showTerminals(page: Page): Promise<void> {
  for (const terminal of await page.locator(".lp-build-terminal .xterm-screen").all())
    await terminal.scrollIntoViewIfNeeded();
  await page.evaluate(() => scrollTo(0, 0));
}

async function build(page: Page, repo: string): Promise<void> {
  // Not the server-rendered form's entry: the page hides that one when it takes over.
  await page.locator('#launchpad-root[data-launchpad-state="ready"]').waitFor();
  await page.getByRole("radio", { name: "Build from a repository" }).check();
  await page.getByLabel("GitHub repository").fill(repo);
  await page.getByRole("button", { name: "Build image" }).click();
}

const STATES: State[] = [
  { name: "first-paint", stack: "veda", withoutPage: "pending" },
  { name: "without-the-page", stack: "veda", withoutPage: "failed" },
  { name: "ready", stack: "veda" },
  {
    name: "choice-list",
    stack: "veda",
    drive: async (page) => {
      await page.getByRole("combobox", { name: "Resource Allocation" }).click();
      await page.keyboard.type("15");
    },
  },
  {
    name: "unlisted-invalid",
    stack: "veda",
    drive: async (page) => {
      await page.getByRole("radio", { name: "Bring your own image" }).check();
      await page.getByRole("textbox", { name: "Custom image" }).fill("no-tag-here");
      await page.getByRole("button", { name: "Start" }).click();
    },
  },
  {
    name: "build-form",
    stack: "veda",
    drive: async (page) => {
      await page.getByRole("radio", { name: "Build from a repository" }).check();
    },
  },
  {
    name: "build-streaming",
    stack: "veda",
    drive: async (page) => {
      await build(page, "e2e-org/slow-notebooks");
      await page.getByText("Building the image…").waitFor();
      await page.waitForTimeout(1500);
    },
  },
  {
    name: "build-ready",
    stack: "veda",
    drive: async (page) => {
      await build(page, "binder-examples/octave");
      await panel(page).getByText("Press Start below to launch it.").waitFor({ timeout: 30_000 });
      await page.waitForTimeout(500);
    },
  },
  {
    name: "build-failed",
    stack: "veda",
    drive: async (page) => {
      await build(page, "e2e-org/fail-to-build");
      await panel(page).getByText("The build failed").waitFor();
      // The terminal is a lazy chunk; at 390 px it opens below the fold (see showTerminals).
      await panel(page).locator(".lp-build-terminal .xterm-screen").waitFor();
      await showTerminals(page);
      await panel(page)
        .locator(".xterm-rows")
        .getByText("Error during build")
        .waitFor({ timeout: 10_000 });
    },
  },
  {
    name: "build-cancelled",
    stack: "veda",
    drive: async (page) => {
      await build(page, "e2e-org/keepalive-only");
      await page.getByRole("button", { name: "Cancel build" }).click();
      await panel(page).getByText("The build was cancelled.").waitFor();
    },
  },
  {
    // The companion's own limit (by default 1 build at once per user): one runs in another tab.
    name: "build-limit",
    stack: "veda",
    drive: async (page) => {
      const other = await page.context().newPage();
      await other.goto(page.url());
      await build(other, "e2e-org/keepalive-only");
      await other.getByRole("button", { name: "Cancel build" }).waitFor();
      await page.bringToFront();
      await build(page, "e2e-org/one-too-many");
      await panel(page).locator(".lp-build-outcome.alert-warning").waitFor();
    },
  },
  { name: "projects", stack: "veda", user: "with-projects" },
  {
    name: "project-delete-confirm",
    stack: "veda",
    user: "with-projects",
    drive: async (page) => {
      await page
        .getByRole("button", { name: /^Delete / })
        .first()
        .click();
      await page.getByRole("dialog").waitFor();
    },
  },
  {
    // No Job controller here: the project stays "deleting", as while a real Job runs.
    name: "project-deleting",
    stack: "veda",
    projects: ["ada/cached-old-course", "ada/cached-thesis"],
    drive: async (page) => {
      await page.getByRole("button", { name: "Delete ada/cached-old-course" }).click();
      await page
        .getByRole("dialog")
        .getByRole("button", { name: "Delete ada/cached-old-course and its files" })
        .click();
      await page.getByText("Deleting ada/cached-old-course…").waitFor();
    },
  },
  { name: "many-profiles-first-paint", stack: "many", withoutPage: "pending" },
  { name: "many-profiles", stack: "many" },
  {
    name: "many-profiles-filtered",
    stack: "many",
    drive: async (page) => {
      await page.getByRole("searchbox", { name: "Filter profiles" }).fill("ocean 13");
    },
  },
];

const SAMPLE_PROJECTS = ["ada/cached-climate", "ada/cached-thesis", "ada/cached-ocean-models"];

/** Projects of `user`: each built (the double's cached images) and launched once. */
async function makeProjects(
  browser: Browser,
  stack: Stack,
  user: string,
  repos = SAMPLE_PROJECTS,
): Promise<void> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`screenshots: page error: ${error.message}`));
  await signIn(page, stack, user);
  for (const repo of repos) {
    await build(page, repo);
    await panel(page).getByText("Press Start below to launch it.").waitFor();
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expectServerPage(page, stack, user);
    // The companion records the launch once it sees the pod run: stopping it before then leaves
    // the project "Starting…" in the table.
    await expect
      .poll(
        async () => {
          const answer = await page.request.get(`${stack.url}services/launchpad/api/projects`);
          const list = (await answer.json()) as { starting_project_ids?: string[] };
          return list.starting_project_ids?.length ?? 0;
        },
        { message: `the launch of ${repo} recorded`, timeout: 60_000 },
      )
      .toBe(0);
    await stopServer(stack, user);
    await page.goto(`${stack.url}hub/spawn`);
  }
  await context.close();
}

async function shoot(
  browser: Browser,
  stack: Stack,
  state: State,
  signedIn: Map<string, Awaited<ReturnType<BrowserContext["storageState"]>>>,
): Promise<void> {
  for (const theme of THEMES) {
    for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
      const user = state.user ?? `${state.name}-${theme}-${viewportName}`;
      if (state.projects && !signedIn.has(user))
        await makeProjects(browser, stack, user, state.projects);
      let storageState = signedIn.get(user);
      if (!storageState) {
        const context = await browser.newContext();
        await signIn(await context.newPage(), stack, user);
        storageState = await context.storageState();
        await context.close();
        signedIn.set(user, storageState);
      }
      const context = await browser.newContext({ storageState, colorScheme: theme, viewport });
      const page = await context.newPage();
      page.on("pageerror", (error) => console.error(`screenshots: page error: ${error.message}`));
      if (state.withoutPage === "pending") {
        // The request for the page's code never answers: the glue's form as first painted.
        await page.route("**/services/launchpad/static/launchpad.js", () => new Promise(() => {}));
      } else if (state.withoutPage === "failed") {
        await page.route("**/services/launchpad/static/launchpad.js", (route) => route.abort());
      }
      await page.goto(`${stack.url}hub/spawn`);
      if (!state.withoutPage) {
        await page.locator('#launchpad-root[data-launchpad-state="ready"]').waitFor();
        await page.waitForLoadState("networkidle");
      }
      try {
        await state.drive?.(page);
      } catch (error) {
        const failed = path.join(tmpdir(), `launchpad-screenshot-${state.name}-failed.png`);
        await page.screenshot({ path: failed, fullPage: true });
        throw new Error(`${state.name}: the state was not reached; the page is in ${failed}`, {
          cause: error,
        });
      }
      await showTerminals(page);
      await page.waitForTimeout(300);
      const file = path.join(OUT, `${state.name}-${theme}-${viewportName}.png`);
      await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
      console.log(`screenshots: ${path.relative(REPO_ROOT, file)}`);
      await context.close();
    }
  }
}

const filters = process.argv.slice(2);
const wanted = STATES.filter(
  (state) => filters.length === 0 || filters.some((filter) => state.name.includes(filter)),
);
mkdirSync(OUT, { recursive: true });
const work = mkdtempSync(path.join(tmpdir(), "launchpad-screenshots-"));
const lists: Record<StackName, string> = {
  veda: path.join(REAL_HUBS_DIR, "nasa-veda-common.values.yaml"),
  many: path.join(work, "200-profiles.json"),
};
writeFileSync(lists.many, JSON.stringify(manyProfiles()));
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  for (const stackName of ["veda", "many"] as const) {
    const states = wanted.filter((state) => state.stack === stackName);
    if (states.length === 0) continue;
    // KubeSpawner waits for the pod to run: veda's profiles need their node pools and, for their
    // init containers, the shared "home" volume (as in real-hubs.spec.ts).
    const stack = await startStack({
      profiles: lists[stackName],
      ...(stackName === "veda"
        ? { storage: "shared", nodePools: nodePools(profileList(lists.veda)) }
        : {}),
    });
    try {
      const signedIn = new Map<string, Awaited<ReturnType<BrowserContext["storageState"]>>>();
      if (states.some((state) => state.user === "with-projects"))
        await makeProjects(browser, stack, "with-projects");
      for (const state of states) await shoot(browser, stack, state, signedIn);
    } finally {
      await stack.stop();
    }
  }
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}
