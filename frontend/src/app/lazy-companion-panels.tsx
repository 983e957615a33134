import { lazy } from "react";
import { LazyPart } from "../lib/error-boundary.tsx";
import type { CompanionPanelsProps } from "./companion-panels.tsx";

// The build panel, Your Projects and what ties them to the form load as one chunk once the
// companion has answered: the spawn page's entry carries only the profile picker.
const CompanionPanels = lazy(() => import("./companion-panels.tsx"));

export function LazyCompanionPanels(props: CompanionPanelsProps) {
  return (
    <LazyPart
      loading={<p className="lp-hint">Loading Launchpad's builder and projects…</p>}
      failed="Launchpad's builder and projects could not load. You can still start a server below; reload the page to try them again."
    >
      <CompanionPanels {...props} />
    </LazyPart>
  );
}
