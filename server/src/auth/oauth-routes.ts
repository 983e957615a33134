/**
 * `{prefix}oauth_login`, `{prefix}oauth_callback` and `{prefix}logout`: HubOAuth's login flow
 * (HubOAuthenticated.get_login_url, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1421-L1460, and
 * HubOAuthCallbackHandler, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1600-L1673), with PKCE S256 and the state kept in a signed cookie.
 * In local mode `oauth_login` hands out a local session directly: there is no hub to ask.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import * as z from "zod";
import { HttpError, parseOr400 } from "../errors.ts";
import { CodeRefusedError, type HubClient } from "../hub/hub-client.ts";
import { hasServiceAccess, type HubIdentity, type LocalIdentity } from "./identity.ts";
import { redirectTarget } from "./redirect-target.ts";
import type { SessionRevocations } from "./session-revocations.ts";
import {
  clearSessionCookie,
  cookieOptions,
  newSession,
  readSession,
  readSignedCookie,
  setSessionCookie,
  stateCookieName,
  stateCookieNameFor,
  type CookieSettings,
} from "./session.ts";

/** HubOAuth keeps login state for 600 s (oauth_state_max_age, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1138-L1146). */
const STATE_MAX_AGE_SECONDS = 600;

/**
 * Logins a browser may have in flight (tabs signing in at once). Every abandoned login leaves a
 * state cookie for 600 s; without a cap, a page that keeps sending the browser to `oauth_login`
 * piles up cookies until the hub's proxy refuses the request headers (431) for the whole origin.
 */
export const MAX_LOGINS_IN_FLIGHT = 4;

export interface OAuthSettings extends CookieSettings {
  serviceName: string;
  hubBaseUrl: string;
  oauthCallbackUrl: string;
}

export type LoginBackend =
  | { kind: "hub"; hub: HubClient; identity: HubIdentity }
  | { kind: "local"; identity: LocalIdentity };

export interface OAuthDeps {
  backend: LoginBackend;
  revocations: SessionRevocations;
  /** Milliseconds since the epoch. */
  now: () => number;
}

/** `next` is whatever the query holds (a string, a repeated key's list, nothing): redirectTarget decides. */
const LoginQuerySchema = z.object({ next: z.unknown().optional() });
const CallbackQuerySchema = z.object({
  code: z.string().optional(),
  state: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});
const LoginStateSchema = z.object({
  state: z.string().min(1),
  verifier: z.string().min(43),
  next: z.string(),
  /** When the login started (ms): the oldest logins in flight are dropped first. */
  created: z.number(),
});

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function oauthRoutes(settings: OAuthSettings, deps: OAuthDeps) {
  const { backend, revocations, now } = deps;
  const fallbackNext = `${settings.hubBaseUrl}hub/spawn`;
  const loginUrl = (next: string) =>
    `${settings.servicePrefix}oauth_login?next=${encodeURIComponent(next)}`;

  /**
   * Clears state cookies of logins this browser abandoned so that, with the one about to be set,
   * at most MAX_LOGINS_IN_FLIGHT remain; cookies that do not verify go first, then the oldest.
   */
  function capLoginsInFlight(request: FastifyRequest, reply: FastifyReply): void {
    const prefix = stateCookieName(settings);
    const inFlight = Object.keys(request.cookies)
      .filter((name) => name.startsWith(prefix))
      .map((name) => ({ name, created: readLoginState(request, name)?.created ?? -1 }))
      .sort((a, b) => a.created - b.created);
    for (const { name } of inFlight.slice(
      0,
      Math.max(0, inFlight.length - MAX_LOGINS_IN_FLIGHT + 1),
    ))
      reply.clearCookie(name, { path: settings.servicePrefix });
  }

  return function routes(app: FastifyInstance): Promise<void> {
    app.get("/oauth_login", { config: { errorPage: true } }, async (request, reply) => {
      const { next } = parseOr400(LoginQuerySchema, request.query, "login query");
      const nextUrl = redirectTarget(next, settings.hubBaseUrl, fallbackNext);
      reply.header("cache-control", "no-store");
      if (backend.kind === "local") {
        const session = newSession(backend.identity.issueToken(), now(), undefined);
        setSessionCookie(request, reply, settings, session);
        return reply.redirect(nextUrl, 302);
      }
      capLoginsInFlight(request, reply);
      // 32 random bytes, as HubOAuth's PKCE verifier is secrets.token_urlsafe(32)
      // (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1083-L1100).
      const state = randomBytes(32).toString("base64url");
      const verifier = randomBytes(32).toString("base64url");
      reply.setCookie(
        stateCookieNameFor(settings, state),
        JSON.stringify({ state, verifier, next: nextUrl, created: now() }),
        cookieOptions(request, settings, STATE_MAX_AGE_SECONDS),
      );
      const authorize = new URLSearchParams({
        client_id: settings.clientId,
        redirect_uri: settings.oauthCallbackUrl,
        response_type: "code",
        state,
        code_challenge: pkceChallenge(verifier),
        code_challenge_method: "S256",
      });
      return reply.redirect(
        `${settings.hubBaseUrl}hub/api/oauth2/authorize?${authorize.toString()}`,
        302,
      );
    });

    // The validation order of HubOAuthCallbackHandler.get (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1610-L1673).
    app.get("/oauth_callback", { config: { errorPage: true } }, async (request, reply) => {
      if (backend.kind === "local")
        throw new HttpError(404, "Local mode has no OAuth callback; open the spawn page instead.");
      const query = parseOr400(CallbackQuerySchema, request.query, "OAuth callback query");
      const signInAgain = { login_url: loginUrl(fallbackNext) };
      if (query.error)
        throw new HttpError(
          400,
          `The hub refused the login: ${query.error_description ?? query.error}`,
          signInAgain,
        );
      if (!query.code || !query.state)
        throw new HttpError(400, "The OAuth callback needs both code and state.", signInAgain);
      const saved = readLoginState(request, stateCookieNameFor(settings, query.state));
      // Strict on every hub version: JupyterHub 5.5 ignores PKCE, so the state is all that ties
      // this callback to the login this browser started.
      if (!saved || !sameString(saved.state, query.state)) {
        throw new HttpError(
          403,
          "This sign-in link does not belong to a sign-in started in this browser (it may have been used already, or be older than 10 minutes). Sign in again.",
          signInAgain,
        );
      }
      // Every `<client_id>-oauth-state*` cookie is cleared, as HubOAuthCallbackHandler does
      // (clear_oauth_state_cookies, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1257-L1265).
      for (const name of Object.keys(request.cookies)) {
        if (name.startsWith(stateCookieName(settings))) {
          reply.clearCookie(name, { path: settings.servicePrefix });
        }
      }
      // Re-checked although it was checked at login: the cookie's signature is all that vouches for it.
      const next = redirectTarget(saved.next, settings.hubBaseUrl, fallbackNext);
      let issued;
      try {
        issued = await backend.hub.exchangeCode({
          code: query.code,
          redirectUri: settings.oauthCallbackUrl,
          codeVerifier: saved.verifier,
        });
      } catch (error) {
        if (!(error instanceof CodeRefusedError)) throw error;
        request.log.info({ err: error }, "the hub refused an authorization code");
        // Trying the same code again can never work; a new sign-in can.
        throw new HttpError(
          400,
          "The hub did not accept this sign-in (it may have been used already or have expired). Sign in again.",
          { login_url: loginUrl(next) },
        );
      }
      const owner = await backend.hub.getTokenOwner(issued.token);
      if (!owner)
        throw new HttpError(
          403,
          "The hub did not accept the token it just issued. Sign in again.",
          { login_url: loginUrl(next) },
        );
      if (owner.kind !== "user")
        throw new HttpError(
          403,
          `The hub ${owner.ownerKind} "${owner.name}" cannot sign in to Launchpad; only users can.`,
        );
      if (!hasServiceAccess(owner.user.scopes, settings.serviceName)) {
        throw new HttpError(
          403,
          `${owner.user.name} may not use the ${settings.serviceName} service: a hub admin must grant the scope access:services!service=${settings.serviceName} (for example through extra_user_scopes or the user role).`,
        );
      }
      setSessionCookie(
        request,
        reply,
        settings,
        newSession(issued.token, now(), issued.expiresInSeconds),
      );
      reply.header("cache-control", "no-store");
      return reply.redirect(next, 302);
    });

    /**
     * Ends the companion's session everywhere: the cookie is cleared here and its session id is
     * revoked for every replica, so a saved copy of the cookie stops working at once. The hub
     * token itself is left to the hub (docs/security.md, "Logout"): deleting it would need the
     * `tokens` scope and would sign the user out of Launchpad on all their devices.
     */
    app.get("/logout", { config: { errorPage: true } }, async (request, reply) => {
      const session = readSession(request, settings, now());
      if (session) {
        backend.identity.forget(session.token);
        await revocations.revoke(session).catch((error: unknown) => {
          request.log.error({ err: error }, "logout: could not record the end of the session");
        });
      }
      clearSessionCookie(reply, settings);
      const { next } = parseOr400(LoginQuerySchema, request.query, "logout query");
      reply.header("cache-control", "no-store");
      return reply.redirect(
        redirectTarget(next, settings.hubBaseUrl, `${settings.hubBaseUrl}hub/home`),
        302,
      );
    });
    return Promise.resolve();
  };
}

function readLoginState(
  request: FastifyRequest,
  name: string,
): z.infer<typeof LoginStateSchema> | null {
  const raw = readSignedCookie(request, name);
  if (raw === null) return null;
  try {
    const parsed = LoginStateSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
