import { http, HttpResponse } from "msw";
import type { LaunchHandoffResponse, LaunchLink } from "../../../../../contract/launch-link.ts";

const LAUNCH_LINK = "*/services/:service/api/launch-link";

export const launchLinkHandlers = {
  /** The page was not opened from a launch link (or its link was taken already). */
  none: () => http.get(LAUNCH_LINK, () => HttpResponse.json<LaunchHandoffResponse>({ link: null })),
  /** Hands `link` over once, as the companion does. */
  once: (link: LaunchLink) => {
    let taken = false;
    return http.get(LAUNCH_LINK, () => {
      const answer = taken ? null : link;
      taken = true;
      return HttpResponse.json<LaunchHandoffResponse>({ link: answer });
    });
  },
};
