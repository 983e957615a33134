/**
 * The local demo as a newcomer meets it: `npm start` (scripts/start-local.sh builds the page and
 * runs the companion in local mode with its BinderHub simulator) and Chromium. Build → start must
 * end on the demo hub's "what KubeSpawner would receive" page with the built image and the
 * project's folder; the failure scenarios the demo lists must show; the page follows dark mode.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test as base, type Page } from "@playwright/test";
import { buildPanel, buildStatus, fillBuildForm } from "../support/doubles.ts";
import { binderhubNames } from "../../server/test-support/binderhub-naming.ts";
import {
  startProcess,
  waitUntilReady,
  type TestProcess,
} from "../../server/test-support/processes.ts";

const ROOT = join(import.meta.dirname, "../..");
/** The image_prefix the README promises (and the sample profile's image rule accepts). */
const IMAGE_PREFIX = "registry.example.org/launchpad-demo/r2d-";

interface Demo {
  url: string;
  dataDir: string;
}

const test = base.extend<object, { demo: Demo }>({
  demo: [
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), "launchpad-local-demo-"));
      const dataDir = join(dir, "data");
      const logFile = join(dir, "npm-start.log");
      const npm: TestProcess = startProcess("npm start", "npm", ["start"], {
        cwd: ROOT,
        logFile,
        // Port 0: the companion takes a free one and prints the address to open.
        env: { ...process.env, LAUNCHPAD_PORT: "0", LAUNCHPAD_LOCAL_DATA_DIR: dataDir },
      });
      let url = "";
      await waitUntilReady(
        npm,
        "npm start",
        () => {
          const open = /"open":"(http:\/\/[^"]+)"/.exec(
            existsSync(logFile) ? readFileSync(logFile, "utf8") : "",
          );
          url = open?.[1] ?? "";
          return Promise.resolve(url ? true : "no address printed yet");
        },
        180_000,
        250,
      );
      await use({ url, dataDir });
      await npm.stop();
      await groupGone(npm);
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: "worker", timeout: 240_000 },
  ],
});

/**
 * Waits until nothing of `npm start` is left (npm passes SIGTERM to the companion, which drains and
 * exits on its own), killing what remains after 30 s. Its process group is the one npm leads.
 */
async function groupGone(npm: TestProcess): Promise<void> {
  const group = -(npm.proc.pid ?? 0);
  const alive = () => {
    try {
      process.kill(group, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let waited = 0; alive() && waited < 30_000; waited += 100)
    await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive()) process.kill(group, "SIGKILL");
}

async function openDemo(page: Page, demo: Demo): Promise<void> {
  await page.goto(demo.url);
  await expect(page.locator("#launchpad-root")).toHaveAttribute("data-launchpad-state", "ready");
}

/** The whole recorded build, replayed 5 ms an event on a machine that may be busy. */
const BUILD_TIMEOUT = { timeout: 60_000 };

/**
 * Checks the "what KubeSpawner would receive" page: the image BinderHub would have named for
 * `repository` and the project folder; returns the image.
 */
async function receivedImage(page: Page, demo: Demo, repository: string): Promise<string> {
  await expect(page.getByRole("heading", { name: "Server options received" })).toBeVisible(
    BUILD_TIMEOUT,
  );
  const image = (await page.locator("#option-image").textContent()) ?? "";
  // BinderHub's own naming (the double's, checked against upstream's functions), the tag as given.
  const tag = image.split(":").at(-1) ?? "";
  expect(tag).toMatch(/^[0-9a-f]{40}$/);
  expect(image).toBe(
    binderhubNames("gh", `${repository}/HEAD`, { resolvedRef: tag }, IMAGE_PREFIX).imageName,
  );
  const folder = (await page.locator("#project-folder").textContent()) ?? "";
  expect(folder.startsWith(join(demo.dataDir, "homes", "demo", "projects"))).toBe(true);
  expect(statSync(folder).isDirectory()).toBe(true);
  const posted = JSON.parse((await page.locator("#user-options").textContent()) ?? "{}") as Record<
    string,
    string
  >;
  expect(posted["image--unlisted-choice"]).toBe(image);
  expect(folder.endsWith(`/${posted["launchpad-project"]}`)).toBe(true);
  return image;
}

test.describe("the local demo (npm start)", () => {
  test("Build, then Start, ends on what KubeSpawner would receive: the built image and the project folder", async ({
    page,
    demo,
  }) => {
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await openDemo(page, demo);
    await fillBuildForm(page, {
      provider: "gh",
      repo: "binder-examples/requirements",
      ref: "HEAD",
    });
    await page.getByRole("button", { name: "Build image", exact: true }).click();
    await expect(buildStatus(page)).toHaveText("The image is built and ready.", BUILD_TIMEOUT);
    await page.getByRole("button", { name: "Start", exact: true }).click();
    expect(await receivedImage(page, demo, "binder-examples/requirements")).toMatch(
      /^registry\.example\.org\/launchpad-demo\/r2d-binder-2dexamples-2drequirements-55ab5c:/,
    );
    // Both pages run their theme script (and the spawn page its jhdata) under the page policy.
    await expect(page.locator("html")).toHaveAttribute("data-bs-theme", /^(light|dark)$/);
    expect(violations).toEqual([]);
  });

  test("a project's Start from Your projects, after the build, reopens the same image and folder", async ({
    page,
    demo,
  }) => {
    await openDemo(page, demo);
    await fillBuildForm(page, { provider: "gh", repo: "binder-examples/conda", ref: "HEAD" });
    await page.getByRole("button", { name: "Build image", exact: true }).click();
    await expect(buildStatus(page)).toHaveText("The image is built and ready.", BUILD_TIMEOUT);
    const shown = await buildPanel(page).locator(".lp-build-image").getByRole("code").textContent();
    await page.getByRole("button", { name: "Start", exact: true }).click();
    expect(await receivedImage(page, demo, "binder-examples/conda")).toBe(shown);
    const folder = await page.locator("#project-folder").textContent();

    // Back on the spawn page, Your projects has it: its Start reopens the same image and folder.
    await openDemo(page, demo);
    await page.getByRole("button", { name: "Start binder-examples/conda", exact: true }).click();
    expect(await receivedImage(page, demo, "binder-examples/conda")).toBe(shown);
    await expect(page.locator("#project-folder")).toHaveText(folder ?? "");
  });

  test("lists its limits and failure scenarios, and each scenario shows", async ({
    page,
    demo,
  }) => {
    await openDemo(page, demo);
    const about = page.getByRole("complementary", { name: "Launchpad's local demo" });
    await expect(about).toContainText("2 builds at once, 100 builds an hour, 20 projects");
    await expect(about).toContainText(demo.dataDir);
    await about.getByText("Failure scenarios to try").click();
    const outcomes: [string, RegExp][] = [
      ["launchpad-demo/failing-build", /^The build failed: Error during build: .*nosuchpackage/],
      ["launchpad-demo/rate-limited", /rate-limiting.*try again in 3600 seconds/],
      ["launchpad-demo/dropped-stream", /^The build failed: The connection to BinderHub broke/],
      ["launchpad-demo/cached-image", /^This image was already built\. It is ready\.$/],
    ];
    for (const [repository, outcome] of outcomes) {
      await expect(about.getByRole("cell", { name: repository })).toBeVisible();
      await fillBuildForm(page, { provider: "gh", repo: repository, ref: "HEAD" });
      await page.getByRole("button", { name: "Build image", exact: true }).click();
      await expect(buildStatus(page)).toHaveText(outcome, BUILD_TIMEOUT);
    }
  });

  for (const scheme of ["light", "dark"] as const) {
    test(`follows the system's ${scheme} theme, with no contrast problem anywhere on the page`, async ({
      page,
      demo,
    }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await openDemo(page, demo);
      await expect(page.locator("html")).toHaveAttribute("data-bs-theme", scheme);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe(scheme === "dark" ? "rgb(33, 37, 41)" : "rgb(255, 255, 255)");
      const results = await new AxeBuilder({ page }).analyze();
      expect(results.violations).toEqual([]);
    });
  }

  test("switches theme with the toggle, as JupyterHub 5's does, and keeps the choice", async ({
    page,
    demo,
  }) => {
    await page.emulateMedia({ colorScheme: "light" });
    await openDemo(page, demo);
    await page.getByRole("button", { name: "Toggle dark mode" }).click();
    await expect(page.locator("html")).toHaveAttribute("data-bs-theme", "dark");
    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("data-bs-theme", "dark");
  });
});
