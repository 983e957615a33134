import { lazy } from "react";
import { LazyPart } from "../../../lib/error-boundary.tsx";
import type { ShareLaunchLinkProps } from "./share-launch-link.tsx";

// Sharing is not on the way to Start: it loads after the page is usable.
const ShareLaunchLink = lazy(() => import("./share-launch-link.tsx"));

export function LazyShareLaunchLink(props: ShareLaunchLinkProps) {
  return (
    <LazyPart loading={null} failed="Sharing could not load; reload the page to try again.">
      <ShareLaunchLink {...props} />
    </LazyPart>
  );
}
