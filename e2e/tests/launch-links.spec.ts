/**
 * Launch links through the real hub (docs/launch-links.md): a link opened by a logged-out user
 * goes through the hub's login and lands on the bare spawn page with the link's choices selected
 * and nothing started; Start starts exactly what the link asked for (KubeSpawner's recorded pod);
 * a link with values this hub does not offer says so and starts nothing; a link that is not a
 * launch link at all gets a page that says why and leads only to the spawn page; a link to a
 * repository the user has as a project opens that project (its image and its folder).
 */
import { projectId } from "../../contract/projects.ts";
import { buildUntilReady } from "../support/doubles.ts";
import {
  expect,
  expectMounted,
  expectRecordings,
  expectServerPage,
  signIn,
  spawnUrl,
  stopServer,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import type { StackInfo } from "../support/stack.ts";
import { notebookContainer, recordingCount, recordings } from "../support/manifests.ts";

const GiB = 2 ** 30;
const IMAGE = "quay.io/jupyter/datascience-notebook:2025-01-06";

function launchLink(hub: StackInfo, query: string): string {
  return `${hub.url}services/launchpad/launch?${query}`;
}

/** The user's servers as the hub's REST API reports them (admin token): none running, none pending. */
async function expectNothingStarted(hub: StackInfo, user: string): Promise<void> {
  const response = await fetch(`${hub.url}hub/api/users/${encodeURIComponent(user)}`, {
    headers: { Authorization: `token ${hub.adminToken}` },
  });
  expect(response.status).toBe(200);
  const model = (await response.json()) as { servers?: object; pending: string | null };
  expect(model.pending).toBeNull();
  expect(model.servers ?? {}).toEqual({});
  expect(recordingCount(hub.recordDir, user)).toBe(0);
}

test.describe("launch links", () => {
  test(
    "a logged-out user's link goes through the hub's login to the preselected form; nothing starts until Start, which starts what the link asked for",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      const navigations: string[] = [];
      page.on("request", (request) => {
        if (request.isNavigationRequest() && request.frame() === page.mainFrame())
          navigations.push(request.url());
      });
      await page.goto(
        launchLink(
          hub,
          `profile=python&other.image=${encodeURIComponent(IMAGE)}&option.resources=large`,
        ),
      );
      // The hub's own login form: the link waits in the companion's login state meanwhile.
      await page.getByLabel("Username:").fill(user);
      await page.getByLabel("Password:").fill("any password");
      await page.getByRole("button", { name: "Sign in" }).click();

      await expect(page).toHaveURL(spawnUrl(hub));
      await expectMounted(page);
      await expect(
        page.getByText("Opened from a launch link: check the choices below, then press Start."),
      ).toBeVisible();
      await expect(
        page.getByRole("radio", { name: "Python environment", exact: true }),
      ).toBeChecked();
      await expect(page.getByRole("textbox", { name: "Custom image", exact: true })).toHaveValue(
        IMAGE,
      );
      await expect(
        page.getByRole("radio", { name: "Large (4 CPUs, 16 GB)", exact: true }),
      ).toBeChecked();
      // Not one URL of the way carried a query to /hub/spawn (which would have started it).
      expect(navigations.filter((url) => url.startsWith(`${spawnUrl(hub)}?`))).toEqual([]);
      await expectNothingStarted(hub, user);

      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 1);
      const [recording] = recordings(hub.recordDir, user);
      expect(recording?.user_options).toEqual({
        profile: "python",
        "image--unlisted-choice": IMAGE,
        resources: "large",
      });
      const notebook = notebookContainer(recording!.pod);
      expect(notebook.image).toBe(IMAGE);
      expect(notebook.resources?.limits).toEqual({ cpu: 4, memory: 16 * GiB });
    },
  );

  test(
    "a link with values this hub does not offer lists them and starts nothing",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      await page.goto(
        launchLink(
          hub,
          "profile=python&option.resources=huge&option.gpus=8&other.image=docker.io%2Fevil%2Fminer%3A1",
        ),
      );
      await expect(page).toHaveURL(spawnUrl(hub));
      await expectMounted(page);
      const alert = page.getByRole("alert", {
        name: "This launch link asks for what this hub does not offer",
      });
      await expect(alert).toContainText("Resources has no choice “huge”.");
      await expect(alert).toContainText("Python environment has no option “gpus”.");
      // The free text is in its field, refused by the admin's pattern before any Start.
      await expect(page.getByRole("textbox", { name: "Custom image", exact: true })).toHaveValue(
        "docker.io/evil/miner:1",
      );
      await expect(page.getByText("Only images from quay.io/jupyter/, with a tag")).toBeVisible();
      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expect(page.getByRole("heading", { name: "Fix these before starting:" })).toBeVisible();
      await expectNothingStarted(hub, user);

      // A profile the hub has not: nothing of the link is applied.
      await page.goto(launchLink(hub, "profile=gpu-xl&option.image=scipy"));
      await expect(page.getByRole("alert", { name: /does not offer/ })).toContainText(
        "This hub has no profile “gpu-xl”",
      );
      await expectNothingStarted(hub, user);
    },
  );

  test("a link that is not a launch link gets a page that says why and leads only to the spawn page", async ({
    page,
    hub,
    user,
  }) => {
    await signIn(page, hub, user);
    const response = await page.goto(
      launchLink(hub, `next=${encodeURIComponent("//evil.example/")}&profile=python`),
    );
    expect(response?.status()).toBe(400);
    await expect(
      page.getByRole("heading", { name: "This launch link is not valid" }),
    ).toBeVisible();
    await expect(page.getByText(/"next" is not a launch link parameter/)).toBeVisible();
    await page.getByRole("link", { name: "Open the spawn page" }).click();
    await expect(page).toHaveURL(spawnUrl(hub));
    await expectMounted(page);
    // The refused link handed nothing over.
    await expect(page.getByText(/Opened from a launch link/)).toHaveCount(0);
    await expectNothingStarted(hub, user);
  });
});

test.describe("a launch link to a repository", () => {
  useOwnStack({ profiles: "build.yaml" });

  test("opens the user's own project of it: its image and its folder, after one Start", async ({
    page,
    hub,
    user,
  }) => {
    const source = { provider: "gh", repo: "e2e-org/cached-notebooks", ref: "main" } as const;
    await signIn(page, hub, user);
    const image = await buildUntilReady(page, source);
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expectServerPage(page, hub, user);
    await expectRecordings(hub, user, 1);
    await stopServer(hub, user);

    await page.goto(
      launchLink(hub, `repo=${encodeURIComponent(`https://github.com/${source.repo}`)}`),
    );
    await expect(page).toHaveURL(spawnUrl(hub));
    await expect(
      page.getByText(/The link's repository is your project e2e-org\/cached-notebooks/),
    ).toBeVisible();
    // Selected, not started: the one recording is the first start's.
    expect(recordingCount(hub.recordDir, user)).toBe(1);
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expectServerPage(page, hub, user);
    await expectRecordings(hub, user, 2);
    const id = projectId(source.provider, source.repo);
    const second = recordings(hub.recordDir, user)[1]!;
    expect(second.user_options).toMatchObject({
      "image--unlisted-choice": image,
      "launchpad-project": id,
    });
    const home = notebookContainer(second.pod).volumeMounts?.find(
      (mount) => mount.mountPath === "/home/jovyan",
    );
    expect(home?.subPath).toBe(`projects/${id}`);
  });
});
