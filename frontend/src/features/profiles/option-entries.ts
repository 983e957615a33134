import {
  MAX_RADIOS,
  UNLISTED_CHOICE_SENTINEL,
  type ProfileOption,
} from "../../../../contract/spawn-page.ts";

/**
 * The page's own value for "Build from a repository": never posted. A built image is posted as
 * the option's free-text value, so the admin's validation_regex still guards it.
 */
export const BUILD_CHOICE = "launchpad-build";
/** Must match BUILD_CHOICE_LABEL in chart/files/launchpad_glue.py (the server-rendered form). */
export const BUILD_CHOICE_LABEL = "Build from a repository";

export interface OptionEntry {
  /** A choice key, UNLISTED_CHOICE_SENTINEL ("Other...") or BUILD_CHOICE. */
  key: string;
  label: string;
  description?: string | undefined;
}

/**
 * Whether an option takes built images: the admin turned on `dynamic_image_building` (the key
 * jupyterhub-fancy-profiles uses) and the option accepts a free-text value, which is how a built
 * image reaches KubeSpawner.
 */
export function canBuildImage(option: ProfileOption): boolean {
  return option.dynamic_image_building?.enabled === true && option.unlisted_choice.enabled;
}

/** What the option offers, in the order the glue's server-rendered form shows it. */
export function optionEntries(option: ProfileOption): OptionEntry[] {
  const entries: OptionEntry[] = option.choices.map((choice) => ({
    key: choice.key,
    label: choice.display_name,
    description: choice.description,
  }));
  const build = canBuildImage(option);
  if (option.unlisted_choice.enabled && (entries.length > 0 || build)) {
    entries.push({
      key: UNLISTED_CHOICE_SENTINEL,
      label: option.unlisted_choice.display_name_in_choices ?? "Other...",
    });
  }
  if (build) entries.push({ key: BUILD_CHOICE, label: BUILD_CHOICE_LABEL });
  return entries;
}

/** A few entries read best as radios; more as a searchable list. */
export function showsAsList(entries: readonly OptionEntry[]): boolean {
  return entries.length > MAX_RADIOS;
}
