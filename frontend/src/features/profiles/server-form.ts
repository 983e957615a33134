/**
 * The glue's server-rendered form (chart/files/launchpad_glue.py server_form) is usable before
 * the page loads: whatever the user picked or typed there must survive the takeover. This reads
 * it back as form state, through KubeSpawner's own field names, the only names the form carries.
 */
import {
  UNLISTED_CHOICE_SENTINEL,
  optionFieldName,
  unlistedFieldName,
  type Profile,
} from "../../../../contract/spawn-page.ts";
import { selectionKey, type OptionSelection, type ProfileFormState } from "./profile-form-model.ts";

type Control = HTMLInputElement | HTMLSelectElement;

/** The value a control group holds now: the checked radio, the select's value, the text. */
function currentValue(controls: readonly Control[]): string | undefined {
  for (const control of controls) {
    if (control instanceof HTMLSelectElement) return control.value;
    if (control.type !== "radio" || control.checked) return control.value;
  }
  return undefined;
}

export function readServerForm(
  form: Element,
  profiles: readonly Profile[],
  initial: ProfileFormState,
): ProfileFormState {
  const byName = new Map<string, Control[]>();
  for (const control of form.querySelectorAll<Control>("input[name], select[name]")) {
    byName.set(control.name, [...(byName.get(control.name) ?? []), control]);
  }
  const slug = currentValue(byName.get("profile") ?? []);
  const profileSlug = profiles.some((p) => p.slug === slug)
    ? (slug as string)
    : initial.profileSlug;
  const selections = new Map(initial.selections);
  for (const profile of profiles) {
    for (const option of profile.profile_options) {
      const choice = currentValue(byName.get(optionFieldName(profile.slug, option.key)) ?? []);
      const text = currentValue(byName.get(unlistedFieldName(profile.slug, option.key)) ?? []);
      if (choice === undefined && text === undefined) continue;
      const next: OptionSelection = {
        // "Other..." is the value "" in the server-rendered form (KubeSpawner then uses the text).
        choice:
          choice === undefined
            ? null
            : choice === ""
              ? UNLISTED_CHOICE_SENTINEL
              : option.choices.some((c) => c.key === choice)
                ? choice
                : null,
        unlisted: text ?? "",
      };
      if (next.choice === null && option.choices.length > 0) continue;
      selections.set(selectionKey(profile.slug, option.key), next);
    }
  }
  return { ...initial, profileSlug, selections };
}
