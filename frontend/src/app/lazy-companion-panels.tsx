import { lazy } from "react";
import type { SpawnPageData } from "../../../contract/spawn-page.ts";
import { LazyPart } from "../lib/error-boundary.tsx";
import type { CompanionSlots } from "./app.tsx";

// The build form, Your projects and what ties them to the form (with TanStack Query) load as one
// chunk once the companion has answered: the spawn page's entry carries only the profile form.
const load = () => import("./companion-panels.tsx");
const BuildChoice = lazy(() => load().then((module) => ({ default: module.BuildChoice })));
const ProjectsSection = lazy(() => load().then((module) => ({ default: module.ProjectsSection })));

/**
 * The companion's parts of the page, sharing one query cache (created by the chunk). Each may
 * fail to load or throw without taking the profile form and Start with it.
 */
export function lazyCompanionSlots(
  serviceUrl: string,
  data: SpawnPageData,
  hubPage: { baseUrl: string; xsrfToken: string } | null = null,
): CompanionSlots {
  const shared = {};
  return {
    buildPanel: (props) => (
      <LazyPart
        loading={<p className="form-text">Loading the image builder…</p>}
        failed="The image builder could not load. You can still start a server below; reload the page to try it again."
      >
        <BuildChoice
          serviceUrl={serviceUrl}
          data={data}
          shared={shared}
          hubPage={hubPage}
          {...props}
        />
      </LazyPart>
    ),
    projects: (props) => (
      <LazyPart
        loading={null}
        failed="Your projects could not load. You can still start a server above; reload the page to try them again."
      >
        <ProjectsSection
          serviceUrl={serviceUrl}
          data={data}
          shared={shared}
          hubPage={hubPage}
          {...props}
        />
      </LazyPart>
    ),
  };
}
