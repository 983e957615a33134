import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { flushSync } from "react-dom";
import type { LaunchLink } from "../../../../contract/launch-link.ts";
import type { BuildSource } from "../../../../contract/providers/catalog.ts";
import { UNLISTED_CHOICE_SENTINEL, type Profile } from "../../../../contract/spawn-page.ts";
import { BUILD_CHOICE, canBuildImage } from "./option-entries.ts";
import {
  optionSelection,
  selectedProfile,
  selectionKey,
  type OptionError,
  type OptionSelection,
  type ProfileFormState,
} from "./profile-form-model.ts";
import { applyLaunchLink } from "./launch-link-state.ts";
import { loadUnlistedCheck, needsUnlistedCheck } from "./unlisted-check.ts";

/** Build this source in the build choice of `optionKey` (e.g. rebuilding one of Your projects). */
export interface BuildRequest {
  profileSlug: string;
  optionKey: string;
  source: BuildSource;
  /** Build at once (Rebuild), or only fill the build form in (a launch link's repository). */
  start: boolean;
  /** Distinguishes two requests for the same source. */
  id: number;
}

/**
 * Records the start of a project just before the form is posted with it (the companion keeps the
 * project limit, and counts the start as a launch only once it sees the server run). A message
 * refuses the post.
 */
export type RecordStart = () => Promise<string | null>;

/** A project the form is about to be posted with, and how its start is recorded. */
export interface ProjectStart {
  projectId: string;
  record: RecordStart;
  /**
   * The project's named server spawn URL (`{base_url}spawn/{user}/{name}`), where the post goes
   * instead of the page's own server; `record` then also names a new server (see `setProjectId`).
   */
  serverPath?: string;
}

/**
 * Where the form is posted with a project instead of the page's own server: the project's named
 * server, `{base_url}spawn/{user}/{name}` (JupyterHub's SpawnHandler.post).
 */
export interface ServerTarget {
  projectId: string;
  /** The spawn URL, with the hub form's own `?_xsrf=` on it. */
  action: string;
}

/**
 * The project a start with the image built for an option is posted with. It applies only while
 * that option's "Build from a repository" is chosen and has an image.
 */
export interface LaunchStep extends ProjectStart {
  profileSlug: string;
  optionKey: string;
}

/**
 * What the profile form offers to the rest of the page. The app passes `controller` to features
 * that start servers on the user's behalf (see app/spawn-controller.tsx), so they never import this one.
 */
export interface ProfileFormController {
  selectedProfile(): Profile;
  /** Selects "Other..." with `value` for `optionKey` (of `profileSlug`, else the selected profile); false if it has no such free-text option. */
  setUnlistedValue(optionKey: string, value: string, profileSlug?: string): boolean;
  /**
   * The project the form is posted with (set last, right before submit: any change of profile or
   * option drops it). `record` runs when the form is posted with it, whichever button or key
   * submitted it; without it the id is posted as it is. `serverPath` posts the form to that
   * named server's spawn URL (`{base_url}spawn/{user}/{name}`) instead of the page's own.
   */
  setProjectId(projectId: string | null, record?: RecordStart, serverPath?: string): void;
  /** Selects "Build from a repository" in the first option of `profileSlug` that takes built images, and asks it to build `source` (`start: false`: only to fill the form in). */
  requestBuild(profileSlug: string, source: BuildSource, options?: { start: boolean }): boolean;
  /** Chooses "Build from a repository" in this option, e.g. to show a build of the user's still running. */
  chooseBuild(profileSlug: string, optionKey: string): void;
  /** The image the build choice of an option has built (null: none yet). */
  setBuiltImage(profileSlug: string, optionKey: string, image: string | null): void;
  /** The project a start with a built image is posted with (null: none, e.g. projects are off). */
  setLaunchStep(step: LaunchStep | null): void;
  /** Submits the hub's form through the same checks as the Start button. */
  submit(): void;
}

/**
 * `path` with the hub form's own `_xsrf` query (the spawn page's URL with it,
 * https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/handlers/pages.py#L110-L126): the
 * hub checks it on the post (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/_xsrf_utils.py#L221-L248).
 */
function withHubXsrf(path: string, form: HTMLFormElement | null | undefined): string {
  const action = form?.getAttribute("action");
  const xsrf = action ? new URL(action, location.href).searchParams.get("_xsrf") : null;
  return xsrf === null ? path : `${path}?_xsrf=${encodeURIComponent(xsrf)}`;
}

export function useProfileForm(profiles: readonly Profile[], initial: () => ProfileFormState) {
  const [state, setState] = useState(initial);
  /** Set by a refused submit: the summary shows them and empty required fields count from then on. */
  const [submitErrors, setSubmitErrors] = useState<OptionError[] | null>(null);
  const [buildRequest, setBuildRequest] = useState<BuildRequest | null>(null);
  const startButtonRef = useRef<HTMLButtonElement>(null);
  const launchStepRef = useRef<LaunchStep | null>(null);
  const projectStartRef = useRef<ProjectStart | null>(null);
  const serverTargetRef = useRef<ServerTarget | null>(null);
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
    // What the summary listed is out of date as soon as the user changes anything.
    setSubmitErrors((errors) => (errors === null ? errors : null));
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
      setProjectId(projectId, record, serverPath) {
        projectStartRef.current = projectId !== null && record ? { projectId, record } : null;
        serverTargetRef.current =
          projectId !== null && serverPath
            ? { projectId, action: withHubXsrf(serverPath, startButtonRef.current?.form) }
            : null;
        flushSync(() => setState((s) => (stateRef.current = { ...s, projectId })));
      },
      requestBuild(profileSlug, source, { start } = { start: true }) {
        const option = profiles
          .find((p) => p.slug === profileSlug)
          ?.profile_options.find(canBuildImage);
        if (!option) return false;
        selectProfile(profileSlug);
        setSelection(profileSlug, option.key, { choice: BUILD_CHOICE });
        setBuildRequest((last) => ({
          profileSlug,
          optionKey: option.key,
          source,
          start,
          id: (last?.id ?? 0) + 1,
        }));
        return true;
      },
      chooseBuild(profileSlug, optionKey) {
        setSelection(profileSlug, optionKey, { choice: BUILD_CHOICE });
      },
      setBuiltImage(profileSlug, optionKey, image) {
        setSelection(profileSlug, optionKey, { built: image });
      },
      setLaunchStep(step) {
        launchStepRef.current = step;
      },
      submit() {
        const button = startButtonRef.current;
        button?.form?.requestSubmit(button);
      },
    }),
    [profiles, selectProfile, setSelection],
  );

  /** The project start a post of `current` records first, if any. */
  const projectStartOf = useCallback(
    (current: ProfileFormState): ProjectStart | null => {
      if (current.projectId !== null) {
        const start = projectStartRef.current;
        return start?.projectId === current.projectId ? start : null;
      }
      const step = launchStepRef.current;
      if (!step || step.profileSlug !== current.profileSlug) return null;
      const option = profiles
        .find((p) => p.slug === step.profileSlug)
        ?.profile_options.find((o) => o.key === step.optionKey);
      const selection = option && optionSelection(current, step.profileSlug, option);
      return selection?.choice === BUILD_CHOICE && selection.built ? step : null;
    },
    [profiles],
  );

  /**
   * The submit button's `formaction` for a post of `current`, or undefined for the form's own.
   * It holds only while the form holds the project it was set with: any change drops the project.
   */
  const formActionOf = useCallback((current: ProfileFormState): string | undefined => {
    const target = serverTargetRef.current;
    return current.projectId !== null && target?.projectId === current.projectId
      ? target.action
      : undefined;
  }, []);

  /** Selects what a launch link asks for; returns what this hub's list could not offer. */
  const applyLink = useCallback(
    (link: LaunchLink): string[] => {
      const applied = applyLaunchLink(profiles, stateRef.current, link);
      update(() => applied.state);
      return applied.problems;
    },
    [profiles, update],
  );

  return {
    profiles,
    state,
    applyLink,
    selectProfile,
    setSelection,
    controller,
    startButtonRef,
    projectStartOf,
    formActionOf,
    buildRequest,
    submitErrors,
    setSubmitErrors,
  };
}

export type ProfileForm = ReturnType<typeof useProfileForm>;
