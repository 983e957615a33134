import { lazy, Suspense } from "react";
import type { CompanionPanelsProps } from "./companion-panels.tsx";

// The build panel, Your Projects and what ties them to the form load as one chunk once the
// companion has answered: the spawn page's entry carries only the profile picker.
const CompanionPanels = lazy(() => import("./companion-panels.tsx"));

export function LazyCompanionPanels(props: CompanionPanelsProps) {
  return (
    <Suspense fallback={<p className="lp-hint">Loading Launchpad's builder and projects…</p>}>
      <CompanionPanels {...props} />
    </Suspense>
  );
}
