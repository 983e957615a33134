/**
 * A launch link (contract/launch-link.ts) on the profile form: the link's profile and option
 * values as the form's selections, with every value this hub's list does not offer named for the
 * person who opened it; and the other way, the link that reproduces the form.
 */
import type { LaunchLink, LaunchOption } from "../../../../contract/launch-link.ts";
import { UNLISTED_CHOICE_SENTINEL, type Profile } from "../../../../contract/spawn-page.ts";
import { BUILD_CHOICE } from "./option-entries.ts";
import {
  optionSelection,
  selectedProfile,
  selectionKey,
  usesUnlisted,
  type OptionSelection,
  type ProfileFormState,
} from "./profile-form-model.ts";

/** A value from the link, quoted for a message: short, and visibly a value. */
function quoted(text: string): string {
  return `“${text.length > 60 ? `${text.slice(0, 60)}…` : text}”`;
}

/**
 * The form with the link's profile and options selected, and what could not be: a profile this
 * hub has not, an option the profile has not, a choice not listed, free text where the option
 * takes none. What cannot be applied keeps the form's value. A free-text value is applied as it is:
 * whether it matches the option's pattern, the field itself says (profile-form-model.ts).
 */
export function applyLaunchLink(
  profiles: readonly Profile[],
  state: ProfileFormState,
  link: LaunchLink,
): { state: ProfileFormState; problems: string[] } {
  const problems: string[] = [];
  let profile = selectedProfile(profiles, state);
  if (link.profile !== undefined) {
    const linked = profiles.find((p) => p.slug === link.profile);
    if (!linked) {
      problems.push(
        `This hub has no profile ${quoted(link.profile)}${link.options.length ? ", so the link's options were not applied either" : ""}.`,
      );
      return { state, problems };
    }
    profile = linked;
  }
  const selections = new Map(state.selections);
  for (const value of link.options) {
    const problem = applyOption(profile, selections, state, value);
    if (problem) problems.push(problem);
  }
  return { state: { profileSlug: profile.slug, selections, projectId: null }, problems };
}

function applyOption(
  profile: Profile,
  selections: Map<string, OptionSelection>,
  state: ProfileFormState,
  { key, value, other }: LaunchOption,
): string | null {
  const option = profile.profile_options.find((o) => o.key === key);
  if (!option) return `${profile.display_name} has no option ${quoted(key)}.`;
  const slot = selectionKey(profile.slug, key);
  if (!other) {
    if (!option.choices.some((c) => c.key === value))
      return `${option.display_name} has no choice ${quoted(value)}.`;
    selections.set(slot, { ...optionSelection(state, profile.slug, option), choice: value });
    return null;
  }
  if (!option.unlisted_choice.enabled)
    return `${option.display_name} takes only its listed choices, not ${quoted(value)}.`;
  if (!value.trim()) return `The link gives ${option.display_name} an empty value.`;
  selections.set(slot, {
    choice: option.choices.length ? UNLISTED_CHOICE_SENTINEL : null,
    unlisted: value,
  });
  return null;
}

/** The link that selects what the form shows: the profile and every one of its options. */
export function launchLinkOf(profiles: readonly Profile[], state: ProfileFormState): LaunchLink {
  const profile = selectedProfile(profiles, state);
  const options: LaunchOption[] = [];
  for (const option of profile.profile_options) {
    const selection = optionSelection(state, profile.slug, option);
    // A built image is posted as the option's free text (profile-form-model.ts), so it is linked so.
    const text =
      selection.choice === BUILD_CHOICE
        ? (selection.built ?? "")
        : usesUnlisted(option, selection)
          ? selection.unlisted.trim()
          : null;
    if (text !== null) {
      if (text) options.push({ key: option.key, value: text, other: true });
    } else if (option.choices.some((c) => c.key === selection.choice)) {
      options.push({ key: option.key, value: selection.choice ?? "", other: false });
    }
  }
  return { profile: profile.slug, options };
}
