/**
 * The e2e `test`: adds `hub` (the stack started by global setup, unless a describe block starts
 * its own with `useOwnStack`) and `user` (a fresh user name per test, so saved options never leak
 * between tests), plus helpers to sign in, wait for the page and drive the hub's API.
 */
import { randomBytes } from "node:crypto";
import { test as base, expect, type Page, type Response } from "@playwright/test";
import { recordingCount } from "./manifests.ts";
import { startStack, type Stack, type StackInfo, type StackOptions } from "./stack.ts";

export { expect };

export function globalStack(): StackInfo {
  const raw = process.env.E2E_STACK;
  if (!raw)
    throw new Error(
      "E2E_STACK is not set: run the suite through e2e/playwright.config.ts (global setup)",
    );
  return JSON.parse(raw) as StackInfo;
}

interface Fixtures {
  hub: StackInfo;
  user: string;
}

export const test = base.extend<Fixtures>({
  // Playwright requires the destructuring pattern even when a fixture uses no other fixture.
  // eslint-disable-next-line no-empty-pattern
  hub: async ({}, use) => {
    await use(ownStack ?? globalStack());
  },
  // eslint-disable-next-line no-empty-pattern
  user: async ({}, use) => {
    await use(`u-${randomBytes(4).toString("hex")}`);
  },
});

let ownStack: Stack | undefined;

/**
 * In a `test.describe`, runs its tests against a stack of their own (another base URL, profile
 * list or no companion). With one worker, describe blocks run one after another.
 */
export function useOwnStack(options: StackOptions): void {
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    ownStack = await startStack(options);
  });
  test.afterAll(async () => {
    test.setTimeout(60_000);
    await ownStack?.stop();
    ownStack = undefined;
  });
}

/** The stack `useOwnStack` started, for tests that stop and start its parts. */
export function ownStackHandle(): Stack {
  if (!ownStack) throw new Error("ownStackHandle() needs useOwnStack() in the describe block");
  return ownStack;
}

export function spawnUrl(hub: StackInfo): string {
  return `${hub.url}hub/spawn`;
}

function isMeOk(hub: StackInfo) {
  return (response: Response) =>
    response.url().startsWith(`${hub.url}services/launchpad/api/me`) && response.status() === 200;
}

/**
 * Signs in with the DummyAuthenticator and lands on the spawn page. With the companion up, the
 * page's first visit goes through the companion's OAuth login at top level and comes back; this
 * waits for that round trip (the companion's `api/me` answering 200), so no test races it.
 */
export async function signIn(
  page: Page,
  hub: StackInfo,
  user: string,
  { companion = true } = {},
): Promise<{ navigations: string[] }> {
  const navigations: string[] = [];
  // Every top-level navigation request, redirects included (oauth_login and oauth_callback redirect).
  page.on("request", (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame())
      navigations.push(request.url());
  });
  const meOk = companion ? page.waitForResponse(isMeOk(hub)) : null;
  await page.goto(`${hub.url}hub/login`);
  await page.getByLabel("Username:").fill(user);
  await page.getByLabel("Password:").fill("any password");
  await page.getByRole("button", { name: "Sign in" }).click();
  if (meOk) await meOk;
  await expect(page).toHaveURL(spawnUrl(hub));
  return { navigations };
}

/** The Launchpad page has mounted (the glue's fallback form is gone). */
export async function expectMounted(page: Page): Promise<void> {
  await expect(page.locator("#launchpad-root")).toHaveAttribute("data-launchpad-state", "ready");
}

/** Opens the spawn page of a signed-in user and waits for the page and the companion session. */
export async function openSpawnPage(page: Page, hub: StackInfo): Promise<void> {
  const meOk = page.waitForResponse(isMeOk(hub));
  await page.goto(spawnUrl(hub));
  await meOk;
  await expectMounted(page);
}

/**
 * Opens the spawn page of the signed-in user's named server `server` (the default one may run or
 * be starting) and waits for the page and the companion session.
 */
export async function openNamedSpawnPage(
  page: Page,
  hub: StackInfo,
  user: string,
  server: string,
): Promise<void> {
  const meOk = page.waitForResponse(isMeOk(hub));
  await page.goto(`${hub.url}hub/spawn/${user}/${server}`);
  await meOk;
  await expectMounted(page);
}

/** Waits for the mock single-user server's page, i.e. the hub started the pod and routed to it. */
export async function expectServerPage(page: Page, hub: StackInfo, user: string): Promise<void> {
  // KubeSpawner waits for the pod to run (the test kubelet starts the server), then the hub for
  // the server to answer: seconds on a loaded machine, within the e2e hub's start_timeout (60 s).
  await expect(page).toHaveURL(`${hub.url}user/${user}/`, { timeout: 60_000 });
  await expect(page.getByRole("heading", { name: `Mock server for ${user}` })).toBeVisible();
}

/** Waits until the user's n-th spawn has been recorded. */
export async function expectRecordings(hub: StackInfo, user: string, n: number): Promise<void> {
  await expect
    .poll(() => recordingCount(hub.recordDir, user), { message: `recorded spawns of ${user}` })
    .toBe(n);
}

async function hubApi(
  hub: StackInfo,
  pathname: string,
  init: RequestInit = {},
): Promise<globalThis.Response> {
  return fetch(`${hub.url}hub/api/${pathname}`, {
    ...init,
    headers: {
      Authorization: `token ${hub.adminToken}`,
      ...(init.headers as Record<string, string> | undefined),
    },
  });
}

/** Stops the user's default server through the hub's REST API and waits until it is gone. */
export async function stopServer(hub: StackInfo, user: string): Promise<void> {
  const response = await hubApi(hub, `users/${encodeURIComponent(user)}/server`, {
    method: "DELETE",
  });
  expect([202, 204]).toContain(response.status);
  await expect
    .poll(
      async () => {
        const model = (await (await hubApi(hub, `users/${encodeURIComponent(user)}`)).json()) as {
          servers?: Record<string, unknown>;
        };
        return Object.keys(model.servers ?? {}).length;
      },
      { timeout: 30_000 },
    ) // KubeSpawner's stop waits until the kubelet has removed the pod
    .toBe(0);
}
