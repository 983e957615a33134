/**
 * The few JupyterHub REST calls the companion's auth needs: the code exchange and `GET /user`, as
 * HubOAuth makes them (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1115-L1134,
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L554-L592).
 * `fetch` is injectable so tests drive the same code against an in-process fake hub.
 */
import * as z from "zod";
import { UpstreamError } from "../errors.ts";

/**
 * `POST {hub_api}/oauth2/token` reply; the hub issues no refresh tokens
 * (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/oauth/provider.py#L357-L359).
 */
const TokenReplySchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().optional(),
  scope: z.string().optional(),
});

/**
 * `GET {hub_api}/user` reply: a user model or, for a service's token, a service model
 * (`SelfAPIHandler.get`,
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/apihandlers/users.py#L34-L80,
 * and `service_model`,
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/apihandlers/base.py#L404-L417,
 * both carrying `kind`); only what the companion uses is kept.
 */
export const HubUserReplySchema = z.object({
  kind: z.string().optional(),
  name: z.string().min(1),
  admin: z.boolean().default(false),
  groups: z.array(z.string()).default([]),
  scopes: z.array(z.string()).default([]),
  session_id: z.string().nullish(),
});

/** Who a request acts for. `scopes` are the token's expanded scopes. */
export interface HubUser {
  name: string;
  admin: boolean;
  groups: string[];
  scopes: string[];
}

/**
 * Whom a token belongs to. Only `user` identities act in Launchpad: a service's token holding
 * `access:services` is not the user of the same name (and may carry that service's `admin`).
 */
export type TokenOwner =
  { kind: "user"; user: HubUser } | { kind: "not-a-user"; ownerKind: string; name: string };

/** The hub refused an authorization code (OAuth `invalid_grant`: replayed, expired, or a wrong PKCE verifier). */
export class CodeRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CodeRefusedError";
  }
}

export interface IssuedToken {
  token: string;
  /** Seconds the hub says the token lives (`expires_in`), when it says so. */
  expiresInSeconds: number | undefined;
}

export interface CodeExchange {
  code: string;
  redirectUri: string;
  codeVerifier: string;
}

export interface HubClient {
  /**
   * Trades an authorization code for the user's OAuth token. Throws CodeRefusedError when the hub
   * refuses the code (400), UpstreamError for anything else (an unreachable hub, a wrong secret).
   */
  exchangeCode(exchange: CodeExchange): Promise<IssuedToken>;
  /** The token's owner, or null when the hub no longer accepts the token (401/403: logged out). */
  getTokenOwner(token: string): Promise<TokenOwner | null>;
  /**
   * Whether the hub has a user of exactly this name, asked with the companion's own token, which
   * needs only `read:users:name`. Throws UpstreamError when the hub cannot answer (or refuses the
   * token that scope: the admin's role misses it).
   */
  userExists(name: string): Promise<boolean>;
}

export type FetchFn = typeof fetch;

export interface HubClientOptions {
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  /** The companion's own API token (a hub service's `api_token`, also its OAuth client secret). */
  serviceToken: string;
  fetch?: FetchFn;
  /** No answer within this long is a slow hub, answered as such; default 10 s. */
  timeoutMs?: number;
  /** Told each call's duration and outcome (metrics.ts `hubRequests`). */
  observe?: (call: keyof HubClient, status: string, seconds: number) => void;
}

/**
 * The hub did not answer in time: it is up but slow (or overloaded), not unreachable. Answered
 * 504 (errors.ts), so the page and the log say "slow", not "down".
 */
export class SlowHubError extends UpstreamError {
  override readonly statusCode = 504;
  constructor(what: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(
      `${what}: the hub did not answer within ${timeoutMs / 1000} s (it is slow or overloaded)`,
      options,
    );
    this.name = "SlowHubError";
  }
}

/** A hub answer, read whole within the deadline. */
interface HubAnswer {
  status: number;
  ok: boolean;
  text: string;
}

function describeFailure(answer: HubAnswer): string {
  return `${answer.status} ${answer.text.slice(0, 200)}`;
}

function jsonOf(answer: HubAnswer): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    return null;
  }
}

export function createHubClient(options: HubClientOptions): HubClient {
  const doFetch = options.fetch ?? fetch;
  const apiUrl = options.apiUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 10_000;
  /** One request, answer and body within the deadline: a hub that stalls is a slow hub. */
  async function call(
    name: keyof HubClient,
    what: string,
    url: string,
    init: RequestInit,
  ): Promise<HubAnswer> {
    const started = performance.now();
    const done = (status: string) =>
      options.observe?.(name, status, (performance.now() - started) / 1000);
    try {
      const response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      const answer = { status: response.status, ok: response.ok, text: await response.text() };
      done(String(answer.status));
      return answer;
    } catch (cause) {
      if ((cause as { name?: string } | null)?.name === "TimeoutError") {
        done("timeout");
        throw new SlowHubError(what, timeoutMs, { cause });
      }
      done("error");
      throw new UpstreamError(`${what} could not be reached`, { cause });
    }
  }

  return {
    async exchangeCode({ code, redirectUri, codeVerifier }) {
      // client_secret_post: the hub's authenticate_client reads the secret from the body and never
      // parses HTTP Basic (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/oauth/provider.py#L42-L75).
      const body = new URLSearchParams({
        client_id: options.clientId,
        client_secret: options.clientSecret,
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        code_verifier: codeVerifier,
      });
      const answer = await call(
        "exchangeCode",
        "the hub's token endpoint",
        `${apiUrl}/oauth2/token`,
        {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
          },
          body,
        },
      );
      // oauthlib answers a used, unknown or expired code, and a PKCE verifier that does not match
      // its challenge, with 400 invalid_grant (RFC 6749 §5.2); a wrong client secret is 401.
      if (answer.status === 400) {
        throw new CodeRefusedError(
          `the hub refused the authorization code: ${describeFailure(answer)}`,
        );
      }
      if (!answer.ok) {
        throw new UpstreamError(
          `the hub refused the authorization code: ${describeFailure(answer)}`,
        );
      }
      const reply = TokenReplySchema.safeParse(jsonOf(answer));
      if (!reply.success) throw new UpstreamError("the hub's token reply has no access_token");
      return { token: reply.data.access_token, expiresInSeconds: reply.data.expires_in };
    },

    async getTokenOwner(token) {
      const answer = await call("getTokenOwner", "the hub API", `${apiUrl}/user`, {
        headers: { authorization: `token ${token}`, accept: "application/json" },
      });
      // A revoked or expired token: hub logout deletes the session's tokens
      // (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/handlers/base.py#L613-L640), and HubAuth treats 403 as "no user"
      // (allow_403, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L579-L584).
      if (answer.status === 401 || answer.status === 403) return null;
      if (!answer.ok) throw new UpstreamError(`the hub API answered ${describeFailure(answer)}`);
      const reply = HubUserReplySchema.safeParse(jsonOf(answer));
      if (!reply.success) throw new UpstreamError("the hub's /user reply is not a user model");
      const { kind, name, admin, groups, scopes } = reply.data;
      // Every identify scope includes `kind` (the access map of `user_model`,
      // https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/apihandlers/base.py#L325-L346),
      // so a reply without it is not a user model either.
      if (kind !== "user") return { kind: "not-a-user", ownerKind: kind ?? "unknown", name };
      return { kind: "user", user: { name, admin, groups, scopes } };
    },

    async userExists(name) {
      // `UserAPIHandler.get` admits any of read:users, read:users:name, read:servers, … and
      // answers 404 for a name `find_user` does not find, the same in 5.5 and 6.1
      // (https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/apihandlers/users.py#L282-L294,
      // https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/apihandlers/users.py#L286-L298);
      // with read:users:name alone the model holds only the name and kind.
      const answer = await call(
        "userExists",
        "the hub API",
        `${apiUrl}/users/${encodeURIComponent(name)}`,
        { headers: { authorization: `token ${options.serviceToken}`, accept: "application/json" } },
      );
      if (answer.status === 404) return false;
      if (answer.ok) return true;
      if (answer.status === 403)
        throw new UpstreamError(
          "the hub refused GET /users/{name} to the companion's token: give the companion's role " +
            "the scope read:users:name (the chart's NOTES list its scopes)",
        );
      throw new UpstreamError(
        `the hub API answered ${describeFailure(answer)} to GET /users/{name}`,
      );
    },
  };
}
