/**
 * The profile lists of three production z2jh hubs (fixtures/real-hubs, unchanged upstream values
 * files): the page renders every profile, and starting each one with its default choices posts
 * what KubeSpawner accepts — a pod manifest is recorded carrying the overrides of those choices.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
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
import { notebookContainer, recordings } from "../support/manifests.ts";
import { REAL_HUBS_DIR } from "../support/stack.ts";

type Override = Record<string, unknown>;
interface Choice {
  display_name?: string;
  default?: boolean;
  kubespawner_override?: Override;
}
interface Option {
  choices?: Record<string, Choice>;
}
interface Profile {
  display_name: string;
  slug?: string;
  kubespawner_override?: Override;
  profile_options?: Record<string, Option>;
}

function profileList(file: string): Profile[] {
  const values = parse(readFileSync(file, "utf8")) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const list = (values.jupyterhub ?? values.basehub?.jupyterhub)?.singleuser?.profileList as Profile[] | undefined;
  if (!list?.length) throw new Error(`no profileList in ${file}`);
  return list;
}

/** python-slugify's result for these plain ASCII display names (hub-contracts.md §1.4). */
function slugOf(profile: Profile): string {
  return profile.slug ?? profile.display_name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
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

const HUBS = ["nasa-veda-common.values.yaml", "openscapeshub-common.values.yaml", "projectpythia-common.values.yaml"];

for (const file of HUBS) {
  test.describe(`real hub ${file}`, () => {
    const fixture = path.join(REAL_HUBS_DIR, file);
    useOwnStack({ profiles: fixture });

    test("renders every profile and starts each with its default choices", async ({ page, hub, user }) => {
      test.setTimeout(120_000);
      const profiles = profileList(fixture);
      await signIn(page, hub, user);

      for (const [index, profile] of profiles.entries()) {
        if (index > 0) {
          await stopServer(hub, user);
          await openSpawnPage(page, hub);
        }
        await expectMounted(page);
        if (profiles.length === 1) {
          await expect(page.getByRole("heading", { name: profile.display_name, exact: true })).toBeVisible();
        } else {
          for (const other of profiles) {
            await expect(page.getByRole("radio", { name: other.display_name, exact: true })).toBeVisible();
          }
          await page.getByRole("radio", { name: profile.display_name, exact: true }).check();
        }
        await page.getByRole("button", { name: "Start", exact: true }).click();

        await expectServerPage(page, hub, user);
        await expectRecordings(hub, user, index + 1);
        const recording = recordings(hub.recordDir, user)[index]!;
        expect(recording.user_options.profile).toBe(slugOf(profile));

        const expected = defaultOverrides(profile);
        const pod = recording.pod;
        const notebook = notebookContainer(pod);
        if (typeof expected.image === "string") expect(notebook.image).toBe(expected.image);
        if (typeof expected.mem_limit === "number") expect(notebook.resources?.limits?.memory).toBe(expected.mem_limit);
        if (typeof expected.cpu_limit === "number") expect(notebook.resources?.limits?.cpu).toBe(expected.cpu_limit);
        if (expected.node_selector) expect(pod.spec.nodeSelector).toMatchObject(expected.node_selector as Record<string, string>);
        if (Array.isArray(expected.init_containers)) {
          const names = (pod.spec.initContainers ?? []).map((c) => c.name);
          for (const init of expected.init_containers as Array<{ name: string }>) expect(names).toContain(init.name);
        }
        expect(pod.metadata.labels?.["admin-hook"]).toBe("ran");
      }
    });
  });
}
