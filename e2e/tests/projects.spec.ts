/**
 * "Your Projects" through the real hub, KubeSpawner, the glue, the companion and the test cluster
 * (a real kube-apiserver; the test kubelet runs removal Jobs on host folders), on both home-storage
 * shapes z2jh hubs use: a claim per user (storage.type=dynamic, no
 * subPath) and one shared volume with a per-user subPath (storage.type=static, 2i2c's NFS homes).
 *
 * One user walks through the whole life of two projects, so the tests of a shape run in order:
 * build and start A → build and start B → A again from the table (same folder) → with A running,
 * delete B from a named server's spawn page (a removal Job removes exactly that folder; done when
 * the Job succeeds) → deleting A is refused → another user sees and deletes nothing.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { projectId } from "../../contract/projects.ts";
import type { BuildSource } from "../../contract/providers/catalog.ts";
import {
  buildUntilReady,
  claimFolder,
  expectedImageName,
  jobs,
  listObjects,
  pauseKubelet,
  resumeKubelet,
  userPods,
} from "../support/doubles.ts";
import {
  expect,
  expectMounted,
  expectRecordings,
  expectServerPage,
  openSpawnPage,
  signIn,
  stopServer,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import { notebookContainer, recordings, type PodManifest } from "../support/manifests.ts";
import type { StackInfo } from "../support/stack.ts";

const A: BuildSource = { provider: "gh", repo: "e2e-org/cached-analysis", ref: "main" };
const B: BuildSource = { provider: "gh", repo: "e2e-org/cached-paper", ref: "HEAD" };
const NAME_A = "e2e-org/cached-analysis";
const NAME_B = "e2e-org/cached-paper";
const ID_A = projectId(A.provider, A.repo);
const ID_B = projectId(B.provider, B.repo);
const ANNOTATION = "launchpad.jupyter.org/";

interface Shape {
  storage: "dynamic" | "shared";
  /** The home volume's name in the pod. */
  volumeName: (user: string) => string;
  /** Its source, as the glue records it and the removal Job mounts it. */
  volumeSource: (user: string) => Record<string, unknown>;
  /** The home mount's own subPath (the user's home root on the volume); "" for none. */
  homeRoot: (user: string) => string;
}

const SHAPES: Shape[] = [
  {
    storage: "dynamic",
    volumeName: (user) => `volume-${user}`,
    volumeSource: (user) => ({ persistentVolumeClaim: { claimName: `claim-${user}` } }),
    homeRoot: () => "",
  },
  {
    storage: "shared",
    volumeName: () => "home",
    volumeSource: () => ({ persistentVolumeClaim: { claimName: "home-nfs" } }),
    homeRoot: (user) => user,
  },
];

/** A volume mount as Kubernetes writes it: no `subPath` key when there is none. */
function mount(name: string, mountPath: string, subPath: string) {
  return subPath === "" ? { name, mountPath } : { name, mountPath, subPath };
}

function underRoot(root: string, folder: string): string {
  return root === "" ? folder : `${root}/${folder}`;
}

function homeMount(pod: PodManifest) {
  return notebookContainer(pod).volumeMounts?.find((m) => m.mountPath === "/home/jovyan");
}

function projectsTable(page: Page) {
  return page.getByRole("table", { name: "Your projects" });
}

/** The project id the page posted (profile-option-<slug>--launchpad-project). */
function postedProjectId(options: Record<string, unknown>): unknown {
  return options["launchpad-project"];
}

/** Signs in and lands on the spawn page of the named server `server` (the default one may run). */
async function signInToNamedServer(page: Page, hub: StackInfo, user: string, server: string) {
  const target = `${hub.baseUrl}hub/spawn/${user}/${server}`;
  const meOk = page.waitForResponse(
    (r) => r.url().startsWith(`${hub.url}services/launchpad/api/me`) && r.status() === 200,
  );
  await page.goto(`${hub.url}hub/login?next=${encodeURIComponent(target)}`);
  await page.getByLabel("Username:").fill(user);
  await page.getByLabel("Password:").fill("any password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await meOk;
  await expect(page).toHaveURL(`${hub.origin}${target}`);
  await expectMounted(page);
}

/** A call to the companion from the page itself (same origin, its session cookie, its CSRF token). */
async function companionCall(
  page: Page,
  hub: StackInfo,
  method: "GET" | "DELETE",
  path: string,
): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ({ base, method, path }) => {
      const me = (await (await fetch(`${base}api/me`)).json()) as { csrf_token: string };
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { "X-Launchpad-CSRF": me.csrf_token },
      });
      return { status: response.status, body: (await response.json()) as unknown };
    },
    { base: `${hub.url}services/launchpad/`, method, path },
  );
}

for (const shape of SHAPES) {
  test.describe(`your projects on ${shape.storage} home storage`, () => {
    test.describe.configure({ mode: "serial" });
    useOwnStack({ profiles: "build.yaml", storage: shape.storage, namedServers: true });
    const user = `p-${randomBytes(4).toString("hex")}`;
    const root = shape.homeRoot(user);
    let imageA = "";

    test(
      "build → start records the project, mounts projects/<id> as home, seeds it and annotates the pod",
      { tag: "@smoke" },
      async ({ page, hub }) => {
        await signIn(page, hub, user);
        await expectMounted(page);
        imageA = await buildUntilReady(page, A);
        expect(imageA).toBe(expectedImageName(A));
        await page.getByRole("button", { name: "Start", exact: true }).click();
        await expectServerPage(page, hub, user);
        await expectRecordings(hub, user, 1);

        const [recording] = recordings(hub.recordDir, user);
        expect(postedProjectId(recording!.user_options)).toBe(ID_A);
        const pod = recording!.pod;
        expect(notebookContainer(pod).image).toBe(imageA);
        expect(homeMount(pod)).toEqual(
          mount(shape.volumeName(user), "/home/jovyan", underRoot(root, `projects/${ID_A}`)),
        );
        const seed = pod.spec.initContainers?.find((c) => c.name === "launchpad-seed");
        expect(seed?.image).toBe(imageA);
        expect(seed?.env).toContainEqual({ name: "LAUNCHPAD_PROJECT_ID", value: ID_A });
        // The seed container sees the home root, and creates projects/<id> in it itself.
        expect(seed?.volumeMounts).toEqual([
          mount(shape.volumeName(user), "/launchpad/home", root),
        ]);
        const annotations = pod.metadata.annotations ?? {};
        expect(annotations[`${ANNOTATION}project-id`]).toBe(ID_A);
        expect(JSON.parse(annotations[`${ANNOTATION}home-volume`] ?? "null")).toEqual(
          shape.volumeSource(user),
        );
        expect(annotations[`${ANNOTATION}home-subpath`]).toBe(root);
        expect(annotations[`${ANNOTATION}home-mount-path`]).toBe("/home/jovyan");

        // KubeSpawner created the same pod in the cluster (the real API server accepted the glue's
        // init container and mounts), where the companion reads it; and, on dynamic storage, the claim.
        const [running] = await userPods(hub, user);
        expect(running?.metadata.name).toBe(pod.metadata.name);
        expect(running?.metadata.annotations?.[`${ANNOTATION}project-id`]).toBe(ID_A);
        await expect
          .poll(async () => (await userPods(hub, user))[0]?.status?.phase, { message: "the pod" })
          .toBe("Running");
        const claims = await listObjects(hub, "persistentvolumeclaims", hub.doubles!.hubNamespace);
        expect(claims.map((c) => c.metadata.name)).toEqual(
          shape.storage === "dynamic" ? [`claim-${user}`] : [],
        );

        await stopServer(hub, user);
        await expect.poll(async () => (await userPods(hub, user)).length).toBe(0);
        await openSpawnPage(page, hub);
        await expect(projectsTable(page).getByRole("link", { name: NAME_A })).toBeVisible();
      },
    );

    test("a second project, then the first again from the table: same id, same folder", async ({
      page,
      hub,
    }) => {
      await signIn(page, hub, user);
      await expectMounted(page);
      const imageB = await buildUntilReady(page, B);
      await page.getByRole("button", { name: "Start", exact: true }).click();
      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 2);
      const second = recordings(hub.recordDir, user)[1]!;
      expect(postedProjectId(second.user_options)).toBe(ID_B);
      expect(notebookContainer(second.pod).image).toBe(imageB);
      expect(homeMount(second.pod)?.subPath).toBe(underRoot(root, `projects/${ID_B}`));
      await stopServer(hub, user);

      await openSpawnPage(page, hub);
      const table = projectsTable(page);
      await expect(table.getByRole("link", { name: NAME_B })).toBeVisible();
      await table.getByRole("button", { name: `Start ${NAME_A}`, exact: true }).click();
      await expectServerPage(page, hub, user);
      await expectRecordings(hub, user, 3);
      const [first, , third] = recordings(hub.recordDir, user);
      expect(postedProjectId(third!.user_options)).toBe(ID_A);
      expect(notebookContainer(third!.pod).image).toBe(imageA);
      expect(homeMount(third!.pod)).toEqual(homeMount(first!.pod));
      expect(homeMount(third!.pod)?.subPath).toBe(underRoot(root, `projects/${ID_A}`));
      // The server stays up on A for the next tests.
      await expect.poll(async () => (await userPods(hub, user)).length).toBe(1);
    });

    test("deleting the second runs a Job that removes exactly projects/<id>, and then it is gone", async ({
      page,
      hub,
    }) => {
      await signInToNamedServer(page, hub, user, "other");
      const table = projectsTable(page);
      await expect(table.getByRole("link", { name: NAME_B })).toBeVisible();
      // Work in both projects' folders, on the host folder the test kubelet gives the volume.
      const claim = (shape.volumeSource(user).persistentVolumeClaim as { claimName: string })
        .claimName;
      const home = path.join(claimFolder(hub, claim), root);
      for (const id of [ID_A, ID_B]) {
        mkdirSync(path.join(home, "projects", id), { recursive: true });
        writeFileSync(path.join(home, "projects", id, "work.ipynb"), "{}");
      }
      // As on a real volume, owned by the notebook user the removal Job runs as (the kubelet runs it
      // with setpriv, as root).
      execFileSync("chown", ["-R", "1000:100", home]);
      await pauseKubelet(hub); // so the Job waits while the page says it is deleting
      await table.getByRole("button", { name: `Delete ${NAME_B}`, exact: true }).click();
      const dialog = page.getByRole("dialog", { name: `Delete ${NAME_B}?` });
      await expect(dialog).toContainText(`the folder projects/${ID_B} in your home`);
      expect(await jobs(hub)).toEqual([]);
      await dialog
        .getByRole("button", { name: `Delete ${NAME_B} and its files`, exact: true })
        .click();
      await expect(dialog).toBeHidden();
      await expect(table.getByText("Deleting…")).toBeVisible();

      await expect.poll(async () => (await jobs(hub)).length, { message: "removal Jobs" }).toBe(1);
      const [job] = await jobs(hub);
      expect(job!.metadata.annotations?.[`${ANNOTATION}project-id`]).toBe(ID_B);
      const podSpec = job!.spec.template.spec;
      expect(podSpec.volumes).toEqual([{ name: "home", ...shape.volumeSource(user) }]);
      expect(podSpec.containers).toHaveLength(1);
      const remover = podSpec.containers[0]!;
      expect(remover.volumeMounts).toEqual([mount("home", "/home-root", root)]);
      expect(remover.env).toContainEqual({ name: "PROJECT_ID", value: ID_B });
      const script = remover.command?.join("\n") ?? "";
      expect(script).toContain('target="$root/projects/$PROJECT_ID"');
      expect(script).toContain('rm -rf -- "$target"');

      // Still listed until the Job has done its work.
      await expect(table.getByRole("link", { name: NAME_B })).toBeVisible();
      resumeKubelet(hub);
      await expect(table.getByRole("link", { name: NAME_B })).toHaveCount(0);
      await expect(table.getByRole("link", { name: NAME_A })).toBeVisible();
      await expect.poll(async () => (await jobs(hub)).length, { message: "removal Jobs" }).toBe(0);
      expect(existsSync(path.join(home, "projects", ID_B))).toBe(false);
      expect(existsSync(path.join(home, "projects", ID_A, "work.ipynb"))).toBe(true);
    });

    test("deleting the project the running server uses is refused", async ({ page, hub }) => {
      await signInToNamedServer(page, hub, user, "other");
      const table = projectsTable(page);
      await expect(table.getByText("Running", { exact: true })).toBeVisible();
      await expect(
        table.getByRole("button", { name: `Delete ${NAME_A}`, exact: true }),
      ).toBeDisabled();
      await expect(
        table.getByText("A running server uses it: stop the server to delete it."),
      ).toBeVisible();
      // The companion refuses it too, whatever the page shows.
      const refused = await companionCall(page, hub, "DELETE", `api/projects/${ID_A}`);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({
        message:
          "This project is open in a running server. Stop the server, then delete the project.",
      });
      expect(await jobs(hub)).toEqual([]);
      await expect(table.getByRole("link", { name: NAME_A })).toBeVisible();
    });

    test("another user can neither see nor delete the project", async ({ browser, hub }) => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const other = `o-${randomBytes(4).toString("hex")}`;
        await signIn(page, hub, other);
        await expectMounted(page);
        await expect(page.getByText("You have no projects yet.", { exact: false })).toBeVisible();
        const own = await companionCall(page, hub, "GET", "api/projects");
        expect(own).toMatchObject({ status: 200, body: { user: other, projects: [] } });
        const theirs = await companionCall(page, hub, "GET", `api/projects?user=${user}`);
        expect(theirs.status).toBe(404);
        const deleted = await companionCall(page, hub, "DELETE", `api/projects/${ID_A}`);
        expect(deleted.status).toBe(404);
        expect(await jobs(hub)).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });
}
