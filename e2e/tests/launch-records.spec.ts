/**
 * "Launched means launched" through the real hub: the page records a start when the form is
 * posted, and the companion records the launch only when it sees the user's pod Running and
 * ready — here the real KubeSpawner's pod in the real API server, run by the test kubelet — while
 * the table says "Starting…" meanwhile. A start whose pod fails is over at once (not "Starting…"
 * while KubeSpawner waits out its start_timeout) and leaves no "last launched".
 *
 * The table is read from a named server's spawn page of the same user, in a second tab, while the
 * default server starts.
 */
import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import type { BuildSource } from "../../contract/providers/catalog.ts";
import {
  buildUntilReady,
  pauseKubelet,
  resumeKubelet,
  userPods,
  type KubeObject,
} from "../support/doubles.ts";
import {
  expect,
  expectMounted,
  expectServerPage,
  openNamedSpawnPage,
  ownStackHandle,
  signIn,
  stopServer,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import { FAILING_IMAGE } from "../support/stack.ts";

// "cached": the BinderHub double reports the image built at once.
const WORKS: BuildSource = { provider: "gh", repo: "e2e-org/cached-launches", ref: "main" };
// The image is named after the repository, and the test kubelet fails pods of such images.
const FAILS: BuildSource = { provider: "gh", repo: `e2e-org/cached-${FAILING_IMAGE}`, ref: "main" };

/** The "Last launched" cell of the project's row (the repository is the row's header). */
function lastLaunched(page: Page, repo: string) {
  return page
    .getByRole("table", { name: "Your projects" })
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name: repo, exact: true }) })
    .getByRole("cell")
    .nth(2);
}

function phaseOf(pod: KubeObject | undefined): unknown {
  return pod?.status?.phase;
}

test.describe("launch records through the real hub", () => {
  test.describe.configure({ mode: "serial" });
  // A failing pod holds the start until KubeSpawner's start_timeout: 20 s instead of 60.
  useOwnStack({ profiles: "build.yaml", namedServers: true, startTimeout: 20 });
  const user = `l-${randomBytes(4).toString("hex")}`;

  test(
    "Build → Start: the table says Starting… until the pod is ready, then when it launched",
    { tag: "@smoke" },
    async ({ page, hub }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      await buildUntilReady(page, WORKS);
      // The node holds the pod Pending (unscheduled) until it resumes.
      await pauseKubelet(hub);
      try {
        await page.getByRole("button", { name: "Start", exact: true }).click();
        await expect.poll(async () => (await userPods(hub, user)).length).toBe(1);

        const table = await page.context().newPage();
        await openNamedSpawnPage(table, hub, user, "other");
        const launched = lastLaunched(table, WORKS.repo);
        await expect(launched).toHaveText("Starting…");
        // Nothing runs yet, so nothing may say it launched, however often the page asks.
        await table.reload();
        await expectMounted(table);
        await expect(launched).toHaveText("Starting…");
        expect(phaseOf((await userPods(hub, user))[0])).toBe("Pending");

        resumeKubelet(hub);
        // KubeSpawner's own wait for Running + pod IP + ready, then the hub routes to the pod.
        await expectServerPage(page, hub, user);
        expect(phaseOf((await userPods(hub, user))[0])).toBe("Running");
        // The table polls while a start is under way, and shows the launch once the pod is ready.
        await expect(launched.locator("time")).toBeVisible();
        await expect(launched).not.toContainText("Starting…");
        const at = Date.parse((await launched.locator("time").getAttribute("datetime")) ?? "");
        expect(Date.now() - at).toBeLessThan(5 * 60_000);
        await table.close();
      } finally {
        resumeKubelet(hub);
      }
    },
  );

  test("the hub restarting while the pod runs keeps the server and its launch", async ({
    page,
    hub,
  }) => {
    const [pod] = await userPods(hub, user);
    expect(phaseOf(pod)).toBe("Running");
    await ownStackHandle().restartHub();
    // KubeSpawner's poll finds the pod running through its reflector: the hub keeps the server
    // and routes to it again; the pod is the same one.
    await page.goto(
      `${hub.url}hub/login?next=${encodeURIComponent(`${hub.baseUrl}user/${user}/`)}`,
    );
    await page.getByLabel("Username:").fill(user);
    await page.getByLabel("Password:").fill("any password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expectServerPage(page, hub, user);
    expect((await userPods(hub, user)).map((p) => p.metadata.uid)).toEqual([pod!.metadata.uid]);
    await openNamedSpawnPage(page, hub, user, "other");
    await expect(lastLaunched(page, WORKS.repo).locator("time")).toBeVisible();
    await stopServer(hub, user);
  });

  test("a start whose pod fails is over, and leaves no last launched", async ({ page, hub }) => {
    test.setTimeout(120_000);
    await signIn(page, hub, user);
    await expectMounted(page);
    await buildUntilReady(page, FAILS);
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expect
      .poll(async () => phaseOf((await userPods(hub, user))[0]), { message: "the pod" })
      .toBe("Failed");

    const table = await page.context().newPage();
    await openNamedSpawnPage(table, hub, user, "other");
    const launched = lastLaunched(table, FAILS.repo);
    // The pod Failed while KubeSpawner still waits for it: the start is over already.
    await expect(launched).toHaveText("Not started yet", { timeout: 15_000 });
    await expect(launched.locator("time")).toHaveCount(0);
    // KubeSpawner gives up on the pod after start_timeout, and the hub's stop deletes it; with no
    // pod left (and well within the companion's 2-minute no-pod grace) it stays so.
    await expect.poll(async () => (await userPods(hub, user)).length, { timeout: 60_000 }).toBe(0);
    await table.reload();
    await expect(launched).toHaveText("Not started yet");
    await expect(launched.locator("time")).toHaveCount(0);
    // The project that did launch keeps its launch.
    await expect(lastLaunched(table, WORKS.repo).locator("time")).toBeVisible();
  });
});
