/**
 * "Build from a repository" through the real hub and a real browser: the companion in hub mode
 * relays builds from the BinderHub double (which replays the real recorded 736-event build, or the
 * scenario its repository name asks for) and cancels them by deleting the build pod in the test
 * cluster's kube-apiserver; once an image is built, the page's one Start posts it to KubeSpawner.
 * Profile list: e2e/hub/profiles/build.yaml (an image option with dynamic_image_building).
 */
import { readFileSync } from "node:fs";
import type { BuildSource } from "../../contract/providers/catalog.ts";
import {
  buildPanel,
  buildPods,
  buildStatus,
  buildUntilReady,
  expectedImageName,
  fillBuildForm,
  recordedImageName,
  recordedLogLine,
} from "../support/doubles.ts";
import {
  expect,
  expectMounted,
  expectRecordings,
  expectServerPage,
  signIn,
  spawnUrl,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import { notebookContainer, recordingCount, recordings } from "../support/manifests.ts";

/**
 * One repository per provider the double knows, named so that the double answers with its
 * `cached` scenario (the image exists: `ready` at once). A HydroShare id is 32 hex digits and cannot
 * say "cached", so it gets the full recorded build, which the double replays as fast as it can.
 * Either way the image is named as BinderHub names it for that repository.
 */
const PER_PROVIDER: BuildSource[] = [
  { provider: "gh", repo: "e2e-org/cached-notebooks", ref: "main" },
  { provider: "gl", repo: "e2e-group/sub/cached-project", ref: "HEAD" },
  { provider: "git", repo: "https://git.example.org/science/cached-repo.git", ref: "v1.0" },
  { provider: "gist", repo: "cached/0123456789abcdef0123", ref: "" },
  { provider: "zenodo", repo: "10.5281/zenodo.cached-3242074", ref: "" },
  { provider: "figshare", repo: "10.6084/m9.figshare.cached.v1", ref: "" },
  { provider: "dataverse", repo: "10.7910/DVN/cached", ref: "" },
  { provider: "hydroshare", repo: "0123456789abcdef0123456789abcdef", ref: "" },
  { provider: "ckan", repo: "https://demo.ckan.org/dataset/cached-dataset", ref: "" },
];

test.describe("build from a repository", () => {
  useOwnStack({ profiles: "build.yaml" });

  test(
    "builds the recorded repository, shows its log, and starts on exactly the image built",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      const imageName = await buildUntilReady(page, {
        provider: "gh",
        repo: "binder-examples/octave",
        ref: "HEAD",
      });
      // BinderHub's imageName, relayed unchanged: the recorded build's own image (the double names
      // binder-examples/octave at HEAD as BinderHub named it in the recording).
      expect(imageName).toBe(recordedImageName());

      // The terminal follows the log to its end: the last lines of the recording are on screen.
      const log = page.getByRole("region", { name: "Build log" });
      await expect(log).toContainText(recordedLogLine("Successfully built "));
      // The whole log is kept (copy/download), including lines long scrolled out of view.
      const download = page.waitForEvent("download");
      await log.getByRole("button", { name: "Download log" }).click();
      const text = readFileSync(await (await download).path(), "utf8");
      expect(text).toContain(recordedLogLine("Step 24/51 : COPY --chown=1000:1000"));
      expect(text).toContain(recordedLogLine("Successfully tagged "));

      // One next step: the page's Start, no other button that starts anything.
      await expect(page.getByRole("button", { name: /start/i })).toHaveCount(1);
      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 1);
      const [recording] = recordings(hub.recordDir, user);
      expect(recording?.user_options).toMatchObject({
        profile: "python",
        "image--unlisted-choice": imageName,
      });
      expect(recording?.user_options).not.toHaveProperty("image");
      expect(notebookContainer(recording!.pod).image).toBe(imageName);
    },
  );

  for (const source of PER_PROVIDER) {
    test(`a ${source.provider} build reaches ready`, async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      const imageName = await buildUntilReady(page, source);
      expect(imageName).toBe(expectedImageName(source));
      await expect(buildPanel(page)).toContainText("Press Start below to launch it.");
    });
  }

  for (const source of [PER_PROVIDER[1]!, PER_PROVIDER[4]!]) {
    test(`starts on a ${source.provider} build's image`, async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      const imageName = await buildUntilReady(page, source);
      expect(imageName).toBe(expectedImageName(source));
      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 1);
      expect(notebookContainer(recordings(hub.recordDir, user)[0]!.pod).image).toBe(imageName);
    });
  }

  test("a failed build shows BinderHub's message, keeps where it stopped, and starts nothing", async ({
    page,
    hub,
    user,
  }) => {
    await signIn(page, hub, user);
    await expectMounted(page);
    await fillBuildForm(page, { provider: "gh", repo: "e2e-org/fail-to-build", ref: "HEAD" });
    await page.getByRole("button", { name: "Build image", exact: true }).click();
    await expect(buildStatus(page)).toHaveText(
      "The build failed: Error during build: The command '/bin/sh -c pip install nosuchpackage' returned a non-zero code: 1",
    );
    await expect(
      buildPanel(page).getByRole("listitem").and(page.locator("[aria-current=step]")),
    ).toHaveText("Building (failed here)");
    await expect(page.getByRole("button", { name: "Build again", exact: true })).toBeVisible();
    // Start has nothing to start with: it says so and posts nothing.
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expect(page.getByRole("alert")).toContainText("Build an image first");
    await expect(page).toHaveURL(spawnUrl(hub));
    expect(recordingCount(hub.recordDir, user)).toBe(0);
  });

  test("a build BinderHub rate-limits (429) says when to try again", async ({
    page,
    hub,
    user,
  }) => {
    await signIn(page, hub, user);
    await expectMounted(page);
    await fillBuildForm(page, { provider: "gh", repo: "e2e-org/rate-limited", ref: "HEAD" });
    await page.getByRole("button", { name: "Build image", exact: true }).click();
    await expect(buildStatus(page)).toContainText(
      "BinderHub is rate-limiting the companion; try again in 3600 seconds.",
    );
    await expect(buildPanel(page)).not.toContainText("Press Start below");
    expect(recordingCount(hub.recordDir, user)).toBe(0);
  });

  test("a build BinderHub refuses (403) says why", async ({ page, hub, user }) => {
    await signIn(page, hub, user);
    await expectMounted(page);
    await fillBuildForm(page, { provider: "gh", repo: "e2e-org/forbidden", ref: "HEAD" });
    await page.getByRole("button", { name: "Build image", exact: true }).click();
    await expect(buildStatus(page)).toContainText(
      "BinderHub refused the companion's token (check access:services!service=binder), or this repository is not allowed.",
    );
    await expect(buildPanel(page)).not.toContainText("Press Start below");
  });

  test(
    "cancel deletes the build pod in Kubernetes and says the build was cancelled",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      const repo = `e2e-org/keepalive-only-${user}`;
      await fillBuildForm(page, { provider: "gh", repo, ref: "HEAD" });
      await page.getByRole("button", { name: "Build image", exact: true }).click();
      await expect(buildStatus(page)).toHaveText("Waiting for the build to start…");
      const ours = async () =>
        (await buildPods(hub)).filter((pod) =>
          pod.metadata.annotations?.["binder-repo"]?.includes(repo),
        ).length;
      await expect.poll(ours, { message: "the build pod in the test cluster" }).toBe(1);

      await page.getByRole("button", { name: "Cancel build", exact: true }).click();
      await expect(buildStatus(page)).toHaveText("The build was cancelled.");
      // The answer of the one DELETE that deleted it (Chromium's HTTP cache once sent the cancel
      // twice through CHP, and the page showed the second answer: nothing deleted).
      await expect(
        page.getByText("Its build pod was deleted: nothing is left running.", { exact: true }),
      ).toBeVisible();
      await expect.poll(ours, { message: "the build pod after cancel" }).toBe(0);
      // The focus does not fall to the page's body with the Cancel button gone.
      await expect(page.getByRole("button", { name: "Build again", exact: true })).toBeFocused();
      expect(recordingCount(hub.recordDir, user)).toBe(0);
    },
  );
});
