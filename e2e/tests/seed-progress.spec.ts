/**
 * The project's seed step on the hub's own pending page (`/hub/spawn-pending/<user>[/<server>]`),
 * through the real hub: KubeSpawner relays the pod's Kubernetes Events there — here the Events
 * the test kubelet writes as kube-scheduler and the kubelet do — and the glue rewords the ones
 * about the `launchpad-seed` init container. The stand-in servers answer nothing while the
 * stack's hold file exists, so the page stays on screen until the test has read it.
 *
 * - A project started in its own named server: the seed's lines in words, every other event as
 *   KubeSpawner prints it, with the node paused first (the events arrive once it resumes, once).
 * - A project built and started: the same lines on its own server's pending page.
 * - A project whose seed fails (the kubelet's --fail-init-image): the failure in words while the
 *   pod retries, then the hub's own failure once KubeSpawner's start_timeout is over; the events
 *   of another user's running pods never appear there.
 */
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { projectServerName } from "../../contract/named-servers.ts";
import { projectId } from "../../contract/projects.ts";
import type { BuildSource } from "../../contract/providers/catalog.ts";
import {
  buildUntilReady,
  expectedImageName,
  pauseKubelet,
  resumeKubelet,
  userPods,
} from "../support/doubles.ts";
import {
  expect,
  expectMounted,
  openSpawnPage,
  signIn,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import { recordProject } from "../support/projects.ts";
import { FAILING_SEED_IMAGE, type StackInfo } from "../support/stack.ts";

// "cached": the BinderHub double reports the image built at once; it names the image after the
// repository, so the test kubelet fails the seed step of FAILS's image.
const NAMED: BuildSource = { provider: "gh", repo: "e2e-org/cached-seed-named", ref: "main" };
const OWN: BuildSource = { provider: "gh", repo: "e2e-org/cached-seed-own", ref: "main" };
const FAILS: BuildSource = {
  provider: "gh",
  repo: `e2e-org/cached-${FAILING_SEED_IMAGE}`,
  ref: "main",
};
const START_TIMEOUT = 30;

const idOf = (source: BuildSource) => projectId(source.provider, source.repo);

const copying = (source: BuildSource) =>
  `Preparing your project: copying its files into projects/${idOf(source)} (files already there are kept)…`;
const ready = (source: BuildSource) =>
  `Your project's files are ready in projects/${idOf(source)}.`;

function startButton(page: Page, source: BuildSource) {
  return page
    .getByRole("table", { name: "Your projects" })
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name: new RegExp(`^${source.repo}`) }) })
    .getByRole("button", { name: `Start ${source.repo}` });
}

/** The pending page's event log, opened as a user opens it. */
async function eventLog(page: Page) {
  const details = page.locator("#progress-details");
  if ((await details.getAttribute("open")) === null)
    await details.getByText("Event log", { exact: true }).click();
  return page.locator("#progress-log .progress-log-event");
}

/** The log's lines without KubeSpawner's "<time> [<type>] " prefix. */
async function logLines(page: Page): Promise<string[]> {
  const lines = await (await eventLog(page)).allTextContents();
  return lines.map((line) => line.replace(/^\S+ \[\w+\] /, ""));
}

/** The hub's pending page of the user's server (the hub adds its `_xsrf` to the query). */
function pendingPage(hub: StackInfo, user: string, server = ""): RegExp {
  const url = `${hub.url}hub/spawn-pending/${user}${server ? `/${server}` : ""}`;
  return new RegExp(`^${url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:\\?|$)`);
}

function holdServers(hub: StackInfo): () => void {
  const file = hub.doubles!.holdServersFile;
  writeFileSync(file, "");
  return () => rmSync(file, { force: true });
}

test.describe("the project's seed step on the hub's pending page", () => {
  test.describe.configure({ mode: "serial" });
  // A failing seed holds the start until KubeSpawner's start_timeout: 30 s instead of 60.
  useOwnStack({
    profiles: "build.yaml",
    namedServers: true,
    projectServers: true,
    startTimeout: START_TIMEOUT,
  });
  const user = `s-${randomBytes(4).toString("hex")}`;

  test(
    "a project in its own named server: the seed step in words, the other events as KubeSpawner prints them",
    { tag: "@smoke" },
    async ({ page, hub }) => {
      test.setTimeout(120_000);
      await signIn(page, hub, user);
      await expectMounted(page);
      await recordProject(page, hub, NAMED);
      await openSpawnPage(page, hub);
      const release = holdServers(hub);
      try {
        // The node goes dark first: the page waits with nothing from the pod.
        await pauseKubelet(hub);
        try {
          await startButton(page, NAMED).click();
          const server = projectServerName(idOf(NAMED));
          await expect(page).toHaveURL(pendingPage(hub, user, server));
          await expect.poll(async () => (await userPods(hub, user)).length).toBe(1);
          await expect(await eventLog(page)).toHaveText(["Server requested"]);
        } finally {
          resumeKubelet(hub);
        }
        await expect(page.locator("#progress-message")).toContainText("Started container notebook");
        const lines = await logLines(page);
        const pod = (await userPods(hub, user))[0]!;
        const image = expectedImageName(NAMED);
        expect(lines).toEqual([
          "Server requested",
          `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to launchpad-test-node`,
          // The seed is the pod's one init container here; it pulls the image the server runs.
          `Pulling image "${image}"`,
          expect.stringMatching(new RegExp(`^Successfully pulled image "${image}"`)),
          `Preparing your project: its folder is projects/${idOf(NAMED)}.`,
          copying(NAMED),
          ready(NAMED),
          expect.stringMatching(/^Container image ".+" already present on machine$/),
          "Created container: notebook",
          "Started container notebook",
        ]);
        expect(lines.join("\n")).not.toContain("launchpad-seed");
      } finally {
        release();
      }
      await expect(page).toHaveURL(`${hub.url}user/${user}/${projectServerName(idOf(NAMED))}/`, {
        timeout: 60_000,
      });
    },
  );

  test("a project built and started: the same lines on its own server's pending page", async ({
    page,
    hub,
  }) => {
    test.setTimeout(120_000);
    await signIn(page, hub, user);
    await expectMounted(page);
    await buildUntilReady(page, OWN);
    const release = holdServers(hub);
    try {
      await page.getByRole("button", { name: "Start", exact: true }).click();
      // The Start after a build goes to the project's own server, as Your projects' Start does.
      await expect(page).toHaveURL(pendingPage(hub, user, projectServerName(idOf(OWN))));
      await expect(await eventLog(page)).toContainText([copying(OWN), ready(OWN)]);
    } finally {
      release();
    }
    await expect(page).toHaveURL(`${hub.url}user/${user}/${projectServerName(idOf(OWN))}/`, {
      timeout: 60_000,
    });
  });

  test("a seed that fails says so in words, and the hub still reports the failed start", async ({
    page,
    hub,
  }) => {
    test.setTimeout(120_000);
    // Another user: the first one's servers run meanwhile, and their pods' events are not this one's.
    const other = `${user}-b`;
    await signIn(page, hub, other);
    await expectMounted(page);
    await recordProject(page, hub, FAILS);
    await openSpawnPage(page, hub);
    await startButton(page, FAILS).click();
    const server = projectServerName(idOf(FAILS));
    await expect(page).toHaveURL(pendingPage(hub, other, server));
    const log = await eventLog(page);
    await expect(log.filter({ hasText: "Preparing your project failed" })).toHaveText([
      new RegExp(
        `\\[Warning\\] Preparing your project failed: its files could not be copied into projects/${idOf(FAILS)}\\. .*launchpad-seed container log`,
      ),
    ]);
    // The hub's own end of it once start_timeout is over: the page's red bar and open log. Two
    // timers of the same length race here, and either may win. JupyterHub waits for
    // Spawner.start() with `asyncio.wait_for(f, timeout=spawner.start_timeout)` (jupyterhub 5.5.4
    // jupyterhub/user.py line 922, 6.1 line 982), whose TimeoutError has no message: the page says
    // "Spawn failed: " and nothing more. KubeSpawner waits for the pod with the same start_timeout
    // through jupyterhub.utils.exponential_backoff, which moves its deadline by up to ±10 %
    // (`timeout_tolerance`), so it often fails first, with "pod <namespace>/<name> did not start in
    // <n> seconds!" (kubespawner 7.1 kubespawner/spawner.py lines 3342-3352).
    await expect(page.locator("#progress-bar")).toHaveClass(/bg-danger/, {
      timeout: (START_TIMEOUT + 30) * 1000,
    });
    await expect(page.locator("#progress-message")).toHaveText(
      new RegExp(
        `^Spawn failed: (pod ${hub.doubles!.hubNamespace}/\\S+ did not start in ${START_TIMEOUT} seconds!)?$`,
      ),
    );
    const lines = await logLines(page);
    expect(lines).not.toContain(ready(FAILS));
    expect(lines).not.toContain("Started container notebook");
    // The first user's pods (the first test's and the second's servers) are not this one.
    expect(await userPods(hub, user)).toHaveLength(2);
    const joined = lines.join("\n");
    for (const other of [NAMED, OWN]) expect(joined).not.toContain(idOf(other));
  });
});
