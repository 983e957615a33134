/**
 * Attacks on the companion through a real browser (docs/security.md): redirects that try to leave
 * the hub, an admin's `?user=` naming nobody, a build log that tries to drive the terminal, and
 * the local demo page running under its Content-Security-Policy.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Page } from "@playwright/test";
import { BinderHubDouble } from "../../server/test-support/binderhub-double.ts";
import { CSRF_HEADER, MeSchema } from "../../contract/api.ts";
import { buildPath } from "../../contract/providers/build-path.ts";
import { projectId } from "../../contract/projects.ts";
import { COMPONENTS, launchpadSelector } from "../../server/src/kubernetes/metadata.ts";
import {
  buildPods,
  buildUntilReady,
  doublesOf,
  fillBuildForm,
  listObjects,
} from "../support/doubles.ts";
import { expect, expectMounted, signIn, test, useOwnStack } from "../support/fixtures.ts";
import { REPO_ROOT } from "../support/stack.ts";

/** The probes of the security review, plus a few from redirect-target.test.ts's table. */
const ESCAPING_NEXT = [
  "/.//evil.example/phish",
  "/a/..//evil.example/phish",
  "/%2e//evil.example/phish",
  "/hub/../..//evil.example/phish",
  "//evil.example/phish",
  "/\\evil.example/phish",
  "/\t/evil.example/phish",
  "https://evil.example/phish",
  "/%2F/evil.example/phish",
];

/**
 * Hosts of every request the page makes, redirect hops included (Playwright's `route` would see
 * only the first URL of a redirect chain; the `request` event sees each hop).
 */
function requestedHosts(page: Page): Set<string> {
  const hosts = new Set<string>();
  page.on("request", (request) => hosts.add(new URL(request.url()).hostname));
  return hosts;
}

test.describe("redirects never leave the hub", () => {
  test(
    "login and logout with a hostile next end on the hub, in Chromium",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      const hosts = requestedHosts(page);
      for (const next of ESCAPING_NEXT) {
        const query = `next=${encodeURIComponent(next)}`;
        // The hub is signed in, so the login round trip completes without a form.
        await page.goto(`${hub.url}services/launchpad/oauth_login?${query}`);
        await expect(page).toHaveURL(`${hub.url}hub/spawn`);
        await page.goto(`${hub.url}services/launchpad/logout?${query}`);
        await expect(page).toHaveURL(`${hub.url}hub/home`);
      }
      expect([...hosts]).toEqual([new URL(hub.url).hostname]);
    },
  );
});

test.describe("an admin acts only for users the hub has", () => {
  const ADMIN = "e2e-hub-admin";
  useOwnStack({ adminUsers: [ADMIN] });

  test(
    "?user= answers 404 for a name the real hub does not know, asked with read:users:name, and records nothing",
    { tag: "@smoke" },
    async ({ page, browser, hub, user }) => {
      // The user signs in once: from then on the hub has them.
      const theirs = await browser.newContext();
      try {
        await signIn(await theirs.newPage(), hub, user);
      } finally {
        await theirs.close();
      }
      await signIn(page, hub, ADMIN);
      const api = `${hub.url}services/launchpad/api/`;
      const projects = (name: string) =>
        page.request.get(`${api}projects?user=${encodeURIComponent(name)}`);
      const known = await projects(user);
      expect(known.status()).toBe(200);
      expect(await known.json()).toMatchObject({ user, projects: [] });
      const noSuchUser = { status: 404, message: "The hub has no user of that name." };
      const nobody = `${user}-nobody`;
      for (const name of [nobody, user.toUpperCase(), `${user} `]) {
        const unknown = await projects(name);
        expect(unknown.status(), name).toBe(404);
        expect(await unknown.json()).toEqual(noSuchUser);
      }
      // Recording a launch for a name the hub lacks, as the page would on /hub/spawn/<name>.
      const me = MeSchema.parse(await (await page.request.get(`${api}me`)).json());
      const repository = "binder-examples/requirements";
      const launch = {
        provider: "gh",
        repository,
        ref: "HEAD",
        image: "registry.example.org/binder-examples-requirements:0123abc",
        profile_slug: "python",
        display_name: repository,
      };
      const record = (name: string) =>
        page.request.post(
          `${api}projects/${projectId("gh", repository)}/launch?user=${encodeURIComponent(name)}`,
          { headers: { [CSRF_HEADER]: me.csrf_token }, data: launch },
        );
      const recorded = await record(nobody);
      expect(recorded.status()).toBe(404);
      expect(await recorded.json()).toEqual(noSuchUser);
      const records = () =>
        listObjects(
          hub,
          "configmaps",
          doublesOf(hub).hubNamespace,
          launchpadSelector(COMPONENTS.projectRecords),
        );
      expect(await records()).toEqual([]);
      // The same launch for the user the hub has is recorded: the selector sees records.
      expect((await record(user)).status()).toBe(201);
      expect(await records()).toHaveLength(1);
    },
  );
});

/**
 * The cleaned text of the double's HOSTILE_LOG scenario as the page keeps it: written out by hand
 * (not by the code under test), with the waiting and ready messages around it.
 */
const CLEANED_HOSTILE_LOG = [
  "Waiting for build to start...\n",
  "Step 1/3 : FROM docker.io/library/buildpack-deps:jammy\n",
  "Step 2/3 : RUN ./postBuild\n",
  "\u001b[31merror: the real failure\u001b[0m\n",
  "Open your server\n",
  "\u001b[32mBuild succeeded! Your server is ready.\u001b[0m\n",
  "Done! Image built\n",
].join("");

/** Checks the terminal on screen; returns the downloaded log. */
async function expectTerminalNotSpoofed(page: Page): Promise<string> {
  const log = page.getByRole("region", { name: "Build log" });
  const rows = log.locator(".xterm-rows");
  // xterm renders only while it is on screen (its IntersectionObserver), as the user would look.
  await log.scrollIntoViewIfNeeded();
  await expect(rows).toContainText("Build succeeded! Your server is ready.");
  // The screen and scrollback were not wiped: the lines before the fake success are on screen,
  // in order, and the real error keeps its colour (SGR is kept).
  const text = (await rows.innerText()).replace(/\u00a0/g, " ");
  const order = [
    "Step 1/3",
    "Step 2/3",
    "error: the real failure",
    "Open your server",
    "Build succeeded!",
  ];
  const positions = order.map((line) => text.indexOf(line));
  expect(positions.every((p) => p >= 0)).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  // Each "\n" of a message starts a new line at column 0 (xterm's convertEol), not a staircase.
  const rowTexts = text.split("\n");
  for (const line of order) expect(rowTexts.some((row) => row.startsWith(line))).toBe(true);
  await expect(rows.locator("span.xterm-fg-1")).toContainText("error: the real failure");
  const download = page.waitForEvent("download");
  await log.getByRole("button", { name: "Download log" }).click();
  return readFileSync(await (await download).path(), "utf8");
}

test.describe("builds on the hub: the log cannot spoof, users cannot cancel each other's", () => {
  useOwnStack({ profiles: "build.yaml" });

  test("a repository printing clears, titles, links and clipboard writes shows only its text", async ({
    page,
    hub,
    user,
  }) => {
    await signIn(page, hub, user);
    await expectMounted(page);
    await buildUntilReady(page, { provider: "gh", repo: "e2e-org/hostile-log", ref: "HEAD" });
    expect(await expectTerminalNotSpoofed(page)).toBe(CLEANED_HOSTILE_LOG);
  });

  test("another user's cancel answers 404 and the build pod keeps running; the owner's stops it", async ({
    page,
    browser,
    hub,
    user,
  }) => {
    await signIn(page, hub, user);
    await expectMounted(page);
    const repo = `e2e-org/keepalive-only-${user}`;
    await fillBuildForm(page, { provider: "gh", repo, ref: "HEAD" });
    await page.getByRole("button", { name: "Build image", exact: true }).click();
    const ours = async () =>
      (await buildPods(hub)).filter((pod) =>
        pod.metadata.annotations?.["binder-repo"]?.includes(repo),
      ).length;
    await expect.poll(ours, { message: "the build pod in the Kubernetes double" }).toBe(1);
    // The owner leaves: the build runs on, and no stream of theirs watches it any more.
    await page.goto(`${hub.url}hub/home`);

    const other = await browser.newContext();
    try {
      const mallory = await other.newPage();
      await signIn(mallory, hub, `${user}-mallory`);
      const me = MeSchema.parse(
        await (await mallory.request.get(`${hub.url}services/launchpad/api/me`)).json(),
      );
      const url = `${hub.url}services/launchpad/api/builds/${buildPath("gh", `${repo}/HEAD`)}`;
      const refused = await mallory.request.delete(url, {
        headers: { [CSRF_HEADER]: me.csrf_token },
      });
      expect(refused.status()).toBe(404);
      expect(await ours()).toBe(1);
    } finally {
      await other.close();
    }

    await page.goto(`${hub.url}hub/spawn`);
    const me = MeSchema.parse(
      await (await page.request.get(`${hub.url}services/launchpad/api/me`)).json(),
    );
    const url = `${hub.url}services/launchpad/api/builds/${buildPath("gh", `${repo}/HEAD`)}`;
    const cancelled = await page.request.delete(url, { headers: { [CSRF_HEADER]: me.csrf_token } });
    expect(cancelled.status()).toBe(200);
    await expect.poll(ours, { message: "the build pod after its owner cancelled" }).toBe(0);
  });
});

test.describe("local mode's demo page under its Content-Security-Policy", () => {
  let binderhub: BinderHubDouble | undefined;
  let companion: ReturnType<typeof spawn> | undefined;
  let url = "";

  test.beforeAll(async () => {
    binderhub = await new BinderHubDouble({ token: "csp-test" }).start();
    companion = spawn(`${REPO_ROOT}/node_modules/.bin/node`, ["server/src/server.ts", "--local"], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        LAUNCHPAD_PORT: "0",
        LAUNCHPAD_BINDERHUB_URL: binderhub.buildEndpoint,
        LAUNCHPAD_BINDERHUB_TOKEN: "csp-test",
        LAUNCHPAD_LOCAL_DATA_DIR: `${REPO_ROOT}/test-results/e2e-local-csp`,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    for await (const line of createInterface({ input: companion.stdout! })) {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match?.[1]) {
        url = match[1];
        break;
      }
    }
  });

  test.afterAll(async () => {
    companion?.kill("SIGTERM");
    await binderhub?.close();
  });

  test("the page mounts and a build's terminal works with no policy violation", async ({
    page,
  }) => {
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${url}/hub/spawn`);
    await expectMounted(page);
    await fillBuildForm(page, { provider: "gh", repo: "e2e-org/hostile-log", ref: "HEAD" });
    await page.getByRole("button", { name: "Build image", exact: true }).click();
    expect(await expectTerminalNotSpoofed(page)).toBe(CLEANED_HOSTILE_LOG);
    expect(violations).toEqual([]);
  });
});
