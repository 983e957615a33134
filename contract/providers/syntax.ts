/**
 * The building blocks of the providers' rules: what a repository, DOI, ref or URL may look like,
 * and small parsers every other module of contract/providers/ shares.
 */
// eslint-disable-next-line no-control-regex
export const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/;
/** Printable ASCII that is safe inside a URL we forward (no quotes, brackets, backslash or `#`). */
export const URL_CHARS = /^[A-Za-z0-9\-._~:/?=&%@+,;!$'()*]+$/;

export const GH_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
export const GH_REPO = /^[A-Za-z0-9._-]{1,100}$/;
export const GL_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;
export const GIST_ID = /^(?:[0-9a-f]{20,32}|[0-9]{1,12})$/;
export const DOI = /^10\.[0-9]{4,9}\/[A-Za-z0-9._;()/:+-]+$/;
export const HYDROSHARE_ID = /^[0-9a-f]{32}$/;
export const REF = /^[A-Za-z0-9._/+@=,-]{1,255}$/;
export const SCP_LIKE_GIT = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~/+-]+$/;
export const GIT_PROTOCOLS = new Set(["http:", "https:", "git:", "ssh:"]);

export function hasDotSegment(path: string): boolean {
  return path.split("/").some((part) => part === "." || part === "..");
}

export function stripGitSuffix(value: string): string {
  return value.endsWith(".git") ? value.slice(0, -4) : value;
}

export function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, "");
}

export function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** Lets `github.com/org/repo` (no scheme) count as a URL too. */
export function parseLooseUrl(value: string): URL | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return parseUrl(value);
  if (/^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+\//i.test(value)) return parseUrl(`https://${value}`);
  return null;
}

export function hostIs(url: URL, host: string): boolean {
  const h = url.hostname.toLowerCase();
  return h === host || h === `www.${host}`;
}

export function pathParts(url: URL): string[] {
  return trimSlashes(url.pathname)
    .split("/")
    .filter((part) => part !== "")
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
}

/** `doi:10.x/y`, `https://doi.org/10.x/y` and `https://dx.doi.org/10.x/y` all become `10.x/y`. */
export function stripDoiPrefix(value: string): string {
  const url = parseLooseUrl(value);
  if (url && (hostIs(url, "doi.org") || hostIs(url, "dx.doi.org"))) {
    return decodeURIComponent(trimSlashes(url.pathname));
  }
  return value.replace(/^doi:\s*/i, "");
}

export function isDoi(value: string): boolean {
  return DOI.test(value) && !hasDotSegment(value) && !value.includes("//") && !value.endsWith("/");
}

export function isGitUrl(value: string): boolean {
  if (CONTROL_OR_SPACE.test(value) || !URL_CHARS.test(value)) return false;
  if (SCP_LIKE_GIT.test(value)) return !hasDotSegment(value.slice(value.indexOf(":") + 1));
  const url = parseUrl(value);
  if (!url || !GIT_PROTOCOLS.has(url.protocol) || url.hostname === "") return false;
  // A password in the URL would travel into logs and project records.
  if (url.password !== "") return false;
  const afterHost = value.slice(value.indexOf("//") + 2);
  const path = afterHost.slice(afterHost.indexOf("/") + 1);
  if (!afterHost.includes("/") || path === "" || hasDotSegment(path)) return false;
  return true;
}

export function isCkanUrl(value: string): boolean {
  if (CONTROL_OR_SPACE.test(value) || !URL_CHARS.test(value)) return false;
  const url = parseUrl(value);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) return false;
  if (url.password !== "" || url.username !== "") return false;
  if (hasDotSegment(value.slice(value.indexOf("//") + 2))) return false;
  return /\/dataset\/[^/?]+/.test(url.pathname);
}

export function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

export function splitOnce(value: string, separator: string): [string, string] | null {
  const at = value.indexOf(separator);
  return at === -1 ? null : [value.slice(0, at), value.slice(at + separator.length)];
}
