/**
 * The companion's cookies, named and scoped as HubOAuth names and scopes its own
 * (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L905-L923): the session cookie is `<client_id>`, a login state cookie
 * `<client_id>-oauth-state-<first 12 characters of the state>`, both signed, HttpOnly, with
 * path = the service prefix.
 *
 * A session is more than the hub token it acts with: an id the companion can revoke on every
 * replica (session-revocations.ts) and an end of its own, so a saved copy of the cookie stops
 * working at logout rather than when the hub token expires.
 */
import type { CookieSerializeOptions } from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as z from "zod/mini";

export interface CookieSettings {
  clientId: string;
  servicePrefix: string;
  cookieSecret: string;
}

export function sessionCookieName(settings: CookieSettings): string {
  return settings.clientId;
}

export function stateCookieName(settings: CookieSettings): string {
  return `${settings.clientId}-oauth-state`;
}

/**
 * One state cookie per login in flight, named after its state, so two tabs logging in at once do
 * not overwrite each other's (HubOAuth adds a random suffix for the same reason,
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1189-L1200).
 */
export function stateCookieNameFor(settings: CookieSettings, state: string): string {
  return `${stateCookieName(settings)}-${state.slice(0, 12)}`;
}

/**
 * SameSite=Lax rather than Strict: a login that starts at an external identity provider reaches
 * our callback through a redirect chain that began cross-site, where Strict cookies are withheld
 * and the state check would fail. Lax still withholds the cookie from cross-site subresource
 * requests and POSTs; cross-site top-level GETs are refused by `requireSameOrigin` on routes that
 * start work, and writes need the CSRF header. The hub's own cookies default to Lax as well.
 */
export function cookieOptions(
  request: FastifyRequest,
  settings: CookieSettings,
  maxAgeSeconds?: number,
): CookieSerializeOptions {
  return {
    path: settings.servicePrefix,
    httpOnly: true,
    sameSite: "lax",
    // HubOAuth sets Secure when the request is https (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1289-L1296); behind CHP the
    // scheme comes from X-Forwarded-Proto, which Fastify reads when trustProxy is on.
    secure: request.protocol === "https",
    signed: true,
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

/** JupyterHub's own cookies and OAuth tokens last 14 days by default (`cookie_max_age_days`). */
export const MAX_SESSION_SECONDS = 14 * 24 * 3600;

export interface Session {
  /** 128 random bits, base64url: what a revocation names. */
  id: string;
  /** The user's hub OAuth token (or the local token). Never send it to the browser. */
  token: string;
  /** Seconds since the epoch after which the companion no longer accepts the session. */
  expiresAt: number;
}

const SessionCookieSchema = z.object({
  v: z.literal(1),
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]{22}$/)),
  exp: z.number().check(z.int()),
  token: z.string().check(z.minLength(1)),
});

/** A new session for `token`, ending with the token or after MAX_SESSION_SECONDS, whichever is first. */
export function newSession(
  token: string,
  nowMs: number,
  tokenLifetimeSeconds: number | undefined,
): Session {
  const lifetime = Math.min(tokenLifetimeSeconds ?? MAX_SESSION_SECONDS, MAX_SESSION_SECONDS);
  return {
    id: randomBytes(16).toString("base64url"),
    token,
    expiresAt: Math.floor(nowMs / 1000) + Math.max(1, Math.floor(lifetime)),
  };
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  settings: CookieSettings,
  session: Session,
): void {
  const value = JSON.stringify({
    v: 1,
    id: session.id,
    exp: session.expiresAt,
    token: session.token,
  });
  reply.setCookie(sessionCookieName(settings), value, cookieOptions(request, settings));
}

/**
 * The session in a request's cookie, or null when there is none, its signature does not verify,
 * it is of an older format (that browser signs in again) or it has ended.
 */
export function readSession(
  request: FastifyRequest,
  settings: CookieSettings,
  nowMs: number,
): Session | null {
  const raw = readSignedCookie(request, sessionCookieName(settings));
  if (raw === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  const result = SessionCookieSchema.safeParse(parsed);
  if (!result.success || result.data.exp * 1000 <= nowMs) return null;
  return { id: result.data.id, token: result.data.token, expiresAt: result.data.exp };
}

export function clearSessionCookie(reply: FastifyReply, settings: CookieSettings): void {
  reply.clearCookie(sessionCookieName(settings), { path: settings.servicePrefix });
}

/** The value of a signed cookie, or null when it is missing or its signature does not verify. */
export function readSignedCookie(request: FastifyRequest, name: string): string | null {
  const raw = request.cookies[name];
  if (raw === undefined) return null;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value !== null ? unsigned.value : null;
}

/**
 * The CSRF token of a session: an HMAC of its hub token, so it is bound to the session, needs no
 * storage, and reveals nothing about the token (a synchronizer token; the hub's own check is
 * `_needs_check_xsrf`/`check_xsrf_cookie`, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/_xsrf_utils.py#L189-L250).
 */
export function csrfTokenFor(cookieSecret: string, sessionToken: string): string {
  return createHmac("sha256", cookieSecret)
    .update(`launchpad-csrf:${sessionToken}`)
    .digest("base64url");
}

export function csrfTokenMatches(
  cookieSecret: string,
  sessionToken: string,
  presented: unknown,
): boolean {
  if (typeof presented !== "string") return false;
  const expected = Buffer.from(csrfTokenFor(cookieSecret, sessionToken));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
