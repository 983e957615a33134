/**
 * Starting a project on the user pods of production hubs, through the real hub: each real-hub
 * fixture's own storage settings, uid and init containers, built as z2jh 4.3.3 and 2i2c's basehub
 * build them (E2E_HUB_VALUES, e2e/hub/z2jh_singleuser.py), with basehub's modify_pod_hook run as the
 * admin's hook before the glue. These pods mount one NFS home at /home/jovyan AND /home/rstudio,
 * the read-only `_shared` folder below both, admins' whole-volume `allusers` and writable `_shared`,
 * and run root init containers (basehub's volume-mount-ownership-fix and block-nfs-access, z2jh's
 * block-cloud-metadata). Every home mount must be narrowed, nothing else touched, the seed must run
 * after every privileged init container, and the companion must find the pod by the glue's labels.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import type { Page } from "@playwright/test";
import { projectId } from "../../contract/projects.ts";
import {
  expect,
  expectMounted,
  expectRecordings,
  signIn,
  test,
  useOwnStack,
} from "../support/fixtures.ts";
import { notebookContainer, recordings, type PodManifest } from "../support/manifests.ts";
import { REAL_HUBS_DIR, type StackInfo } from "../support/stack.ts";

const ID = projectId("gh", "binder-examples/requirements");
const LABEL = "launchpad.jupyter.org/";

/**
 * KubeSpawner 7.1's `{escaped_username}`: escapism with [a-z0-9] safe and "-" as the escape
 * character (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L1929-L1931),
 * so the e2e users' "u-<hex>" becomes "u-2d<hex>".
 */
function escapedUsername(user: string): string {
  return user.replace(/-/g, "-2d");
}

type Mount = { name: string; mountPath: string; subPath?: string; readOnly?: boolean };

function mountsOf(pod: PodManifest, container: string): Map<string, Mount> {
  const all = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  const found = all.find((c) => c.name === container);
  if (!found) throw new Error(`no container ${container}`);
  return new Map(((found.volumeMounts ?? []) as Mount[]).map((m) => [m.mountPath, m]));
}

async function startOnProject(page: Page, hub: StackInfo): Promise<void> {
  const action = await page.locator("form#spawn_form").getAttribute("action");
  const response = await page.request.post(new URL(action!, hub.origin).href, {
    multipart: {
      profile: "python",
      "profile-option-python--image": "scipy",
      "profile-option-python--resources": "small",
      "profile-option-python--launchpad-project": ID,
    },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(302);
}

/** A hub admin (c.Authenticator.admin_users): basehub mounts more of the home volume for them. */
const ADMIN = "hubadmin";

/** The init containers that may run as root or privileged: all of them must run before the seed. */
function privilegedInitContainers(pod: PodManifest): string[] {
  return (pod.spec.initContainers ?? []).flatMap((container) => {
    const security = (container as { securityContext?: Record<string, unknown> }).securityContext;
    return security?.runAsUser === 0 || security?.privileged === true ? [container.name] : [];
  });
}

/** What the test checks of the pod the hub made and of what the companion saw. */
async function startAndObserve(page: Page, hub: StackInfo, user: string) {
  await signIn(page, hub, user);
  await expectMounted(page);
  await startOnProject(page, hub);
  await expectRecordings(hub, user, 1);
  const pod = recordings(hub.recordDir, user)[0]!.pod;
  const notebook = mountsOf(pod, notebookContainer(pod).name);
  const fix = mountsOf(pod, "volume-mount-ownership-fix");
  const init = (pod.spec.initContainers ?? []).map((c) => c.name);
  const privileged = privilegedInitContainers(pod);
  // KubeSpawner creates the pod in the Kubernetes double just after the recording is written.
  const running = async () => {
    const response = await page.request.get(`${hub.url}services/launchpad/api/projects`);
    const list = (await response.json()) as { running_project_ids?: string[] };
    return { status: response.status(), running: list.running_project_ids };
  };
  await expect.poll(async () => (await running()).running?.length ?? 0).toBeGreaterThan(0);
  return {
    // Every mount of the home volume in the notebook container, by path.
    notebookHomeVolume: Object.fromEntries(
      [...notebook.values()].filter((m) => m.name === "home").map((m) => [m.mountPath, m]),
    ),
    // basehub's root ownership fix mounts the home with its subPath, and _shared.
    ownershipFix: Object.fromEntries([...fix.values()].map((m) => [m.mountPath, m.subPath])),
    privileged: [...privileged].sort(),
    // Every privileged init container runs before the seed (the seed runs the user's image).
    privilegedAfterSeed: privileged.filter(
      (name) => init.indexOf(name) > init.indexOf("launchpad-seed"),
    ),
    seedMounts: [...mountsOf(pod, "launchpad-seed").values()].map((m) => [m.name, m.subPath]),
    userLabel: pod.metadata.labels?.[`${LABEL}user`],
    homeSubPathAnnotation: pod.metadata.annotations?.[`${LABEL}home-subpath`],
    // The companion finds the server by the glue's labels (the pod is in the Kubernetes double,
    // created as KubeSpawner creates it).
    companion: await running(),
  };
}

/**
 * What a hub built from `fixture` must give: both home mounts narrowed; `_shared` (read-only),
 * nasa-veda's `_shared-public`, admins' writable `_shared` and whole-volume `allusers` untouched.
 */
function expectedFor(user: string, admin: boolean, fixture: string) {
  const hub = HUBS[fixture]!;
  const home = escapedUsername(user);
  const narrowed = `${home}/projects/${ID}`;
  const mount = (mountPath: string, subPath?: string, readOnly?: boolean) => ({
    name: "home",
    mountPath,
    ...(subPath === undefined ? {} : { subPath }),
    ...(readOnly === undefined ? {} : { readOnly }),
  });
  const mounts = [
    mount("/home/jovyan", narrowed),
    mount("/home/rstudio", narrowed),
    mount("/home/jovyan/shared", "_shared", true),
    mount("/home/rstudio/shared", "_shared", true),
    ...(hub.sharedPublic
      ? [
          // nasa-veda's own, writable.
          mount("/home/jovyan/shared-public", "_shared-public", false),
          mount("/home/rstudio/shared-public", "_shared-public", false),
        ]
      : []),
    ...(admin
      ? [
          mount("/home/jovyan/shared-readwrite", "_shared"),
          mount("/home/rstudio/shared-readwrite", "_shared"),
        ]
      : []),
    ...(admin && hub.allusers
      ? [
          mount("/home/jovyan/allusers", undefined, hub.allusersReadOnly),
          mount("/home/rstudio/allusers", undefined, hub.allusersReadOnly),
        ]
      : []),
  ];
  return {
    notebookHomeVolume: Object.fromEntries(mounts.map((m) => [m.mountPath, m])),
    ownershipFix: { "/home/jovyan": narrowed, "/home/jovyan/shared": "_shared" },
    privileged: [
      "block-nfs-access",
      "volume-mount-ownership-fix",
      ...(hub.blocksCloudMetadata ? ["block-cloud-metadata"] : []),
    ].sort(),
    privilegedAfterSeed: [],
    seedMounts: [["home", home]],
    userLabel: createHash("sha256").update(user).digest("hex").slice(0, 40),
    homeSubPathAnnotation: home,
    companion: { status: 200, running: [ID] },
  };
}

/** What each fixture says: shared-public folders, admins' whole-volume mount, cloudMetadata. */
interface HubFacts {
  sharedPublic: boolean;
  allusers: boolean;
  /** The fixture's own `readOnly` on admins' allusers mounts (undefined: not set). */
  allusersReadOnly?: boolean;
  blocksCloudMetadata: boolean;
}

const HUBS: Record<string, HubFacts> = {
  "nasa-veda-common.values.yaml": {
    sharedPublic: true,
    allusers: true,
    allusersReadOnly: false,
    blocksCloudMetadata: false,
  },
  "openscapeshub-common.values.yaml": {
    sharedPublic: false,
    allusers: true,
    blocksCloudMetadata: false,
  },
  "projectpythia-common.values.yaml": {
    sharedPublic: false,
    allusers: false,
    blocksCloudMetadata: true,
  },
};

for (const fixture of Object.keys(HUBS)) {
  test.describe(`a project on ${fixture}'s user pods`, () => {
    useOwnStack({ hubValues: path.join(REAL_HUBS_DIR, fixture), adminUsers: [ADMIN] });

    test("a user's every home mount is narrowed, nothing else", async ({ page, hub, user }) => {
      expect(await startAndObserve(page, hub, user)).toEqual(expectedFor(user, false, fixture));
    });

    test("an admin's every home mount is narrowed, nothing else", async ({ page, hub }) => {
      expect(await startAndObserve(page, hub, ADMIN)).toEqual(expectedFor(ADMIN, true, fixture));
    });
  });
}
