import type { ReactNode } from "react";
import type { SpawnPageData } from "../../../contract/spawn-page.ts";
import { ProfilePicker } from "../features/profiles/components/profile-picker.tsx";
import { StartBar } from "../features/profiles/components/start-bar.tsx";
import { useProfileForm } from "../features/profiles/use-profile-form.ts";
import { CompanionStatus } from "../features/session/components/companion-status.tsx";
import { useCompanionSession, type CompanionSession } from "../features/session/use-companion-session.ts";
import { SpawnControllerContext } from "./spawn-controller.tsx";

export interface AppProps {
  data: SpawnPageData;
  /** `{prefix}services/<name>/`, or null when jhdata is missing: companion features are then off. */
  serviceUrl: string | null;
  /**
   * Slots for the features that need the companion. They render between the profiles and the
   * Start button, only when the companion says the feature is on; they reach the profile form
   * through SpawnControllerContext.
   */
  buildPanel?: (session: Extract<CompanionSession, { status: "ready" }>) => ReactNode;
  projectsTable?: (session: Extract<CompanionSession, { status: "ready" }>) => ReactNode;
}

export function App({ data, serviceUrl, buildPanel, projectsTable }: AppProps) {
  const form = useProfileForm(data.profiles, data.user_options);
  const session = useCompanionSession(serviceUrl);
  const ready = session.status === "ready" ? session : null;
  return (
    <SpawnControllerContext value={form.controller}>
      <ProfilePicker form={form} strict={form.submitErrors !== null} />
      {/* Slot: the build panel (features/build). */}
      {ready?.me.features.build && buildPanel?.(ready)}
      {/* Slot: Your Projects (features/projects, later). */}
      {ready?.me.features.projects && projectsTable?.(ready)}
      <CompanionStatus session={session} />
      <StartBar form={form} />
    </SpawnControllerContext>
  );
}
