import type { ReactNode } from "react";
import type { Me } from "../../../contract/api.ts";
import type { Profile, ProfileOption, SpawnPageData } from "../../../contract/spawn-page.ts";
import {
  BUILD_PENDING,
  type BuildAvailability,
} from "../features/profiles/components/option-field.tsx";
import { ProfilePicker } from "../features/profiles/components/profile-picker.tsx";
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
  /** Your projects, below the Start button (nothing above it moves when it arrives). */
  projects: (props: { me: Me }) => ReactNode;
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
  return (
    <SpawnControllerContext value={form.controller}>
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
      <CompanionStatus session={session} />
      {me?.profile_editor && serviceUrl && (
        <p className="form-text">
          <a href={`${serviceUrl}admin/`}>Edit the profile list</a>
        </p>
      )}
      {me?.features.projects && companion?.projects({ me })}
    </SpawnControllerContext>
  );
}
