/**
 * What KubeSpawner does with a spawn form POST, for local mode's demo hub: parse like
 * `_options_from_form` (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3600-L3663) and validate like
 * `_validate_user_options` (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3665-L3722),
 * plus the checks KubeSpawner leaves to a KeyError later (unknown choice) and the project id the
 * hub glue checks.
 */
import {
  UNLISTED_CHOICE_SENTINEL,
  UNLISTED_CHOICE_SUFFIX,
  PROJECT_OPTION_KEY,
  type Profile,
} from "../../../contract/spawn-page.ts";
// The glue checks the same pattern (PROJECT_ID_RE in chart/files/launchpad_glue.py).
import { PROJECT_ID_PATTERN } from "../../../contract/projects.ts";
import { compilePythonRegex } from "../../../contract/python-regex.ts";

/** JupyterHub's `formdata`: every body argument, all values (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/handlers/pages.py#L342-L346). */
export type FormData = Record<string, string[]>;

/** `options_from_form`: the first `profile` value, and keys under its prefix with the prefix cut. */
export function optionsFromForm(formdata: FormData): Record<string, string> {
  const slug = formdata.profile?.[0];
  const userOptions: Record<string, string> = {};
  if (!slug) return userOptions; // Python truthiness: "" means no profile
  userOptions.profile = slug;
  const prefix = `profile-option-${slug}--`;
  for (const [key, values] of Object.entries(formdata)) {
    const first = values[0];
    if (key.startsWith(prefix) && first !== undefined)
      userOptions[key.slice(prefix.length)] = first;
  }
  return userOptions;
}

export interface UserOptionsCheck {
  /** Why KubeSpawner would refuse the form; empty when it would start the server. */
  problems: string[];
  /** What the demo could not check the way KubeSpawner would (it has no Python). */
  unchecked: string[];
}

/** What KubeSpawner would make of `userOptions`. */
export function validateUserOptions(
  userOptions: Record<string, string>,
  profiles: readonly Profile[],
): UserOptionsCheck {
  const unchecked: string[] = [];
  const refuse = (problem: string): UserOptionsCheck => ({ problems: [problem], unchecked });
  const slug = userOptions.profile;
  if (!slug) return refuse("No profile was chosen (the form must post `profile`).");
  const profile = profiles.find((p) => p.slug === slug);
  if (!profile)
    return refuse(
      `No such profile: ${slug}. Options include: ${profiles.map((p) => p.slug).join(", ")}`,
    );
  const problems: string[] = [];
  for (const option of profile.profile_options) {
    const unlisted = userOptions[`${option.key}${UNLISTED_CHOICE_SUFFIX}`];
    const choice = userOptions[option.key];
    if (unlisted) {
      if (!option.unlisted_choice.enabled) {
        problems.push(`Received unlisted_choice for ${option.key} without being enabled.`);
      } else if (option.unlisted_choice.validation_regex) {
        // `re.match(validation_regex, unlisted_choice)`, https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3718-L3722
        const regex = compilePythonRegex(option.unlisted_choice.validation_regex);
        const matches = regex.exact ? regex.test(unlisted) : null;
        if (matches === false)
          problems.push(`Received unlisted_choice for ${option.key} that failed validation regex.`);
        else if (matches === null)
          unchecked.push(
            `${option.key}: KubeSpawner checks this value with Python's re.match; the demo cannot (${regex.exact ? "it holds characters whose class depends on the Unicode version" : regex.reason}).`,
          );
      }
    } else if (choice) {
      if (choice === UNLISTED_CHOICE_SENTINEL) {
        problems.push(`${option.key}: the "Other..." entry was posted without its text value.`);
      } else if (!option.choices.some((c) => c.key === choice)) {
        // KubeSpawner would fail later with a raw KeyError in _load_profile (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3808-L3812).
        problems.push(
          `${option.key}: no such choice ${choice}. Options include: ${option.choices.map((c) => c.key).join(", ")}`,
        );
      }
    }
  }
  const project = userOptions[PROJECT_OPTION_KEY];
  if (project !== undefined && project !== "" && !PROJECT_ID_PATTERN.test(project)) {
    problems.push("Launchpad: the project id is not valid; start from the spawn page again.");
  }
  return { problems, unchecked };
}
