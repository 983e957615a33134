import { useEffect } from "react";
import type { Me } from "../../../../contract/api.ts";
import { ApiRequestError } from "../../lib/api-client.ts";
import { useMe } from "./api/get-me.ts";
import { loginRedirectAllowed, redirectToLoginOnce } from "./login-redirect.ts";

export type CompanionSession =
  | { status: "loading" }
  | { status: "ready"; me: Me }
  | { status: "redirecting" }
  | { status: "unavailable"; reason: string };

/** The companion's view of the user. The profile picker never waits for it. */
export function useCompanionSession(serviceUrl: string | null): CompanionSession {
  const query = useMe(serviceUrl);
  const needsLogin = query?.error instanceof ApiRequestError && query.error.status === 401;
  const redirecting = needsLogin && serviceUrl !== null && loginRedirectAllowed();

  useEffect(() => {
    if (redirecting && serviceUrl) redirectToLoginOnce(serviceUrl);
  }, [redirecting, serviceUrl]);

  if (!serviceUrl)
    return {
      status: "unavailable",
      reason: "This page does not say where the Launchpad service lives.",
    };
  if (query?.data) return { status: "ready", me: query.data };
  if (redirecting) return { status: "redirecting" };
  if (query?.error) {
    return {
      status: "unavailable",
      reason: needsLogin ? "You are not signed in to the Launchpad service." : query.error.message,
    };
  }
  return { status: "loading" };
}
