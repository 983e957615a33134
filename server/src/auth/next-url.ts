/**
 * The open-redirect guard for `next`: HubOAuth keeps `next_url` server-side (generate_state,
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1230-L1250); we carry it in a signed cookie, so it is
 * checked on the way in.
 */
const ORIGIN = "http://launchpad.invalid";

/**
 * `next` if it is a same-origin absolute path under the hub's base URL, else `fallback`.
 * Returned normalised (dot segments resolved), so what was checked is what the browser follows.
 */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export function safeNextUrl(next: unknown, hubBaseUrl: string, fallback: string): string {
  if (typeof next !== "string" || next === "") return fallback;
  // `//host` and `/\host` are protocol-relative to browsers; control characters get stripped by
  // URL parsers and can hide either. Anything else that is not an absolute path has a scheme or is relative.
  if (
    !next.startsWith("/") ||
    next.startsWith("//") ||
    next.includes("\\") ||
    hasControlCharacter(next)
  ) {
    return fallback;
  }
  let url: URL;
  try {
    url = new URL(next, ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== ORIGIN || !url.pathname.startsWith(hubBaseUrl)) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
