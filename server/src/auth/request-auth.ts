/**
 * Per-request authentication, what HubAuthenticated does for tornado handlers (the token from
 * `Authorization: token|bearer` first, then the cookie: https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L725-L750),
 * as Fastify decorations:
 *
 * - `request.user`: the HubUser once a preHandler below resolved it, else null;
 * - `request.auth`: how the request authenticated (`token` header or `cookie`) and with which token;
 * - `app.requireUser`: 401 `{status, message, login_url}` without a valid session or token, 403
 *   without `access:services!service=<name>`; on unsafe methods it also runs the CSRF check, so a
 *   write route cannot forget it;
 * - `app.requireCsrf`: cookie-authenticated non-GET requests must send `X-Launchpad-CSRF`;
 * - `app.requireSameOrigin`: refuses cross-site `Sec-Fetch-Site`, for GET routes that start work.
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from "fastify";
import { CSRF_HEADER } from "../../../contract/api.ts";
import { HttpError } from "../errors.ts";
import type { HubUser } from "../hub/hub-client.ts";
import type { Identity } from "./identity.ts";
import {
  clearSessionCookie,
  csrfTokenMatches,
  readSignedCookie,
  sessionCookieName,
  type CookieSettings,
} from "./session.ts";

export interface RequestAuth {
  /** `token`: an Authorization header (no CSRF needed); `cookie`: the session cookie. */
  kind: "token" | "cookie";
  /** The user's hub OAuth token (or the local token). Never send it to the browser. */
  token: string;
}

declare module "fastify" {
  interface FastifyRequest {
    user: HubUser | null;
    auth: RequestAuth | null;
  }
  interface FastifyInstance {
    /** Resolves `request.user` without refusing anyone (for routes that work either way). */
    identify: preHandlerAsyncHookHandler;
    requireUser: preHandlerAsyncHookHandler;
    requireCsrf: preHandlerAsyncHookHandler;
    requireSameOrigin: preHandlerAsyncHookHandler;
  }
}

export interface RequestAuthOptions extends CookieSettings {
  identity: Identity;
  serviceName: string;
  /** Where a browser gets a session: `{prefix}oauth_login`. */
  loginUrl: string;
}

type Failure = "none" | "invalid" | "no-access";

const AUTH_HEADER = /^(?:token|bearer)\s+(\S+)\s*$/i;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** `none`: the user typed the URL or followed a bookmark (Fetch Metadata). */
const ALLOWED_FETCH_SITES = new Set(["same-origin", "none"]);

export function installRequestAuth(app: FastifyInstance, options: RequestAuthOptions): void {
  const resolved = new WeakMap<FastifyRequest, Promise<Failure>>();

  async function resolve(request: FastifyRequest, reply: FastifyReply): Promise<Failure> {
    const header = request.headers.authorization;
    let auth: RequestAuth | null = null;
    if (header !== undefined) {
      const match = AUTH_HEADER.exec(header);
      if (!match?.[1]) return "invalid";
      auth = { kind: "token", token: match[1] };
    } else {
      const name = sessionCookieName(options);
      const token = readSignedCookie(request, name);
      if (token) auth = { kind: "cookie", token };
      else if (request.cookies[name] !== undefined) clearSessionCookie(reply, options); // tampered or old secret
    }
    if (!auth) return "invalid";
    const check = await options.identity.check(auth.token);
    if (check.outcome === "invalid") {
      // Logged out at the hub, which deletes the session's tokens
      // (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/handlers/base.py#L613-L640): drop the cookie so the page logs in again.
      if (auth.kind === "cookie") clearSessionCookie(reply, options);
      return "invalid";
    }
    request.auth = auth;
    if (check.outcome === "no-access") return "no-access";
    request.user = check.user;
    return "none";
  }

  function once(request: FastifyRequest, reply: FastifyReply): Promise<Failure> {
    let pending = resolved.get(request);
    if (!pending) {
      pending = resolve(request, reply);
      resolved.set(request, pending);
    }
    return pending;
  }

  function checkCsrf(request: FastifyRequest): void {
    if (SAFE_METHODS.has(request.method) || request.auth?.kind !== "cookie") return;
    if (!csrfTokenMatches(options.cookieSecret, request.auth.token, request.headers[CSRF_HEADER])) {
      throw new HttpError(
        403,
        `Missing or wrong ${CSRF_HEADER} header; reload the page and try again.`,
      );
    }
  }

  app.decorateRequest("user", null);
  app.decorateRequest("auth", null);

  app.decorate("identify", async function identify(request: FastifyRequest, reply: FastifyReply) {
    await once(request, reply);
  });

  app.decorate(
    "requireUser",
    async function requireUser(request: FastifyRequest, reply: FastifyReply) {
      const failure = await once(request, reply);
      if (failure === "no-access") {
        throw new HttpError(
          403,
          `Your hub account may not use the ${options.serviceName} service: a hub admin must grant the scope access:services!service=${options.serviceName}.`,
        );
      }
      if (failure === "invalid" || !request.user) {
        throw new HttpError(
          401,
          "You are not logged in to Launchpad (or the hub logged you out).",
          { login_url: options.loginUrl },
        );
      }
      checkCsrf(request);
    },
  );

  app.decorate(
    "requireCsrf",
    async function requireCsrf(request: FastifyRequest, reply: FastifyReply) {
      await once(request, reply);
      checkCsrf(request);
    },
  );

  app.decorate(
    "requireSameOrigin",
    function requireSameOrigin(request: FastifyRequest): Promise<void> {
      const site = request.headers["sec-fetch-site"];
      // Browsers without Fetch Metadata send nothing; they still get the SameSite=Lax cookie rules.
      if (typeof site === "string" && !ALLOWED_FETCH_SITES.has(site)) {
        return Promise.reject(
          new HttpError(
            403,
            `Cross-site request refused (Sec-Fetch-Site: ${site}); start it from the spawn page.`,
          ),
        );
      }
      return Promise.resolve();
    },
  );
}
