import type { ReactNode } from "react";
import type { Profile, SpawnPageData } from "../../../contract/spawn-page.ts";
import { ProfilePicker } from "../features/profiles/components/profile-picker.tsx";
import { StartBar } from "../features/profiles/components/start-bar.tsx";
import { useProfileForm } from "../features/profiles/use-profile-form.ts";
import { CompanionStatus } from "../features/session/components/companion-status.tsx";
import {
  useCompanionSession,
  type CompanionSession,
} from "../features/session/use-companion-session.ts";
import { SpawnControllerContext } from "./spawn-controller.tsx";

export interface AppProps {
  data: SpawnPageData;
  /** `{prefix}services/<name>/`, or null when jhdata is missing: companion features are then off. */
  serviceUrl: string | null;
  /**
   * The slot for the features that need the companion (the build panel and Your Projects). It
   * renders between the profiles and the Start button once the companion says at least one of
   * them is on, and reaches the profile form through SpawnControllerContext. mount.tsx fills it
   * with a lazily loaded chunk (app/companion-panels.tsx), so the entry stays small.
   */
  companionPanels?: (session: ReadyCompanionSession, selectedProfile: Profile) => ReactNode;
}

export type ReadyCompanionSession = Extract<CompanionSession, { status: "ready" }>;

export function App({ data, serviceUrl, companionPanels }: AppProps) {
  const form = useProfileForm(data.profiles, data.user_options);
  const session = useCompanionSession(serviceUrl);
  const ready = session.status === "ready" ? session : null;
  return (
    <SpawnControllerContext value={form.controller}>
      <ProfilePicker form={form} strict={form.submitErrors !== null} />
      {ready &&
        (ready.me.features.build || ready.me.features.projects) &&
        companionPanels?.(ready, form.controller.selectedProfile())}
      <CompanionStatus session={session} />
      {ready?.me.profile_editor && serviceUrl && (
        <p className="lp-note">
          <a href={`${serviceUrl}admin/`}>Edit the profile list</a>
        </p>
      )}
      <StartBar form={form} />
    </SpawnControllerContext>
  );
}
