/**
 * Per-request authentication, what HubAuthenticated does for tornado handlers (the token from
 * `Authorization: token|bearer` first, then the cookie: https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L725-L750),
 * as Fastify decorations:
 *
 * - `request.user`: the HubUser once a preHandler below resolved it, else null;
 * - `request.auth`: how the request authenticated (`token` header or `cookie`) and with which token;
 * - `app.requireUser`: 401 `{status, message, login_url}` without a valid session or token, 403
 *   without `access:services!service=<name>` or for a token that is not a user's; on unsafe
 *   methods it also runs the CSRF check, so a write route cannot forget it;
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
import type { SessionRevocations } from "./session-revocations.ts";
import {
  clearSessionCookie,
  csrfTokenMatches,
  readSession,
  sessionCookieName,
  type CookieSettings,
  type Session,
} from "./session.ts";

export type RequestAuth =
  /** An Authorization header with a hub token (no CSRF needed). */
  | { kind: "token"; token: string }
  /** The session cookie. `token` is the session's hub token: never send it to the browser. */
  | { kind: "cookie"; token: string; session: Session };

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
  revocations: SessionRevocations;
  /** Milliseconds since the epoch. */
  now: () => number;
  serviceName: string;
  /** Where a browser gets a session: `{prefix}oauth_login`. */
  loginUrl: string;
}

type Failure =
  | { kind: "none" }
  | { kind: "invalid" }
  | { kind: "no-access" }
  | { kind: "not-a-user"; ownerKind: string; name: string };

const AUTH_HEADER = /^(?:token|bearer)\s+(\S+)\s*$/i;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** `none`: the user typed the URL or followed a bookmark (Fetch Metadata). */
const ALLOWED_FETCH_SITES = new Set(["same-origin", "none"]);

export function installRequestAuth(app: FastifyInstance, options: RequestAuthOptions): void {
  const resolved = new WeakMap<FastifyRequest, Promise<Failure>>();

  const INVALID: Failure = { kind: "invalid" };

  async function resolve(request: FastifyRequest, reply: FastifyReply): Promise<Failure> {
    const header = request.headers.authorization;
    let auth: RequestAuth | null = null;
    if (header !== undefined) {
      const match = AUTH_HEADER.exec(header);
      if (!match?.[1]) return INVALID;
      auth = { kind: "token", token: match[1] };
    } else {
      const session = readSession(request, options, options.now());
      if (session && !(await options.revocations.isRevoked(session))) {
        auth = { kind: "cookie", token: session.token, session };
      } else if (request.cookies[sessionCookieName(options)] !== undefined) {
        // Tampered, signed with an old secret, ended, or revoked: the page signs in again.
        clearSessionCookie(reply, options);
      }
    }
    if (!auth) return INVALID;
    // Writes ask the hub every time, so a hub logout stops them at once, cache or not.
    const check = await options.identity.check(auth.token, {
      fresh: !SAFE_METHODS.has(request.method),
    });
    if (check.outcome === "invalid") {
      // Logged out at the hub, which deletes the session's tokens
      // (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/handlers/base.py#L613-L640),
      // or the token expired: the session ends here and on every other replica, whatever their
      // caches still hold.
      if (auth.kind === "cookie") {
        clearSessionCookie(reply, options);
        await options.revocations.revoke(auth.session).catch((error: unknown) => {
          request.log.warn({ err: error }, "could not record the end of a session");
        });
      }
      return INVALID;
    }
    if (check.outcome === "not-a-user") return { kind: "not-a-user", ...check };
    request.auth = auth;
    if (check.outcome === "no-access") return { kind: "no-access" };
    request.user = check.user;
    return { kind: "none" };
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
      if (failure.kind === "not-a-user") {
        throw new HttpError(
          403,
          `This token belongs to the hub ${failure.ownerKind} "${failure.name}", not to a user; Launchpad acts only for users. Use a user's token.`,
        );
      }
      if (failure.kind === "no-access") {
        throw new HttpError(
          403,
          `Your hub account may not use the ${options.serviceName} service: a hub admin must grant the scope access:services!service=${options.serviceName}.`,
        );
      }
      if (failure.kind === "invalid" || !request.user) {
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
