/**
 * Your projects as named servers through the real hub (JupyterHub's allow_named_servers, the
 * glue's project_servers): two projects start as two named servers, each KubeSpawner pod with its
 * own project folder on its own server's claim; the table reads each server's state from the
 * hub with the hub's own cookie; Open on a running project goes to its server, and so does a
 * launch link to it; Stop stops it through the hub's API.
 *
 * The seed step's message on the hub's pending page: seed-progress.spec.ts.
 */
import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { projectServerName } from "../../contract/named-servers.ts";
import { projectId } from "../../contract/projects.ts";
import type { BuildSource } from "../../contract/providers/catalog.ts";
import { buildUntilReady, userPods } from "../support/doubles.ts";
import {
  expect,
  expectMounted,
  openSpawnPage,
  signIn,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import { notebookContainer, recordings } from "../support/manifests.ts";
import { recordProject } from "../support/projects.ts";
import type { StackInfo } from "../support/stack.ts";

const A: BuildSource = { provider: "gh", repo: "e2e-org/cached-servers-a", ref: "main" };
const B: BuildSource = { provider: "gh", repo: "e2e-org/cached-servers-b", ref: "main" };
const ID_A = projectId(A.provider, A.repo);
const ID_B = projectId(B.provider, B.repo);
const SERVER_A = projectServerName(ID_A);
const SERVER_B = projectServerName(ID_B);
/** Built on the page, never recorded before: its first start is the Start after the build. */
const C: BuildSource = { provider: "gh", repo: "e2e-org/cached-servers-c", ref: "main" };
const ID_C = projectId(C.provider, C.repo);
const SERVER_C = projectServerName(ID_C);

/** The hub's own server models of the user, stopped ones too (the tests' admin token). */
async function hubServers(hub: StackInfo, user: string) {
  const response = await fetch(`${hub.url}hub/api/users/${user}?include_stopped_servers`, {
    headers: { Authorization: `token ${hub.adminToken}` },
  });
  const model = (await response.json()) as {
    servers: Record<string, { display_name?: string; ready: boolean }>;
  };
  return model.servers;
}

/**
 * JupyterHub 6 names each project's server after its repository, as the companion records it
 * (the normal form: the repository's URL); 5.5 has no display names.
 */
function expectedDisplayNames(project: string) {
  const six = project === "jupyterhub-6";
  const url = (source: BuildSource) => `https://github.com/${source.repo}`;
  return { [SERVER_A]: six ? url(A) : undefined, [SERVER_B]: six ? url(B) : undefined };
}

function row(page: Page, repo: string) {
  return page
    .getByRole("table", { name: "Your projects" })
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name: new RegExp(`^${repo}`) }) });
}

function serverCell(page: Page, repo: string) {
  return row(page, repo).locator('td[data-label="Server"]');
}

async function expectNamedServerPage(page: Page, hub: StackInfo, user: string, server: string) {
  await expect(page).toHaveURL(`${hub.url}user/${user}/${server}/`, { timeout: 60_000 });
  await expect(page.getByRole("heading", { name: /^Mock server for / })).toBeVisible();
}

function homeMountOf(hub: StackInfo, user: string, server: string) {
  const [recording] = recordings(hub.recordDir, user, server);
  expect(recording?.server_name).toBe(server);
  const pod = recording!.pod;
  return {
    options: recording!.user_options,
    mount: notebookContainer(pod).volumeMounts?.find((m) => m.mountPath === "/home/jovyan"),
    volume: JSON.parse(
      pod.metadata.annotations?.["launchpad.jupyter.org/home-volume"] ?? "null",
    ) as unknown,
  };
}

test.describe("projects as named servers through the real hub", () => {
  test.describe.configure({ mode: "serial" });
  useOwnStack({ profiles: "build.yaml", namedServers: true, projectServers: true });
  const user = `n-${randomBytes(4).toString("hex")}`;

  test(
    "two projects run as two named servers with their own mounts; Open goes to one, Stop stops it",
    { tag: "@smoke" },
    async ({ page, hub }) => {
      // Two starts and a stop through KubeSpawner and the test kubelet, on a shared machine.
      test.setTimeout(240_000);
      await signIn(page, hub, user);
      await expectMounted(page);
      await recordProject(page, hub, A);
      await recordProject(page, hub, B);
      await openSpawnPage(page, hub);
      await expect(serverCell(page, A.repo)).toHaveText("Stopped");
      await expect(serverCell(page, B.repo)).toHaveText("Stopped");

      // Start A: the hub's form goes to A's own server; the hub's pending page, then the server.
      await row(page, A.repo)
        .getByRole("button", { name: `Start ${A.repo}` })
        .click();
      await expectNamedServerPage(page, hub, user, SERVER_A);
      const a = homeMountOf(hub, user, SERVER_A);
      expect(a.options["launchpad-project"]).toBe(ID_A);
      expect(a.mount?.subPath).toBe(`projects/${ID_A}`);
      expect(a.volume).toEqual({
        persistentVolumeClaim: { claimName: `claim-${user}--${SERVER_A}` },
      });

      // The spawn page again (the default server is not running): A runs, B starts beside it.
      await openSpawnPage(page, hub);
      await expect(serverCell(page, A.repo)).toHaveText("Running");
      await row(page, B.repo)
        .getByRole("button", { name: `Start ${B.repo}` })
        .click();
      await expectNamedServerPage(page, hub, user, SERVER_B);
      const b = homeMountOf(hub, user, SERVER_B);
      expect(b.options["launchpad-project"]).toBe(ID_B);
      expect(b.mount?.subPath).toBe(`projects/${ID_B}`);
      expect(b.volume).toEqual({
        persistentVolumeClaim: { claimName: `claim-${user}--${SERVER_B}` },
      });
      await expect.poll(async () => (await userPods(hub, user)).length).toBe(2);

      // Open on a running project goes to its server; nothing new is started.
      await openSpawnPage(page, hub);
      await expect(serverCell(page, A.repo)).toHaveText("Running");
      await expect(serverCell(page, B.repo)).toHaveText("Running");
      await row(page, A.repo)
        .getByRole("link", { name: `Open ${A.repo}` })
        .click();
      await expectNamedServerPage(page, hub, user, SERVER_A);
      expect(recordings(hub.recordDir, user, SERVER_A)).toHaveLength(1);

      // A launch link to B, whose server runs, opens that server; nothing new is started.
      const link = new URLSearchParams({
        profile: "python",
        provider: B.provider,
        repo: B.repo,
        ref: B.ref,
      });
      await page.goto(`${hub.url}services/launchpad/launch?${link.toString()}`);
      await expectNamedServerPage(page, hub, user, SERVER_B);
      expect(recordings(hub.recordDir, user, SERVER_B)).toHaveLength(1);

      // Stop A through the hub (the page's own cookie and XSRF token): B keeps running.
      await openSpawnPage(page, hub);
      await row(page, A.repo)
        .getByRole("button", { name: `Stop ${A.repo}` })
        .click();
      await expect(serverCell(page, A.repo)).toHaveText("Stopped", { timeout: 30_000 });
      await expect(
        row(page, A.repo).getByRole("button", { name: `Start ${A.repo}` }),
      ).toBeEnabled();
      await expect(serverCell(page, B.repo)).toHaveText("Running");
      await expect
        .poll(async () => (await userPods(hub, user)).length, { timeout: 30_000 })
        .toBe(1);

      // JupyterHub 6 names each server after its repository; 5.5 has no display names (and the
      // page never sent its spawn page a query, which would have started the server there).
      const servers = await hubServers(hub, user);
      // The default server ("") is there too, stopped: the spawn page made it.
      expect(Object.keys(servers).sort()).toEqual(["", SERVER_A, SERVER_B].sort());
      expect({
        [SERVER_A]: servers[SERVER_A]?.display_name,
        [SERVER_B]: servers[SERVER_B]?.display_name,
      }).toEqual(expectedDisplayNames(test.info().project.name));
    },
  );

  test(
    "a project built on the page starts in its own server, the one Your projects starts it in later",
    { tag: "@smoke" },
    async ({ page, hub }) => {
      test.setTimeout(240_000);
      await signIn(page, hub, user);
      await expectMounted(page);
      await buildUntilReady(page, C);
      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expectNamedServerPage(page, hub, user, SERVER_C);
      const first = homeMountOf(hub, user, SERVER_C);
      expect(first.options["launchpad-project"]).toBe(ID_C);
      expect(first.mount?.subPath).toBe(`projects/${ID_C}`);
      const claim = { persistentVolumeClaim: { claimName: `claim-${user}--${SERVER_C}` } };
      expect(first.volume).toEqual(claim);

      // Your projects shows it running in that server; Open goes there, nothing new starts.
      await openSpawnPage(page, hub);
      await expect(serverCell(page, C.repo)).toHaveText("Running");
      await row(page, C.repo)
        .getByRole("link", { name: `Open ${C.repo}` })
        .click();
      await expectNamedServerPage(page, hub, user, SERVER_C);
      expect(recordings(hub.recordDir, user, SERVER_C)).toHaveLength(1);

      const servers = await hubServers(hub, user);
      expect(servers[SERVER_C]?.display_name).toBe(
        test.info().project.name === "jupyterhub-6" ? `https://github.com/${C.repo}` : undefined,
      );
    },
  );
});
