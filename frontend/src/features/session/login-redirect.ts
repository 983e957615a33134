import { navigation } from "../../lib/navigation.ts";

/** When the page last sent this tab to the companion's login; a timestamp, never a token. */
export const LOGIN_REDIRECT_KEY = "launchpad:login-redirect-at";
const LOGIN_REDIRECT_WINDOW_MS = 60_000;

/**
 * Sends the whole tab through the companion's OAuth login (the hub refuses to be framed), unless
 * this tab already went there within the last minute: then the login did not stick and another
 * redirect would loop. Returns whether it navigated.
 */
export function redirectToLoginOnce(serviceUrl: string, now = Date.now()): boolean {
  try {
    const last = Number(sessionStorage.getItem(LOGIN_REDIRECT_KEY));
    if (last && now - last >= 0 && now - last < LOGIN_REDIRECT_WINDOW_MS) return false;
    sessionStorage.setItem(LOGIN_REDIRECT_KEY, String(now));
  } catch {
    // Without storage there is no loop guard, so do not redirect at all.
    return false;
  }
  const next = encodeURIComponent(window.location.pathname + window.location.search);
  navigation.assign(`${serviceUrl}oauth_login?next=${next}`);
  return true;
}
