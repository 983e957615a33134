/**
 * `{prefix}oauth_login`, `{prefix}oauth_callback` and `{prefix}logout`: HubOAuth's login flow
 * (HubOAuthenticated.get_login_url, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1421-L1460, and
 * HubOAuthCallbackHandler, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1600-L1673), with PKCE S256 and the state kept in a signed cookie.
 * In local mode `oauth_login` hands out a local session directly: there is no hub to ask.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import { HttpError, parseOr400 } from "../errors.ts";
import type { HubClient } from "../hub/hub-client.ts";
import { hasServiceAccess, type HubIdentity, type LocalIdentity } from "./identity.ts";
import { redirectTarget } from "./redirect-target.ts";
import {
  clearSessionCookie,
  cookieOptions,
  readSignedCookie,
  sessionCookieName,
  setSessionCookie,
  stateCookieName,
  stateCookieNameFor,
  type CookieSettings,
} from "./session.ts";

/** HubOAuth keeps login state for 600 s (oauth_state_max_age, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1138-L1146). */
const STATE_MAX_AGE_SECONDS = 600;

export interface OAuthSettings extends CookieSettings {
  serviceName: string;
  hubBaseUrl: string;
  oauthCallbackUrl: string;
}

export type LoginBackend =
  | { kind: "hub"; hub: HubClient; identity: HubIdentity }
  | { kind: "local"; identity: LocalIdentity };

const LoginQuerySchema = z.object({ next: z.string().optional() });
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

export function oauthRoutes(settings: OAuthSettings, backend: LoginBackend) {
  const fallbackNext = `${settings.hubBaseUrl}hub/spawn`;

  return function routes(app: FastifyInstance): Promise<void> {
    app.get("/oauth_login", { config: { errorPage: true } }, async (request, reply) => {
      const { next } = parseOr400(LoginQuerySchema, request.query, "login query");
      const nextUrl = redirectTarget(next, settings.hubBaseUrl, fallbackNext);
      reply.header("cache-control", "no-store");

      if (backend.kind === "local") {
        setSessionCookie(request, reply, settings, backend.identity.issueToken());
        return reply.redirect(nextUrl, 302);
      }

      // 32 random bytes, as HubOAuth's PKCE verifier is secrets.token_urlsafe(32)
      // (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1083-L1100).
      const state = randomBytes(32).toString("base64url");
      const verifier = randomBytes(32).toString("base64url");
      reply.setCookie(
        stateCookieNameFor(settings, state),
        JSON.stringify({ state, verifier, next: nextUrl }),
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
      if (query.error)
        throw new HttpError(
          400,
          `The hub refused the login: ${query.error_description ?? query.error}`,
        );
      if (!query.code || !query.state)
        throw new HttpError(400, "The OAuth callback needs both code and state.");
      const raw = readSignedCookie(request, stateCookieNameFor(settings, query.state));
      let saved: z.infer<typeof LoginStateSchema> | null = null;
      try {
        const parsed = LoginStateSchema.safeParse(raw === null ? null : JSON.parse(raw));
        if (parsed.success) saved = parsed.data;
      } catch {
        saved = null;
      }
      if (!saved || !sameString(saved.state, query.state)) {
        throw new HttpError(
          403,
          "The login state does not match this browser's; start the login again from the spawn page.",
        );
      }
      // Every `<client_id>-oauth-state*` cookie is cleared, as HubOAuthCallbackHandler does
      // (clear_oauth_state_cookies, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1257-L1265).
      for (const name of Object.keys(request.cookies)) {
        if (name.startsWith(stateCookieName(settings))) {
          reply.clearCookie(name, { path: settings.servicePrefix });
        }
      }

      const token = await backend.hub.exchangeCode({
        code: query.code,
        redirectUri: settings.oauthCallbackUrl,
        codeVerifier: saved.verifier,
      });
      const user = await backend.hub.getUser(token);
      if (!user)
        throw new HttpError(
          403,
          "The hub did not accept the token it just issued; try logging in again.",
        );
      if (!hasServiceAccess(user.scopes, settings.serviceName)) {
        throw new HttpError(
          403,
          `${user.name} may not use the ${settings.serviceName} service: a hub admin must grant the scope access:services!service=${settings.serviceName} (for example through extra_user_scopes or the user role).`,
        );
      }
      setSessionCookie(request, reply, settings, token);
      reply.header("cache-control", "no-store");
      // Re-checked although it was checked at login: the cookie's signature is all that vouches for it.
      return reply.redirect(redirectTarget(saved.next, settings.hubBaseUrl, fallbackNext), 302);
    });

    app.get("/logout", { config: { errorPage: true } }, async (request, reply) => {
      const token = readSignedCookie(request, sessionCookieName(settings));
      if (token && backend.kind === "hub") backend.identity.forget(token);
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
