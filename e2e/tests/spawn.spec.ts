/**
 * The spawn page on the shared stack (base URL "/", e2e/hub/profiles/default.yaml): sign-in and
 * the companion's OAuth round trip, choosing a profile and options, unlisted values, saved
 * options, the companion's API, secrets and accessibility. Each test uses a fresh user.
 */
import AxeBuilder from "@axe-core/playwright";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  expect,
  expectMounted,
  expectRecordings,
  expectServerPage,
  openSpawnPage,
  signIn,
  spawnUrl,
  stopServer,
  test,
} from "../support/fixtures.ts";
import { notebookContainer, recordings } from "../support/manifests.ts";
import { REPO_ROOT } from "../support/stack.ts";

/** From e2e/hub/profiles/default.yaml: the Python profile's kubespawner_override env var. */
const SECRET = "e2e-secret-7f3a9c1d-never-in-the-page";
const GiB = 2 ** 30; // KubeSpawner reads "16G" as 16 GiB (traitlets ByteSpecification)

test.describe("spawn page", () => {
  test(
    "runs against the intended JupyterHub major version",
    { tag: "@smoke" },
    async ({ hub, request }) => {
      const response = await request.get(`${hub.url}hub/api`);
      expect(response.status()).toBe(200);
      const { version } = (await response.json()) as { version: string };
      expect(version.split(".")[0]).toBe(String(hub.jh));
    },
  );

  test(
    "signs in through the companion's OAuth, then starts the chosen profile and options",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      const { navigations } = await signIn(page, hub, user);
      // The first visit went to the companion's login at top level and came back to the spawn page.
      expect(
        navigations.some((url) => url.startsWith(`${hub.url}services/launchpad/oauth_login`)),
      ).toBe(true);
      expect(
        navigations.some((url) => url.startsWith(`${hub.url}services/launchpad/oauth_callback`)),
      ).toBe(true);
      await expect(page).toHaveURL(spawnUrl(hub));
      await expectMounted(page);

      await expect(page.getByRole("radio", { name: "R environment", exact: true })).toBeVisible();
      await page.getByRole("radio", { name: "Python environment", exact: true }).check();
      await page.getByRole("radio", { name: "PyTorch", exact: true }).check();
      await page.getByRole("radio", { name: "Large (4 CPUs, 16 GB)", exact: true }).check();
      await page.getByRole("button", { name: "Start", exact: true }).click();

      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 1);
      const [recording] = recordings(hub.recordDir, user);
      expect(recording?.user_options).toEqual({
        profile: "python",
        image: "pytorch",
        resources: "large",
      });
      const pod = recording!.pod;
      const notebook = notebookContainer(pod);
      expect(notebook.image).toBe("quay.io/jupyter/pytorch-notebook:2025-01-06");
      expect(notebook.resources?.limits).toEqual({ cpu: 4, memory: 16 * GiB });
      expect(notebook.resources?.requests).toEqual({ cpu: 2, memory: 8 * GiB });
      // The admin's own modify_pod_hook still runs: the glue chains it instead of replacing it.
      expect(pod.metadata.labels?.["admin-hook"]).toBe("ran");
    },
  );

  test("starts a profile without a slug by the slug KubeSpawner derives", async ({
    page,
    hub,
    user,
  }) => {
    await signIn(page, hub, user);
    await expectMounted(page);
    await page.getByRole("radio", { name: "R environment", exact: true }).check();
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expectServerPage(page, hub, user);
    await expectRecordings(hub, user, 1);
    const [recording] = recordings(hub.recordDir, user);
    expect(recording?.user_options).toEqual({ profile: "r-environment" });
    expect(notebookContainer(recording!.pod).image).toBe("rocker/binder:4.4.2");
  });

  test("starts an unlisted image that passes the admin's regex", async ({ page, hub, user }) => {
    await signIn(page, hub, user);
    await expectMounted(page);
    await page.getByRole("radio", { name: "Other image...", exact: true }).check();
    await page
      .getByRole("textbox", { name: "Custom image", exact: true })
      .fill("quay.io/jupyter/minimal-notebook:2025-01-06");
    await page.getByRole("button", { name: "Start", exact: true }).click();

    await expectServerPage(page, hub, user);
    await expectRecordings(hub, user, 1);
    const [recording] = recordings(hub.recordDir, user);
    expect(recording?.user_options).toMatchObject({
      profile: "python",
      "image--unlisted-choice": "quay.io/jupyter/minimal-notebook:2025-01-06",
    });
    // Never both the choice and the free text: KubeSpawner's form swaps the `name` between them
    // (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/templates/form.html#L67-L90).
    expect(recording?.user_options).not.toHaveProperty("image");
    expect(notebookContainer(recording!.pod).image).toBe(
      "quay.io/jupyter/minimal-notebook:2025-01-06",
    );
  });

  test(
    "refuses an unlisted image that fails the regex, with the admin's message, and posts nothing",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      await page.getByRole("radio", { name: "Other image...", exact: true }).check();
      const field = page.getByRole("textbox", { name: "Custom image", exact: true });
      await field.fill("docker.io/someone/anything:latest");
      await page.getByRole("button", { name: "Start", exact: true }).click();

      const alert = page.getByRole("alert");
      await expect(alert).toBeVisible();
      await expect(alert).toContainText("Only images from quay.io/jupyter/, with a tag");
      await expect(field).toHaveAttribute("aria-invalid", "true");
      await expect(page).toHaveURL(spawnUrl(hub));

      // Correct it and start: exactly one spawn is recorded, the corrected one, so the refused
      // attempt never reached KubeSpawner.
      await field.fill("quay.io/jupyter/r-notebook:2025-01-06");
      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 1);
      const [recording] = recordings(hub.recordDir, user);
      expect(recording?.user_options["image--unlisted-choice"]).toBe(
        "quay.io/jupyter/r-notebook:2025-01-06",
      );
    },
  );

  test("preselects the saved options on the next spawn", async ({ page, hub, user }) => {
    await signIn(page, hub, user);
    await expectMounted(page);
    await page.getByRole("radio", { name: "PyTorch", exact: true }).check();
    await page.getByRole("radio", { name: "Large (4 CPUs, 16 GB)", exact: true }).check();
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expectServerPage(page, hub, user);
    await expectRecordings(hub, user, 1);

    await stopServer(hub, user);
    await openSpawnPage(page, hub);
    await expect(
      page.getByRole("radio", { name: "Python environment", exact: true }),
    ).toBeChecked();
    await expect(page.getByRole("radio", { name: "PyTorch", exact: true })).toBeChecked();
    await expect(
      page.getByRole("radio", { name: "Large (4 CPUs, 16 GB)", exact: true }),
    ).toBeChecked();
    await page.getByRole("button", { name: "Start", exact: true }).click();

    await expectServerPage(page, hub, user);
    await expectRecordings(hub, user, 2);
    const second = recordings(hub.recordDir, user)[1];
    expect(second?.user_options).toEqual({
      profile: "python",
      image: "pytorch",
      resources: "large",
    });
  });

  test(
    "never sends kubespawner_override to the browser",
    { tag: "@smoke" },
    async ({ page, hub, user }) => {
      // The secret does reach the pod: the test would be vacuous if the profile lost it.
      const profiles = readFileSync(path.join(REPO_ROOT, "e2e/hub/profiles/default.yaml"), "utf8");
      expect(profiles).toContain(SECRET);

      await signIn(page, hub, user);
      await expectMounted(page);
      const served = await (await page.request.get(spawnUrl(hub))).text();
      expect(served).toContain("launchpad-spawn-data");
      expect(served).not.toContain(SECRET);
      expect(served).not.toContain("E2E_SECRET_TOKEN");
      expect(served).not.toContain("kubespawner_override");
      expect(await page.content()).not.toContain(SECRET);

      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 1);
      const env = notebookContainer(recordings(hub.recordDir, user)[0]!.pod).env ?? [];
      expect(env).toContainEqual({ name: "E2E_SECRET_TOKEN", value: SECRET });
    },
  );

  test(
    "the companion's API answers as the signed-in user and refuses without a session",
    { tag: "@smoke" },
    async ({ page, hub, user, playwright }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      const me = await page.evaluate(async (url) => {
        const response = await fetch(url, { credentials: "same-origin" });
        return { status: response.status, body: (await response.json()) as unknown };
      }, `${hub.url}services/launchpad/api/me`);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ name: user });

      const anonymous = await playwright.request.newContext();
      try {
        const response = await anonymous.get(`${hub.url}services/launchpad/api/me`, {
          maxRedirects: 0,
        });
        expect(response.status()).toBe(401);
      } finally {
        await anonymous.dispose();
      }
    },
  );

  for (const colorScheme of ["light", "dark"] as const) {
    test(`has no accessibility violations in the Launchpad root (${colorScheme})`, async ({
      page,
      hub,
      user,
    }) => {
      // JupyterHub 5 follows the browser's preference (its darkmode.js sets data-bs-theme).
      await page.emulateMedia({ colorScheme });
      await signIn(page, hub, user);
      await expectMounted(page);
      await expect(page.locator("html")).toHaveAttribute("data-bs-theme", colorScheme);
      await expect(
        page.getByRole("radio", { name: "Python environment", exact: true }),
      ).toBeVisible();
      const initial = await new AxeBuilder({ page }).include("#launchpad-root").analyze();
      expect(initial.violations).toEqual([]);

      // The unlisted field and its error message too.
      await page.getByRole("radio", { name: "Other image...", exact: true }).check();
      await page.getByRole("textbox", { name: "Custom image", exact: true }).fill("not an image");
      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expect(page.getByRole("alert")).toBeVisible();
      const withError = await new AxeBuilder({ page }).include("#launchpad-root").analyze();
      expect(withError.violations).toEqual([]);
    });
  }

  test("the server-rendered form is usable before the page's code arrives, and is taken over without moving anything", async ({
    page,
    hub,
    user,
  }) => {
    await signIn(page, hub, user);
    await expectMounted(page);
    // Hold the page's code back: what the user sees first is the glue's form.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/services/launchpad/static/launchpad.js", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(spawnUrl(hub));
    await expect(page.locator("#launchpad-root")).toHaveAttribute(
      "data-launchpad-state",
      "loading",
    );
    await expect(page.getByRole("button", { name: "Start", exact: true })).toHaveCount(1);
    expect(
      (await new AxeBuilder({ page }).include("#launchpad-root").analyze()).violations,
    ).toEqual([]);
    // The user picks something before the page loads.
    await page.getByRole("radio", { name: "PyTorch", exact: true }).check();
    const layout = () =>
      page.evaluate(() => {
        const boxes: Record<string, number[]> = {};
        const root = document.getElementById("launchpad-root")!;
        for (const element of root.querySelectorAll<HTMLElement>(
          "legend, label, .card, .form-select, input[type=text], button[type=submit]",
        )) {
          const box = element.getBoundingClientRect();
          if (box.width === 0 || box.height === 0) continue;
          const key = `${element.tagName} ${element.className} ${element.textContent?.trim()}`;
          boxes[key] = [box.x, box.y, box.width, box.height].map(Math.round);
        }
        return boxes;
      });
    const before = await layout();
    release();
    await expectMounted(page);
    const after = await layout();
    const shared = Object.keys(before).filter((key) => key in after);
    expect(shared.length).toBeGreaterThan(10);
    for (const key of shared) expect(after[key], key).toEqual(before[key]);
    // What the user chose survived the takeover.
    await expect(page.getByRole("radio", { name: "PyTorch", exact: true })).toBeChecked();
  });
});
