import { describe, expect, it } from "vitest";
import { redirectTarget } from "./redirect-target.ts";

/**
 * What a browser does with a `Location` value, independently of the code under test: the WHATWG
 * URL parser resolves it against the page that answered (a callback under the service prefix on
 * an https hub). A target is safe when that lands on the hub's origin under its prefix.
 */
const HUB_PAGE = "https://hub.example/jh/services/launchpad/oauth_callback";
function whereTheBrowserGoes(location: string): URL {
  return new URL(location, HUB_PAGE);
}

/**
 * Hostile `next` values, as the route receives them (after the query string's own decoding). `{p}`
 * is replaced by the hub's prefix, so each also tries to look like a path under it.
 */
const HOSTILE: readonly string[] = [
  // The probes of the report, and dot segments that collapse onto a protocol-relative path.
  "/.//evil.example/phish",
  "{p}.//evil.example/phish",
  "/a/..//evil.example",
  "{p}a/..//evil.example",
  "/%2e//evil.example",
  "{p}%2e//evil.example",
  "/hub/../..//evil.example",
  "{p}hub/../..//evil.example",
  "{p}hub/../../..//evil.example/",
  "{p}%2e%2e/%2e%2e//evil.example",
  "{p}.%2e/%2E.//evil.example",
  "{p}%2E%2e/x/../..//evil.example",
  "//evil.example/phish",
  "{p}/evil.example",
  "///evil.example",
  "////evil.example",
  // Backslashes, raw and encoded: URL parsers read `\` as `/` in http(s) URLs.
  "/\\evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "{p}\\..\\..\\/evil.example",
  "/%5Cevil.example",
  "/%5c%5cevil.example",
  "{p}hub/%2e%2e%5c%2e%2e%5c/evil.example",
  // Tabs, newlines, other controls and spaces: URL parsers drop or trim them, header writers split on them.
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "\t//evil.example",
  " //evil.example",
  "{p}\u0000//evil.example",
  "{p}\u007f//evil.example",
  "{p}\u2028//evil.example",
  "/%09/evil.example",
  "/%0a/evil.example",
  "{p}%0d%0aLocation:%20//evil.example",
  "{p}%00/../..//evil.example",
  // Percent-encoded and double-encoded separators and dots that a later decoding layer would undo.
  "%2F%2Fevil.example",
  "/%2F/evil.example",
  "/%2f%2fevil.example",
  "/%252F/evil.example",
  "/%25252F%25252Fevil.example",
  "{p}..%2F..%2F/evil.example",
  "{p}%2e%2e%2f%2e%2e%2f/evil.example",
  "{p}%252e%252e/%252e%252e//evil.example",
  "{p}%25%32%65%25%32%65/%2e%2e//evil.example",
  "{p}%E0%A4%A",
  // Fullwidth and ideographic dots and slashes, raw and encoded (NFKC/IDNA fold them to `.` and `/`).
  "／／evil.example",
  "/／evil.example",
  "{p}．．/．．//evil.example",
  "/%EF%BC%8F/evil.example",
  "/%EF%BC%8Fevil.example",
  "{p}%EF%BC%8E%EF%BC%8E/%EF%BC%8E%EF%BC%8E/%EF%BC%8F/evil.example",
  "{p}%E3%80%82%E3%80%82/%E3%80%82%E3%80%82//evil.example",
  "{p}%EF%BD%A1%EF%BD%A1/..//evil.example",
  "{p}%EF%BC%BC%EF%BC%BCevil.example",
  "//evil。example",
  // Schemes in any case, with and without slashes; userinfo with `@`.
  "https://evil.example/",
  "HTTPS://evil.example/",
  "hTtP://evil.example",
  "http:evil.example",
  "https:evil.example",
  "http:/evil.example",
  "https:\\\\evil.example",
  "javascript:alert(1)",
  "JavaScript:alert(document.domain)",
  " javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "vbscript:msgbox(1)",
  "//evil.example@hub.example/",
  "https://hub.example@evil.example/",
  "//hub.example%40evil.example/",
  "/\\@evil.example",
  // Not an absolute path: resolved against the callback's own URL, or nothing at all.
  "",
  "hub/spawn",
  "./hub/spawn",
  "../hub/spawn",
  "?next=//evil.example",
  "#//evil.example",
  `/${"a".repeat(5000)}`,
];

/** Under the `/jh/` prefix only: paths on the hub's origin but outside its prefix. */
const OUTSIDE_JH: readonly string[] = [
  "/",
  "/hub/spawn",
  "/jh",
  "/jhx/hub/spawn",
  "/JH/hub/spawn",
  "/jh/../other",
  "/jh/%2e%2e/other",
  "/jh/hub/../../other",
  "/jh%2F..%2Fother/",
  "/jh/..%2Fother",
];

const PREFIXES = ["/", "/jh/"] as const;
const FALLBACK = (prefix: string) => `${prefix}hub/spawn`;

describe("redirectTarget", () => {
  it("has a table of at least 50 hostile values", () => {
    expect(new Set(HOSTILE).size).toBe(HOSTILE.length);
    expect(HOSTILE.length).toBeGreaterThanOrEqual(50);
  });

  describe.each(PREFIXES)("under the prefix %s", (prefix) => {
    // Labelled by a short JSON form: one value is 5,000 characters long.
    const cases = HOSTILE.map((value) => {
      const next = value.replaceAll("{p}", prefix);
      return [JSON.stringify(next).slice(0, 72), next] as const;
    });

    it.each(cases)("sends %s to the default page", (_label, next) => {
      const target = redirectTarget(next, prefix, FALLBACK(prefix));
      expect(target).toBe(FALLBACK(prefix));
    });

    it.each(cases)("never lets %s leave the hub's origin or its prefix", (_label, next) => {
      const landed = whereTheBrowserGoes(redirectTarget(next, prefix, FALLBACK(prefix)));
      expect(landed.origin).toBe("https://hub.example");
      expect(landed.pathname.startsWith(prefix)).toBe(true);
    });

    it.each([
      ["{p}hub/spawn", "{p}hub/spawn"],
      ["{p}hub/spawn/alice?x=1#top", "{p}hub/spawn/alice?x=1#top"],
      ["{p}hub/./spawn", "{p}hub/spawn"],
      ["{p}hub/x/../spawn", "{p}hub/spawn"],
      ["{p}hub/spawn/%C3%A9l%C3%A8ve/gpu", "{p}hub/spawn/%C3%A9l%C3%A8ve/gpu"],
      ["{p}user/alice/lab?path=a%2Fb%2F..%2Fc", "{p}user/alice/lab?path=a%2Fb%2F..%2Fc"],
      ["{p}hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fa%2Fb", null],
    ])("keeps %j, normalised", (next, expected) => {
      const value = next.replaceAll("{p}", prefix);
      expect(redirectTarget(value, prefix, FALLBACK(prefix))).toBe(
        (expected ?? next).replaceAll("{p}", prefix),
      );
    });
  });

  it.each(OUTSIDE_JH)("sends %j, outside /jh/, to the default page", (next) => {
    expect(redirectTarget(next, "/jh/", "/jh/hub/spawn")).toBe("/jh/hub/spawn");
  });

  it.each([[["/hub/"]], [undefined], [42], [{ toString: () => "/hub/" }]])(
    "sends the non-string %j to the default page",
    (next) => {
      expect(redirectTarget(next, "/", "/hub/spawn")).toBe("/hub/spawn");
    },
  );
});
