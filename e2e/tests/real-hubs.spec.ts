/**
 * The profile lists of three production z2jh hubs (e2e/fixtures/real-hubs, unchanged upstream values
 * files): the page renders every profile, and starting each one with its default choices posts
 * what KubeSpawner accepts — a pod manifest is recorded carrying the overrides of those choices.
 */
import type { Page } from "@playwright/test";
import path from "node:path";
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
import { nodePools, profileList, type Override, type Profile } from "../support/real-hubs.ts";
import { REAL_HUBS_DIR } from "../support/stack.ts";

/**
 * python-slugify's result for these plain ASCII display names, as KubeSpawner makes missing slugs
 * (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3846-L3848).
 */
function slugOf(profile: Profile): string {
  return (
    profile.slug ??
    profile.display_name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
  );
}

/** The overrides KubeSpawner applies with no choice made: the profile's, then each option's default. */
function defaultOverrides(profile: Profile): Override {
  const applied: Override = { ...profile.kubespawner_override };
  for (const option of Object.values(profile.profile_options ?? {})) {
    const choices = Object.values(option.choices ?? {});
    const choice = choices.find((c) => c.default) ?? choices[0];
    Object.assign(applied, choice?.kubespawner_override);
  }
  return applied;
}

/** What the pod must carry, from the applied overrides (only the keys these hubs use). */
interface PodExpectation {
  image?: string;
  memLimit?: number;
  cpuLimit?: number;
  nodeSelector?: Record<string, string>;
  initContainers?: string[];
  adminHook: string;
}

function expectation(overrides: Override): PodExpectation {
  const expected: PodExpectation = { adminHook: "ran" };
  if (typeof overrides.image === "string") expected.image = overrides.image;
  if (typeof overrides.mem_limit === "number") expected.memLimit = overrides.mem_limit;
  if (typeof overrides.cpu_limit === "number") expected.cpuLimit = overrides.cpu_limit;
  if (overrides.node_selector)
    expected.nodeSelector = overrides.node_selector as Record<string, string>;
  if (Array.isArray(overrides.init_containers)) {
    expected.initContainers = (overrides.init_containers as Array<{ name: string }>).map(
      (c) => c.name,
    );
  }
  return expected;
}

/** The same fields read from the recorded pod, for the keys the expectation has. */
function observed(pod: PodManifest, expected: PodExpectation): PodExpectation {
  const notebook = notebookContainer(pod);
  const seen: PodExpectation = { adminHook: pod.metadata.labels?.["admin-hook"] ?? "(missing)" };
  if ("image" in expected) seen.image = notebook.image;
  if ("memLimit" in expected) seen.memLimit = notebook.resources?.limits?.memory as number;
  if ("cpuLimit" in expected) seen.cpuLimit = notebook.resources?.limits?.cpu as number;
  if ("nodeSelector" in expected) seen.nodeSelector = pod.spec.nodeSelector ?? {};
  if ("initContainers" in expected)
    seen.initContainers = (pod.spec.initContainers ?? []).map((c) => c.name);
  return seen;
}

/** A list of one profile shows it as a heading; several, as radios. */
async function chooseProfile(page: Page, profiles: Profile[], profile: Profile): Promise<void> {
  if (profiles.length === 1) {
    await expect(
      page.getByRole("heading", { name: profile.display_name, exact: true }),
    ).toBeVisible();
    return;
  }
  for (const other of profiles) {
    await expect(page.getByRole("radio", { name: other.display_name, exact: true })).toBeVisible();
  }
  await page.getByRole("radio", { name: profile.display_name, exact: true }).check();
}

const HUBS = [
  "nasa-veda-common.values.yaml",
  "openscapeshub-common.values.yaml",
  "projectpythia-common.values.yaml",
];

for (const file of HUBS) {
  test.describe(`real hub ${file}`, () => {
    const fixture = path.join(REAL_HUBS_DIR, file);
    // 2i2c's hubs keep homes on one NFS volume named "home" with a per-user subPath, and their
    // profiles' init containers mount it by that name: the test cluster's API server refuses a
    // pod whose init container mounts a volume the pod does not have (422).
    useOwnStack({
      profiles: fixture,
      storage: "shared",
      nodePools: nodePools(profileList(fixture)),
    });

    test("renders every profile and starts each with its default choices", async ({
      page,
      hub,
      user,
    }) => {
      test.setTimeout(120_000);
      const profiles = profileList(fixture);
      await signIn(page, hub, user);

      for (const [index, profile] of profiles.entries()) {
        await expectMounted(page);
        await chooseProfile(page, profiles, profile);
        await page.getByRole("button", { name: "Start", exact: true }).click();

        await expectServerPage(page, hub, user);
        await expectRecordings(hub, user, index + 1);
        const recording = recordings(hub.recordDir, user)[index]!;
        expect(recording.user_options.profile).toBe(slugOf(profile));
        const expected = expectation(defaultOverrides(profile));
        expect(observed(recording.pod, expected)).toEqual(expected);

        await stopServer(hub, user);
        await openSpawnPage(page, hub);
      }
    });
  });
}
