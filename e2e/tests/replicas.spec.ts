/**
 * Two companion replicas behind one Service (e2e/support/service-balancer.ts), the hub's proxy
 * routing `/services/launchpad/` to it, as the chart runs with `replicas: 2`. A build runs in the
 * BinderHub double's build pod (its `steady` scenario: the pod's log grows by a line every 100 ms,
 * and a request attaching to the running build gets its last 100 lines first, as BinderHub's
 * `log_tail_lines`). While it runs, the replica relaying the page's stream is killed, and then the
 * Deployment rolls both replicas one after the other; each time the log goes on in the page with
 * nobody touching it, the user's second build is refused by the build limit while the re-attaches
 * never are, and at the end Start starts a server on the image built. What docs/upgrading.md says
 * a rolling deploy does to open builds is checked on the way.
 */
import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";

import { buildPath } from "../../contract/providers/build-path.ts";
import type { BuildSource } from "../../contract/providers/catalog.ts";
import { toSpec } from "../../contract/providers/spec.ts";
import {
  ANNOTATIONS,
  COMPONENTS,
  launchpadSelector,
} from "../../server/src/kubernetes/metadata.ts";
import { FINISH_ANNOTATION, LOG_TAIL_LINES } from "../../server/test-support/binderhub-double.ts";
import {
  annotateBuildPod,
  buildPanel,
  buildPods,
  buildStatus,
  doublesOf,
  expectedImageName,
  fillBuildForm,
  listObjects,
} from "../support/doubles.ts";
import {
  expect,
  expectMounted,
  expectRecordings,
  expectServerPage,
  ownStackHandle,
  signIn,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import { notebookContainer, recordings } from "../support/manifests.ts";
import type { StackInfo } from "../support/stack.ts";

const RECONNECT_LINE = "[Launchpad] The companion is restarting; reconnecting to the build…";
const LOST_LINE = "[Launchpad] Connection lost; reattaching to the build";

/** The highest `Step <n> :` line the page's terminal shows now. */
async function lastStepShown(page: Page): Promise<number> {
  const text = (await page.locator(".lp-build-terminal").textContent()) ?? "";
  return Math.max(0, ...[...text.matchAll(/Step\s(\d+)\s:/g)].map((m) => Number(m[1])));
}

/** Waits, with no user action, until the page shows a log line newer than `step`. */
async function expectLogToGoOnPast(page: Page, step: number, message: string): Promise<void> {
  await expect.poll(() => lastStepShown(page), { message, timeout: 120_000 }).toBeGreaterThan(step);
}

interface Lease {
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: {
    holderIdentity?: string;
    acquireTime?: string;
    renewTime?: string;
    leaseDurationSeconds?: number;
  };
}

/** Counts as running (limiter.ts): not ended, and renewed within its duration. */
function isLive(lease: Lease): boolean {
  const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? "");
  return (
    lease.metadata.annotations?.[ANNOTATIONS.ended] === undefined &&
    renewed + (lease.spec?.leaseDurationSeconds ?? 0) * 1000 > Date.now()
  );
}

/** The user's build-stream Leases (server/src/builds/limiter.ts), newest first. */
async function streamLeases(hub: StackInfo, user: string): Promise<Lease[]> {
  const leases = (await listObjects(
    hub,
    "leases",
    doublesOf(hub).hubNamespace,
    launchpadSelector(COMPONENTS.buildStream, { user }),
  )) as Lease[];
  return leases.sort((a, b) =>
    (b.spec?.acquireTime ?? "").localeCompare(a.spec?.acquireTime ?? ""),
  );
}

/** The replica holding the newest of the user's open streams: the one relaying the page's. */
async function streamHolder(hub: StackInfo, user: string): Promise<string> {
  const held = (await streamLeases(hub, user)).filter((l) => isLive(l) && l.spec?.holderIdentity);
  return held[0]?.spec?.holderIdentity ?? "";
}

/**
 * A second build by the same user, from the page (its own session cookie, same origin), while the
 * first runs: the answer's status and message (a stream that opened is closed at once).
 */
async function secondBuild(page: Page, url: string): Promise<{ status: number; text: string }> {
  return page.evaluate(async (streamUrl) => {
    const controller = new AbortController();
    const response = await fetch(streamUrl, {
      headers: { Accept: "text/event-stream" },
      signal: controller.signal,
    });
    const text = response.ok ? "" : await response.text();
    controller.abort();
    return { status: response.status, text };
  }, url);
}

/** `Step <n>` numbers of a downloaded log, cut into the runs each connection delivered. */
function runsOf(log: string): { after: string; steps: number[] }[] {
  const runs: { after: string; steps: number[] }[] = [{ after: "start", steps: [] }];
  for (const line of log.split("\n")) {
    if (line.startsWith(RECONNECT_LINE)) runs.push({ after: "reconnect", steps: [] });
    else if (line.startsWith(LOST_LINE)) runs.push({ after: "lost", steps: [] });
    const step = /^Step (\d+) :/.exec(line);
    if (step) runs.at(-1)!.steps.push(Number(step[1]));
  }
  return runs;
}

test.describe("two companion replicas behind one Service", () => {
  useOwnStack({ profiles: "build.yaml", companionReplicas: 2 });

  test(
    "a build's log goes on in the page through a replica's death and a rolling deploy, within the user's build limit",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      test.setTimeout(300_000);
      const replicas = ownStackHandle().replicas!;
      const source: BuildSource = { provider: "gh", repo: `e2e-org/steady-${user}`, ref: "HEAD" };
      const service = `${hub.url}services/launchpad/`;
      const streamPath = `api/builds/${buildPath("gh", toSpec("gh", source.repo, source.ref))}`;
      const otherBuild = `${service}api/builds/${buildPath("gh", `e2e-org/other-${user}/HEAD`)}`;
      // Every request of the page's build stream, first and re-attaches: none may be refused.
      const streamAnswers: number[] = [];
      page.on("response", (response) => {
        if (response.url() === `${service}${streamPath}` && response.request().method() === "GET")
          streamAnswers.push(response.status());
      });
      const expectLimitHolds = async () => {
        const refused = await secondBuild(page, otherBuild);
        expect(refused.status, "a second build of the same user").toBe(429);
        expect(refused.text).toContain("You already have 1 build running");
      };

      /** Waits until a replica other than `gone` holds the page's stream (it re-attached). */
      const expectHolderOtherThan = async (gone: string) => {
        await expect
          .poll(
            async () => {
              const holder = await streamHolder(hub, user);
              return holder !== "" && holder !== gone;
            },
            { message: `a replica other than ${gone} relays the stream`, timeout: 30_000 },
          )
          .toBe(true);
      };

      await signIn(page, hub, user);
      await expectMounted(page);
      await fillBuildForm(page, source);
      await page.getByRole("button", { name: "Build image", exact: true }).click();
      await expect(buildStatus(page)).toHaveText("Building the image…");
      // More than BinderHub's log_tail_lines, so a re-attach cannot replay the build from its start.
      await expectLogToGoOnPast(page, LOG_TAIL_LINES + 10, "the build's first lines");
      await expectLimitHolds();

      // 1. The replica relaying the stream dies (SIGKILL, as an OOM kill): the page re-attaches
      //    through the Service to the other one by itself.
      const first = await streamHolder(hub, user);
      expect(replicas.list().map((r) => r.name)).toContain(first);
      expect(await replicas.kill(first)).toEqual({ code: null, signal: "SIGKILL" });
      await expectLogToGoOnPast(page, await lastStepShown(page), "the log after the kill");
      await expectHolderOtherThan(first);
      await expectLimitHolds();
      // Kubernetes restarts the killed container in the same pod.
      await replicas.restart(first);

      // 2. A rolling deploy: each replica in turn is replaced by a new pod (maxSurge 1,
      //    maxUnavailable 0). The stream's replica goes first, so its stream ends with `reconnect`.
      const rolledTheStream: boolean[] = [];
      const holder = await streamHolder(hub, user);
      const order = [
        holder,
        ...replicas
          .list()
          .map((r) => r.name)
          .filter((n) => n !== holder),
      ];
      for (const old of order) {
        rolledTheStream.push((await streamHolder(hub, user)) === old);
        const oldLogFile = replicas.list().find((r) => r.name === old)!.log;
        const { replacement, exit } = await replicas.roll(old);
        // docs/upgrading.md: on SIGTERM it ends its streams, gives up their Leases and exits 0
        // without waiting out its shutdown deadline.
        expect(exit, `${old} on SIGTERM`).toEqual({ code: 0, signal: null });
        const oldLog = readFileSync(oldLogFile, "utf8");
        expect(oldLog).toContain("shutting down: draining open requests");
        expect(oldLog).not.toContain("drain deadline passed");
        // (A Lease of the same pod from before its container restarted has expired by now.)
        const stillHeld = (await streamLeases(hub, user)).filter(
          (l) => l.spec?.holderIdentity === old && isLive(l),
        );
        expect(stillHeld, `Leases ${old} still holds`).toEqual([]);
        // Lines shown from now on came after the old replica exited.
        const shown = await lastStepShown(page);
        await expectHolderOtherThan(old);
        await expectLogToGoOnPast(page, shown, `the log after rolling ${old}`);
        expect(replicas.list().map((r) => r.name)).toContain(replacement.name);
        await expectLimitHolds();
      }
      const reconnects = rolledTheStream.filter(Boolean).length;
      expect(reconnects).toBeGreaterThanOrEqual(1);

      // The build finishes in its pod; the page gets `ready` through the replica it is on now.
      const [pod] = (await buildPods(hub)).filter((p) =>
        p.metadata.annotations?.["binder-repo"]?.includes(source.repo),
      );
      expect(pod, "the build pod, still running").toBeDefined();
      await annotateBuildPod(hub, pod!.metadata.name, { [FINISH_ANNOTATION]: "true" });
      await expect(buildStatus(page)).toHaveText("The image is built and ready.");
      const imageName = expectedImageName(source);
      await expect(buildPanel(page).locator(".lp-build-image").getByRole("code")).toHaveText(
        imageName,
      );

      // The log as the page kept it: one build (Step 1 once), each connection's lines starting
      // within BinderHub's last 100 of the one before; a SIGTERM's stream ends with `reconnect`
      // (no "connection lost"), the killed replica's is lost.
      const download = page.waitForEvent("download");
      await page
        .getByRole("region", { name: "Build log" })
        .getByRole("button", { name: "Download log" })
        .click();
      const log = readFileSync(await (await download).path(), "utf8");
      const runs = runsOf(log);
      expect(runs.map((r) => r.after)).toEqual([
        "start",
        "lost",
        ...Array<string>(reconnects).fill("reconnect"),
      ]);
      expect(log.match(/^Step 1 :/gm)).toHaveLength(1);
      const seams = runs.slice(1).map((run, i) => ({
        after: run.after,
        lastBefore: runs[i]!.steps.at(-1)!,
        firstAgain: run.steps[0]!,
      }));
      for (const { after, lastBefore, firstAgain } of seams)
        expect(firstAgain, `first line after the ${after}`).toBeGreaterThan(
          lastBefore - LOG_TAIL_LINES,
        );
      // A roll loses nothing: each re-attach starts with lines the page already had.
      for (const { lastBefore, firstAgain } of seams.slice(1))
        expect(firstAgain, "first line after a reconnect").toBeLessThanOrEqual(lastBefore + 1);
      // One request per connection, every one answered with the stream (none refused).
      expect(streamAnswers).toEqual(Array<number>(runs.length).fill(200));

      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 1);
      expect(notebookContainer(recordings(hub.recordDir, user)[0]!.pod).image).toBe(imageName);
    },
  );
});
