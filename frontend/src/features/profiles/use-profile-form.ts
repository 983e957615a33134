import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { flushSync } from "react-dom";
import { UNLISTED_CHOICE_SENTINEL, type Profile } from "../../../../contract/spawn-page.ts";
import {
  initialFormState,
  optionSelection,
  selectedProfile,
  selectionKey,
  type OptionError,
  type OptionSelection,
  type ProfileFormState,
} from "./profile-form-model.ts";
import { loadUnlistedCheck, needsUnlistedCheck } from "./unlisted-check.ts";

/**
 * What the profile form offers to the rest of the page. The app passes `controller` to features
 * that start servers on the user's behalf (see app/spawn-controller.tsx), so they never import this one.
 */
export interface ProfileFormController {
  selectedProfile(): Profile;
  /** Selects "Other..." with `value` for `optionKey` (of `profileSlug`, else the selected profile); false if it has no such free-text option. */
  setUnlistedValue(optionKey: string, value: string, profileSlug?: string): boolean;
  setProjectId(projectId: string | null): void;
  /**
   * Called when the form is about to be posted with a project id, whichever button or key
   * submitted it, once the form's own checks passed: the form is posted only if it resolves true.
   * (The app records the start there.) Null removes it.
   */
  setBeforeProjectSubmit(check: ProjectSubmitCheck | null): void;
  /** Submits the hub's form through the same checks as the Start button. */
  submit(): void;
}

export type ProjectSubmitCheck = (projectId: string) => Promise<boolean>;

export function useProfileForm(profiles: readonly Profile[], userOptions: Record<string, unknown>) {
  const [state, setState] = useState(() => initialFormState(profiles, userOptions));
  /** Set by a refused submit: the summary shows them and empty required fields count from then on. */
  const [submitErrors, setSubmitErrors] = useState<OptionError[] | null>(null);
  const startButtonRef = useRef<HTMLButtonElement>(null);
  const beforeProjectSubmitRef = useRef<ProjectSubmitCheck | null>(null);
  // The controller reads state outside render (from another feature's event handler).
  const stateRef = useRef(state);

  // Free-text values are checked once the regex translator has loaded (its own chunk): render again then.
  const [, setUnlistedCheckLoaded] = useState(false);
  useEffect(() => {
    if (!needsUnlistedCheck(profiles)) return;
    let mounted = true;
    void loadUnlistedCheck().then(() => {
      if (mounted) setUnlistedCheckLoaded(true);
    });
    return () => {
      mounted = false;
    };
  }, [profiles]);

  const update = useCallback((next: (s: ProfileFormState) => ProfileFormState) => {
    setState((s) => (stateRef.current = next(s)));
  }, []);

  // Any change of profile or option drops a project set earlier: a project id is posted only
  // together with the image it was started with (the controller sets it last, right before submit).
  const selectProfile = useCallback(
    (profileSlug: string) => update((s) => ({ ...s, profileSlug, projectId: null })),
    [update],
  );

  const setSelection = useCallback(
    (profileSlug: string, optionKey: string, change: Partial<OptionSelection>) =>
      update((s) => {
        const option = profiles
          .find((p) => p.slug === profileSlug)
          ?.profile_options.find((o) => o.key === optionKey);
        if (!option) return s;
        const selections = new Map(s.selections);
        selections.set(selectionKey(profileSlug, optionKey), {
          ...optionSelection(s, profileSlug, option),
          ...change,
        });
        return { ...s, selections, projectId: null };
      }),
    [profiles, update],
  );

  const controller = useMemo<ProfileFormController>(
    () => ({
      selectedProfile: () => selectedProfile(profiles, stateRef.current),
      setUnlistedValue(optionKey, value, profileSlug) {
        const profile = profileSlug
          ? profiles.find((p) => p.slug === profileSlug)
          : selectedProfile(profiles, stateRef.current);
        const option = profile?.profile_options.find((o) => o.key === optionKey);
        if (!profile || !option?.unlisted_choice.enabled) return false;
        // Synchronous, so that the hidden fields are current when submit() follows right away.
        flushSync(() => {
          selectProfile(profile.slug);
          setSelection(profile.slug, optionKey, {
            choice: option.choices.length ? UNLISTED_CHOICE_SENTINEL : null,
            unlisted: value,
          });
        });
        return true;
      },
      setProjectId(projectId) {
        flushSync(() => update((s) => ({ ...s, projectId })));
      },
      setBeforeProjectSubmit(check) {
        beforeProjectSubmitRef.current = check;
      },
      submit() {
        const button = startButtonRef.current;
        button?.form?.requestSubmit(button);
      },
    }),
    [profiles, selectProfile, setSelection, update],
  );

  return {
    profiles,
    state,
    selectProfile,
    setSelection,
    controller,
    startButtonRef,
    beforeProjectSubmitRef,
    submitErrors,
    setSubmitErrors,
  };
}

export type ProfileForm = ReturnType<typeof useProfileForm>;
