import { useState, type ReactNode } from "react";
import type { Me } from "../../../contract/api.ts";
import type { LaunchLink } from "../../../contract/launch-link.ts";
import type { Profile, ProfileOption, SpawnPageData } from "../../../contract/spawn-page.ts";
import {
  BUILD_PENDING,
  type BuildAvailability,
} from "../features/profiles/components/option-field.tsx";
import { useLaunchLink } from "../features/launch-links/api/get-launch-link.ts";
import { LaunchLinkNotice } from "../features/launch-links/components/launch-link-notice.tsx";
import { LazyShareLaunchLink } from "../features/launch-links/components/lazy-share-launch-link.tsx";
import { linkedBuildSource } from "../features/launch-links/launch-repository.ts";
import { ProfilePicker } from "../features/profiles/components/profile-picker.tsx";
import { launchLinkOf } from "../features/profiles/launch-link-state.ts";
import { StartBar } from "../features/profiles/components/start-bar.tsx";
import {
  initialFormState,
  selectionKey,
  type ProfileFormState,
} from "../features/profiles/profile-form-model.ts";
import { useProfileForm, type BuildRequest } from "../features/profiles/use-profile-form.ts";
import { CompanionStatus } from "../features/session/components/companion-status.tsx";
import {
  useCompanionSession,
  type CompanionSession,
} from "../features/session/use-companion-session.ts";
import { SpawnControllerContext } from "./spawn-controller.tsx";

/**
 * The features that need the companion, filled by mount.tsx with a lazily loaded chunk
 * (app/companion-panels.tsx), so the entry stays small. They reach the profile form through
 * SpawnControllerContext.
 */
export interface CompanionSlots {
  /** The build form inside an option whose "Build from a repository" is chosen. */
  buildPanel: (props: {
    me: Me;
    profile: Profile;
    option: ProfileOption;
    built: string | null;
    request: BuildRequest | null;
  }) => ReactNode;
  /**
   * Your projects, below the Start button (nothing above it moves when it arrives). `launchLink`:
   * the link the page was opened from, once the form has its profile and options; its repository
   * selects the user's own project of it, or goes to the build form.
   */
  projects: (props: { me: Me; launchLink: LaunchLink | null }) => ReactNode;
}

export interface AppProps {
  data: SpawnPageData;
  /** `{prefix}services/<name>/`, or null when jhdata is missing: companion features are then off. */
  serviceUrl: string | null;
  /** Where the form starts: what the server-rendered form holds; else the saved user_options. */
  initialState?: ProfileFormState;
  companion?: CompanionSlots;
}

/** What "Build from a repository" says while the companion's answer is pending or negative. */
function buildAvailability(session: CompanionSession): BuildAvailability {
  switch (session.status) {
    case "ready":
      return session.me.features.build
        ? { enabled: true, description: "From GitHub, GitLab, Zenodo and more." }
        : { enabled: false, description: "Not available on this hub." };
    case "unavailable":
      return { enabled: false, description: "Unavailable right now (see below)." };
    default:
      return BUILD_PENDING;
  }
}

export function App({ data, serviceUrl, initialState, companion }: AppProps) {
  const form = useProfileForm(
    data.profiles,
    () => initialState ?? initialFormState(data.profiles, data.user_options),
  );
  const session = useCompanionSession(serviceUrl);
  const me = session.status === "ready" ? session.me : null;
  const build = buildAvailability(session);
  const { state, buildRequest } = form;
  const launchLink = useLaunchLink(serviceUrl, me !== null);
  // Applied while rendering (https://react.dev/learn/you-might-not-need-an-effect), once per link;
  // the companion's parts get it only then, so what they select on top of it stays.
  const [applied, setApplied] = useState<{ link: LaunchLink; problems: string[] } | null>(null);
  if (launchLink && applied?.link !== launchLink) {
    const problems = form.applyLink(launchLink);
    // Without projects there is no project of the repository to open: it goes to the build form.
    const repository = launchLink.repository;
    if (repository && !me?.features.projects) {
      const checked = linkedBuildSource(repository);
      if (!checked.ok) problems.push(checked.problem);
      else if (
        !form.controller.requestBuild(
          data.profiles.some((p) => p.slug === launchLink.profile)
            ? (launchLink.profile ?? state.profileSlug)
            : state.profileSlug,
          checked.source,
          { start: false },
        )
      )
        problems.push("No profile on this hub builds images from a repository.");
    }
    setApplied({ link: launchLink, problems });
  }
  return (
    <SpawnControllerContext value={form.controller}>
      {applied && <LaunchLinkNotice problems={applied.problems} />}
      <ProfilePicker
        form={form}
        strict={form.submitErrors !== null}
        build={build}
        {...(me && build.enabled && companion
          ? {
              buildPanel: (profile: Profile, option: ProfileOption) =>
                companion.buildPanel({
                  me,
                  profile,
                  option,
                  built:
                    state.selections.get(selectionKey(profile.slug, option.key))?.built ?? null,
                  request:
                    buildRequest?.profileSlug === profile.slug &&
                    buildRequest.optionKey === option.key
                      ? buildRequest
                      : null,
                }),
            }
          : {})}
      />
      <StartBar form={form} />
      {me && serviceUrl && (
        <LazyShareLaunchLink link={launchLinkOf(data.profiles, state)} serviceUrl={serviceUrl} />
      )}
      <CompanionStatus session={session} />
      {me?.profile_editor && serviceUrl && (
        <p className="form-text">
          <a href={`${serviceUrl}admin/`}>Edit the profile list</a>
        </p>
      )}
      {me?.features.projects && companion?.projects({ me, launchLink: applied?.link ?? null })}
    </SpawnControllerContext>
  );
}
