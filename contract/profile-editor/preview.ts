/**
 * The spawn page a member of some groups would get from a document: the glue's group filter
 * (`visibleTo`) and its allow-listed projection `public_profiles` (chart/files/launchpad_glue.py),
 * with KubeSpawner's defaults (`_get_initialized_profile_list`: the first profile, and the first
 * choice of an option, are the defaults when none is marked). The test suite runs the glue's own
 * Python on the same list and compares.
 */
import type { Profile } from "../spawn-page.ts";
import { toKubeSpawnerProfileList, visibleTo } from "./kubespawner.ts";
import type { KubeSpawnerProfile, ProfileBounds, ProfileDocument } from "./schema.ts";

/** The glue's `public_profiles` for lists with slugs (the companion always writes them). */
export function spawnPageProfiles(profiles: readonly KubeSpawnerProfile[]): Profile[] {
  const out: Profile[] = profiles.map((profile) => ({
    slug: profile.slug,
    display_name: profile.display_name || profile.slug,
    ...(profile.description ? { description: profile.description } : {}),
    default: Boolean(profile.default),
    profile_options: Object.entries(profile.profile_options).map(([key, option]) => {
      const choices = Object.entries(option.choices).map(([choiceKey, choice]) => ({
        key: choiceKey,
        display_name: choice.display_name || choiceKey,
        ...(choice.description ? { description: choice.description } : {}),
        default: Boolean(choice.default),
      }));
      const first = choices[0];
      if (first && !choices.some((c) => c.default)) first.default = true;
      const source = option.unlisted_choice;
      const unlisted: Profile["profile_options"][number]["unlisted_choice"] = {
        enabled: Boolean(source?.enabled),
      };
      if (unlisted.enabled) {
        unlisted.display_name_in_choices = "Other...";
        if (source?.display_name) unlisted.display_name = source.display_name;
        if (source?.validation_regex) unlisted.validation_regex = source.validation_regex;
        if (source?.validation_message) unlisted.validation_message = source.validation_message;
      }
      return {
        key,
        display_name: option.display_name || key,
        choices,
        unlisted_choice: unlisted,
        ...(option.dynamic_image_building
          ? { dynamic_image_building: { enabled: option.dynamic_image_building.enabled } }
          : {}),
      };
    }),
  }));
  const first = out[0];
  if (first && !out.some((p) => p.default)) first.default = true;
  return out;
}

/** What a user in `groups` sees on the spawn page once `document` is published. */
export function previewProfiles(
  document: ProfileDocument,
  bounds: ProfileBounds,
  groups: readonly string[],
): Profile[] {
  return spawnPageProfiles(
    toKubeSpawnerProfileList(document, bounds).filter((profile) => visibleTo(profile, groups)),
  );
}
