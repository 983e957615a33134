/**
 * Where the companion may send a browser: the one decision behind every redirect it answers with a
 * caller's `next` (login, its callback, logout; local mode's login). HubOAuth keeps `next_url`
 * server-side (generate_state,
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1230-L1250);
 * we carry it in a signed cookie and decide here, both when it comes in and when it goes out.
 *
 * The rule: decode, normalise, then require the hub's origin and a path under its prefix. A value
 * that fails anywhere goes to the default page, never to an error: a login must always end
 * somewhere the user can continue.
 */

/** Stands for the hub's origin while resolving; any value that names an origin of its own differs from it. */
const HUB_ORIGIN = "https://hub.launchpad.invalid";

/** Longer than any path the page sends (`location.pathname + location.search`). */
const MAX_LENGTH = 4096;

/**
 * What a browser's `location.pathname + search` holds: printable ASCII (non-ASCII arrives
 * percent-encoded). Not `\`, which URL parsers read as `/`; not tabs, newlines or other controls,
 * which they drop (hiding `//`) and header writers split on; not spaces or raw non-ASCII, which some
 * layers trim or fold (fullwidth `／`, `．`).
 */
const PLAIN_PATH_AND_QUERY = /^\/[\x21-\x5b\x5d-\x7e]*$/;

/**
 * Look-alikes that Unicode (NFKC) or IDNA mapping (UTS #46) fold into `.` or `/` or `\`; NFKC
 * covers the fullwidth forms, these three it leaves alone.
 */
const IDEOGRAPHIC_DOTS = /[\u3002\uff61\u2024]/g;

/** Percent-decoded until nothing changes (double and triple encodings), or null if malformed. */
function fullyDecoded(path: string): string | null {
  let current = path;
  for (let round = 0; round < 8; round += 1) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  return null;
}

/**
 * Whether a path still names the same place under `prefix` when a later layer (a proxy, the hub,
 * a server behind it) decodes it and folds look-alike characters: no `\` or controls, no dot
 * segments, no empty segments (`//host`, and `/prefix//host`, which a server that strips its prefix
 * and redirects turns into `//host`), and still under the prefix.
 */
function staysPutWhenDecoded(path: string, prefix: string): boolean {
  const raw = fullyDecoded(path);
  if (raw === null) return false;
  const decoded = raw.normalize("NFKC").replace(IDEOGRAPHIC_DOTS, ".");
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(decoded)) return false;
  if (decoded.includes("//") || !decoded.startsWith(prefix)) return false;
  return decoded.split("/").every((segment) => segment !== "." && segment !== "..");
}

/**
 * `next` as the path to redirect to when it is a same-origin path under `hubBaseUrl`, normalised
 * (dot segments resolved) so that what was checked is what the browser follows; else `fallback`.
 * Absolute URLs are never accepted, even to the hub's own host: the page sends only paths.
 */
export function redirectTarget(next: unknown, hubBaseUrl: string, fallback: string): string {
  if (typeof next !== "string" || next.length > MAX_LENGTH) return fallback;
  if (!PLAIN_PATH_AND_QUERY.test(next)) return fallback;

  let url: URL;
  try {
    url = new URL(next, HUB_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== HUB_ORIGIN || !url.pathname.startsWith(hubBaseUrl)) return fallback;
  if (!staysPutWhenDecoded(url.pathname, hubBaseUrl)) return fallback;

  // The value emitted, read back as a browser reads a Location header: a path that resolving
  // turned into `//host/…` (e.g. `/.//host`) names another origin, and is refused here.
  const target = `${url.pathname}${url.search}${url.hash}`;
  const followed = new URL(target, HUB_ORIGIN);
  if (followed.origin !== HUB_ORIGIN || followed.href !== url.href) return fallback;
  return target;
}
