import { useEffect, useRef, useState } from "react";
import {
  LaunchHandoffResponseSchema,
  type LaunchLink,
} from "../../../../../contract/launch-link.ts";
import { apiRequest } from "../../../lib/api-client.ts";

/** The link the companion's `launch` route handed to this user; the companion gives it once. */
export function getLaunchLink(serviceUrl: string, signal?: AbortSignal) {
  return apiRequest(serviceUrl, "api/launch-link", LaunchHandoffResponseSchema, { signal });
}

/**
 * The launch link this page was opened from, asked for once the session is ready (`enabled`, so
 * the request carries the session cookie). A plain fetch, as `useMe` is: the entry carries no
 * query cache. Asked once per mounted page and never aborted: the companion answers it only once,
 * so a second request (StrictMode's second effect) would get nothing. A failure means no link.
 */
export function useLaunchLink(serviceUrl: string | null, enabled: boolean): LaunchLink | null {
  const [link, setLink] = useState<LaunchLink | null>(null);
  const asked = useRef<Promise<LaunchLink | null> | null>(null);
  useEffect(() => {
    if (!enabled || serviceUrl === null) return;
    asked.current ??= getLaunchLink(serviceUrl).then(
      (answer) => answer.link,
      () => null,
    );
    let live = true;
    void asked.current.then((answer) => {
      if (live) setLink(answer);
    });
    return () => {
      live = false;
    };
  }, [serviceUrl, enabled]);
  return link;
}
