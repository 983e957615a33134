import { navigation } from "../../lib/navigation.ts";

/** When the page last sent this tab to the companion's login; a timestamp, never a token. */
export const LOGIN_REDIRECT_KEY = "launchpad:login-redirect-at";
const LOGIN_REDIRECT_WINDOW_MS = 60_000;

/**
 * Whether this tab may go to the login: not if it already went there within the last minute (the
 * login did not stick, so another redirect would loop), and not without storage for that guard.
 */
export function loginRedirectAllowed(now = Date.now()): boolean {
  try {
    const last = Number(sessionStorage.getItem(LOGIN_REDIRECT_KEY));
    return !(last && now - last >= 0 && now - last < LOGIN_REDIRECT_WINDOW_MS);
  } catch {
    return false;
  }
}

/** Sends the whole tab through the companion's OAuth login: the hub refuses to be framed. */
export function redirectToLoginOnce(serviceUrl: string, now = Date.now()): boolean {
  if (!loginRedirectAllowed(now)) return false;
  try {
    sessionStorage.setItem(LOGIN_REDIRECT_KEY, String(now));
  } catch {
    return false;
  }
  const next = encodeURIComponent(window.location.pathname + window.location.search);
  navigation.assign(`${serviceUrl}oauth_login?next=${next}`);
  return true;
}
