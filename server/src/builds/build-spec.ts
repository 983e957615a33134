/**
 * What the companion knows about a BinderHub build request before sending it upstream: whether the
 * spec is acceptable, the repository URL BinderHub will annotate its build pod with, and the
 * deterministic build-pod name (reference/binderhub.md §A.2, §A.9).
 *
 * The spec is handled RAW: exactly the characters that follow `build/<provider>/` in BinderHub's
 * URL, e.g. `binder-examples/octave/HEAD` or `group%2Fproject/main`. BinderHub itself re-reads the
 * raw path (base.py `get_spec_from_request`, because tornado would turn `%2F` into `/`), so the
 * companion forwards those characters unchanged and never decodes or re-encodes them.
 *
 * The routes validate shapes with contract/providers.ts (`decodeBuildPath`, shared with the page)
 * plus `checkSpecSafety`; `checkSpec`'s conservative per-provider patterns are the fallback for
 * callers without the page's contract.
 */
import { createHash } from "node:crypto";
import type { Provider } from "../../../contract/build.ts";

export type SpecCheck = { ok: true } | { ok: false; message: string };

const MAX_SPEC_LENGTH = 1024;
/** RFC 3986 unreserved plus `%`, which must start a valid escape (checked separately). */
const ESCAPED_COMPONENT = "[A-Za-z0-9._~%-]+";
const REF = "[A-Za-z0-9._/-]{1,255}";

const PATTERNS: Record<Provider, { pattern: RegExp; example: string }> = {
  // tokenize_spec splits on the first two "/", so the ref may contain "/" (§A.2).
  gh: {
    pattern: new RegExp(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}/${REF}$`),
    example: "binder-examples/requirements/HEAD",
  },
  gl: {
    pattern: new RegExp(`^[A-Za-z0-9._-]+(?:%2[Ff][A-Za-z0-9._-]+)+/${REF}$`),
    example: "group%2Fproject/main",
  },
  git: {
    pattern: new RegExp(`^${ESCAPED_COMPONENT}/${REF}$`),
    example: "https%3A%2F%2Fgithub.com%2Fbinder-examples%2Fconda/main",
  },
  gist: {
    pattern: /^[A-Za-z0-9-]{1,39}\/[0-9a-fA-F]{1,64}(?:\/[A-Za-z0-9._-]{0,64})?$/,
    example: "user/0123abcd",
  },
  zenodo: {
    pattern: /^10\.\d{4,9}\/[A-Za-z0-9._;()/:-]{1,200}$/,
    example: "10.5281/zenodo.3242074",
  },
  figshare: {
    pattern: /^10\.\d{4,9}\/[A-Za-z0-9._;()/:-]{1,200}$/,
    example: "10.6084/m9.figshare.9782777.v1",
  },
  dataverse: {
    pattern: /^10\.\d{4,9}\/[A-Za-z0-9._;()/:-]{1,200}$/,
    example: "10.7910/DVN/TJCLKP",
  },
  hydroshare: {
    pattern: new RegExp(`^(?:[0-9a-f]{32}|${ESCAPED_COMPONENT})$`),
    example: "b8f6eae9d89241cf8b5904033460af61",
  },
  ckan: {
    pattern: new RegExp(`^https?%3A%2F%2F${ESCAPED_COMPONENT}$`, "i"),
    example: "https%3A%2F%2Fdemo.ckan.org%2Fdataset%2Fsample",
  },
};

function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * What any spec must satisfy before it is pasted into BinderHub's URL, whoever validated its
 * shape: bounded, only URL-path-safe characters, valid escapes, no empty, `.` or `..` segments
 * (which a URL parser would collapse into another path).
 */
export function checkSpecSafety(provider: Provider, spec: string): SpecCheck {
  const refuse = (why: string): SpecCheck => ({
    ok: false,
    message: `Invalid ${provider} repository spec: ${why}.`,
  });
  if (spec.length === 0) return refuse("it is empty");
  if (spec.length > MAX_SPEC_LENGTH)
    return refuse(`it is longer than ${MAX_SPEC_LENGTH} characters`);
  if (!/^[A-Za-z0-9._~%!$&'()*+,;=:@/-]+$/.test(spec))
    return refuse("it has characters that cannot go into a URL path unescaped");
  if (/%(?![0-9A-Fa-f]{2})/.test(spec)) return refuse("it has a malformed %-escape");
  if (spec.split("/").some((segment) => segment === "" || segment === "." || segment === "..")) {
    return refuse("it has an empty, '.' or '..' path segment");
  }
  return { ok: true };
}

/** Checks a raw spec for a provider; every refusal says what a valid one looks like. */
export function checkSpec(provider: Provider, spec: string): SpecCheck {
  const rule = PATTERNS[provider];
  const refuse = (why: string): SpecCheck => ({
    ok: false,
    message: `Invalid ${provider} repository spec: ${why} (expected something like ${rule.example}).`,
  });
  if (spec.length === 0) return refuse("it is empty");
  if (spec.length > MAX_SPEC_LENGTH)
    return refuse(`it is longer than ${MAX_SPEC_LENGTH} characters`);
  if (/%(?![0-9A-Fa-f]{2})/.test(spec)) return refuse("it has a malformed %-escape");
  if (spec.split("/").some((segment) => segment === "" || segment === "." || segment === "..")) {
    return refuse("it has an empty, '.' or '..' path segment");
  }
  if (!rule.pattern.test(spec))
    return refuse("it has characters or a shape this provider does not accept");
  const first = spec.split("/")[0] ?? "";
  if (provider === "git") {
    const url = decodeOrUndefined(first);
    if (url === undefined || !/^(?:https?:\/\/|git:\/\/|ssh:\/\/|git@)[^\s]+$/.test(url)) {
      return refuse("the repository must be a URL-escaped http(s), git or ssh URL");
    }
  }
  if (provider === "ckan") {
    const url = decodeOrUndefined(spec);
    if (url === undefined || !url.includes("/dataset/"))
      return refuse("a CKAN dataset URL contains /dataset/");
  }
  if (provider === "hydroshare" && !/[0-9a-f]{32}/.test(decodeOrUndefined(spec) ?? "")) {
    return refuse("it must contain a 32-hex-digit HydroShare resource id");
  }
  return { ok: true };
}

/**
 * The repository URL BinderHub puts in the build pod's `binder-repo` annotation: each provider's
 * `get_repo_url()` in binderhub/repoproviders.py. For the DOI-based providers it is the spec
 * itself (their `self.repo`); that mapping is read from the code, not observed.
 */
export function repositoryUrl(provider: Provider, spec: string): string {
  const parts = spec.split("/");
  switch (provider) {
    case "gh": {
      const repo = (parts[1] ?? "").replace(/\.git$/, "");
      return `https://github.com/${parts[0] ?? ""}/${repo}`;
    }
    case "gl":
      return `https://gitlab.com/${decodeOrUndefined(parts[0] ?? "") ?? ""}.git`;
    case "git":
      return decodeOrUndefined(parts[0] ?? "") ?? "";
    case "gist":
      return `https://gist.github.com/${parts[0] ?? ""}/${parts[1] ?? ""}.git`;
    case "ckan":
      return decodeOrUndefined(spec) ?? spec;
    default:
      return spec;
  }
}

/** The ref part of a spec, for providers whose spec ends in one. */
export function specRef(provider: Provider, spec: string): string | undefined {
  const parts = spec.split("/");
  if (provider === "gh") return parts.slice(2).join("/") || undefined;
  if (provider === "gl" || provider === "git") return parts.slice(1).join("/") || undefined;
  return undefined;
}

/** `provider.get_build_slug()` for the providers whose slug follows from the spec alone (§A.2). */
export function buildSlug(provider: Provider, spec: string): string | undefined {
  const parts = spec.split("/");
  switch (provider) {
    case "gh":
      return `${parts[0] ?? ""}-${(parts[1] ?? "").replace(/\.git$/, "")}`;
    case "gl": {
      const namespace = decodeOrUndefined(parts[0] ?? "");
      return namespace
        ?.split("/")
        .map((part) => part.replaceAll("-", "_-"))
        .join("-");
    }
    case "git":
      return decodeOrUndefined(parts[0] ?? "");
    default:
      return undefined;
  }
}

/**
 * escapism.escape(text, safe=[A-Za-z0-9], escape_char="-"): every other UTF-8 byte becomes "-XX"
 * (upper-case hex), as builder.py `_safe_build_slug` uses it.
 */
function escapeSlug(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const safe =
      (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122);
    out += safe
      ? String.fromCharCode(byte)
      : `-${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** builder.py `_safe_build_slug(build_slug, limit, hash_length=6)`. */
export function safeBuildSlug(slug: string, limit: number, hashLength = 6): string {
  const hash = createHash("sha256").update(slug, "utf8").digest("hex");
  return `${escapeSlug(slug).slice(0, limit - hashLength - 1)}-${hash.slice(0, hashLength)}`.toLowerCase();
}

const BUILD_POD_PREFIX = "build-";
const POD_NAME_LIMIT = 63;
const REF_LENGTH = 6;

/** The part of the build-pod name that does not depend on the resolved ref: `build-<slug>-`. */
export function buildPodNamePrefix(slug: string): string {
  return `${BUILD_POD_PREFIX}${safeBuildSlug(slug, POD_NAME_LIMIT - BUILD_POD_PREFIX.length - REF_LENGTH - 1)}-`;
}

/** builder.py `_generate_build_name(slug, resolved_ref, prefix="build-")`. */
export function buildPodName(slug: string, resolvedRef: string): string {
  return `${buildPodNamePrefix(slug)}${safeBuildSlug(resolvedRef, REF_LENGTH, 2).slice(0, REF_LENGTH)}`;
}
