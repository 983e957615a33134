import { http, HttpResponse } from "msw";
import type { LaunchHandoffResponse, LaunchLink } from "../../../../../contract/launch-link.ts";

const LAUNCH_LINK = "*/services/:service/api/launch-link";

export const launchLinkHandlers = {
  /** The page was not opened from a launch link (or its link was taken already). */
  none: () => http.get(LAUNCH_LINK, () => HttpResponse.json<LaunchHandoffResponse>({ link: null })),
  /** The page was opened from `link` (the page asks once; the companion answers once). */
  handsOver: (link: LaunchLink) =>
    http.get(LAUNCH_LINK, () => HttpResponse.json<LaunchHandoffResponse>({ link })),
};
