/**
 * The profile form's state and everything derived from it, as pure functions: what is selected,
 * what is invalid, and the exact fields KubeSpawner parses (`_options_from_form` and
 * `_validate_user_options`, https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3600-L3722).
 */
import {
  PROJECT_OPTION_KEY,
  UNLISTED_CHOICE_SENTINEL,
  UNLISTED_CHOICE_SUFFIX,
  optionFieldName,
  unlistedFieldName,
  type Profile,
  type ProfileOption,
} from "../../../../contract/spawn-page.ts";
import { BUILD_CHOICE } from "./option-entries.ts";
import { unlistedValueMatches } from "./unlisted-check.ts";

export interface OptionSelection {
  /**
   * A choice key, UNLISTED_CHOICE_SENTINEL for "Other...", BUILD_CHOICE for "Build from a
   * repository", or null when nothing can be chosen.
   */
  choice: string | null;
  /** The free text, kept while the user flips between a listed choice and "Other...". */
  unlisted: string;
  /** With BUILD_CHOICE: the image built for this option, once there is one. */
  built?: string | null;
}

export interface ProfileFormState {
  profileSlug: string;
  /** Only what differs from the defaults, keyed by selectionKey(); each profile keeps its own. */
  selections: ReadonlyMap<string, OptionSelection>;
  /** Posted as the selected profile's `launchpad-project` option for the hub glue. */
  projectId: string | null;
}

export function selectionKey(profileSlug: string, optionKey: string): string {
  return JSON.stringify([profileSlug, optionKey]);
}

export function defaultProfile(profiles: readonly Profile[]): Profile {
  // The contract guarantees at least one profile; KubeSpawner falls back to the first
  // (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3864-L3866).
  return profiles.find((p) => p.default) ?? (profiles[0] as Profile);
}

export function selectedProfile(profiles: readonly Profile[], state: ProfileFormState): Profile {
  return profiles.find((p) => p.slug === state.profileSlug) ?? defaultProfile(profiles);
}

function defaultChoice(option: ProfileOption): string | null {
  return (option.choices.find((c) => c.default) ?? option.choices[0])?.key ?? null;
}

/** True when the free-text field is what this option posts. */
export function usesUnlisted(option: ProfileOption, selection: OptionSelection): boolean {
  if (!option.unlisted_choice.enabled || selection.choice === BUILD_CHOICE) return false;
  return option.choices.length === 0 || selection.choice === UNLISTED_CHOICE_SENTINEL;
}

export function optionSelection(
  state: ProfileFormState,
  profileSlug: string,
  option: ProfileOption,
): OptionSelection {
  return (
    state.selections.get(selectionKey(profileSlug, option.key)) ?? {
      choice: defaultChoice(option),
      unlisted: "",
    }
  );
}

/**
 * The form as the saved user_options describe it. Values set through the REST API are not always
 * strings (the REST body is stored as it came, https://github.com/jupyterhub/jupyterhub/blob/5.5.1/jupyterhub/apihandlers/users.py#L666-L667),
 * so anything else is ignored; a profile or choice that no longer
 * exists falls back to the default, where KubeSpawner 7.1's own form would preselect nothing.
 */
export function initialFormState(
  profiles: readonly Profile[],
  userOptions: Record<string, unknown>,
): ProfileFormState {
  const saved = (key: string): string | undefined => {
    const value = Object.hasOwn(userOptions, key) ? userOptions[key] : undefined;
    return typeof value === "string" ? value : undefined;
  };
  const savedSlug = saved("profile");
  const savedProfile = profiles.find((p) => p.slug === savedSlug);
  // Without a saved `profile`, KubeSpawner applies saved options to the default profile
  // (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3733-L3735, https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3896-L3898).
  const profile = savedProfile ?? (savedSlug === undefined ? defaultProfile(profiles) : undefined);
  const selections = new Map<string, OptionSelection>();
  for (const option of profile?.profile_options ?? []) {
    const unlisted = saved(option.key + UNLISTED_CHOICE_SUFFIX);
    const choice = saved(option.key);
    if (unlisted && option.unlisted_choice.enabled) {
      selections.set(selectionKey(profile!.slug, option.key), {
        choice: option.choices.length ? UNLISTED_CHOICE_SENTINEL : null,
        unlisted,
      });
    } else if (choice !== undefined && option.choices.some((c) => c.key === choice)) {
      selections.set(selectionKey(profile!.slug, option.key), { choice, unlisted: "" });
    }
  }
  return {
    profileSlug: (savedProfile ?? defaultProfile(profiles)).slug,
    selections,
    projectId: null,
  };
}

export interface OptionError {
  profileSlug: string;
  optionKey: string;
  message: string;
}

export const DEFAULT_UNLISTED_MESSAGE = "This value is not accepted here.";

/** Why an option's current value would be refused, or null. `strict` also reports empty required text. */
export function optionError(
  option: ProfileOption,
  selection: OptionSelection,
  strict: boolean,
): string | null {
  if (selection.choice === BUILD_CHOICE) {
    if (!selection.built)
      return strict
        ? `Build an image first, or choose another ${option.display_name.toLowerCase()}.`
        : null;
    return checkFreeText(option, selection.built);
  }
  if (!usesUnlisted(option, selection)) return null;
  const text = selection.unlisted.trim();
  if (!text) {
    // With no choices KubeSpawner cannot pick a default and the start fails
    // (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3815-L3820).
    if (!strict) return null;
    return option.choices.length
      ? `Enter a value for ${option.display_name}, or pick one from the list.`
      : `Enter a value for ${option.display_name}.`;
  }
  return checkFreeText(option, text);
}

/** The admin's validation_regex, as KubeSpawner applies it to a free-text value (or a built image). */
function checkFreeText(option: ProfileOption, text: string): string | null {
  const regex = option.unlisted_choice.validation_regex;
  // Only a certain "no" blocks (null: not loaded yet, or only Python can tell).
  if (regex && unlistedValueMatches(regex, text) === false) {
    return option.unlisted_choice.validation_message || DEFAULT_UNLISTED_MESSAGE;
  }
  return null;
}

/** Every reason the selected profile cannot be submitted, in page order. */
export function formErrors(profiles: readonly Profile[], state: ProfileFormState): OptionError[] {
  const profile = selectedProfile(profiles, state);
  const errors: OptionError[] = [];
  for (const option of profile.profile_options) {
    const message = optionError(option, optionSelection(state, profile.slug, option), true);
    if (message) errors.push({ profileSlug: profile.slug, optionKey: option.key, message });
  }
  return errors;
}

/**
 * Exactly the fields KubeSpawner's `options_from_form` reads (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3631-L3648), for the
 * selected profile only: the choice or the trimmed free text, never both and never the sentinel.
 */
export function toFormFields(
  profiles: readonly Profile[],
  state: ProfileFormState,
): Array<[string, string]> {
  const profile = selectedProfile(profiles, state);
  const fields: Array<[string, string]> = [["profile", profile.slug]];
  for (const option of profile.profile_options) {
    const selection = optionSelection(state, profile.slug, option);
    if (selection.choice === BUILD_CHOICE) {
      if (selection.built)
        fields.push([unlistedFieldName(profile.slug, option.key), selection.built]);
    } else if (usesUnlisted(option, selection)) {
      const text = selection.unlisted.trim();
      if (text) fields.push([unlistedFieldName(profile.slug, option.key), text]);
    } else if (
      selection.choice !== null &&
      option.choices.some((c) => c.key === selection.choice)
    ) {
      fields.push([optionFieldName(profile.slug, option.key), selection.choice]);
    }
  }
  const projectOptionTaken = profile.profile_options.some((o) => o.key === PROJECT_OPTION_KEY);
  if (state.projectId && !projectOptionTaken) {
    fields.push([optionFieldName(profile.slug, PROJECT_OPTION_KEY), state.projectId]);
  }
  return fields;
}
