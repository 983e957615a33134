/**
 * An in-process stand-in for the JupyterHub endpoints the companion's login uses, faithful to the
 * shapes of JupyterHub's OAuth provider (the authorize and token handlers in
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/apihandlers/auth.py and the validator in
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/oauth/provider.py): the authorize redirect (exact redirect_uri, PKCE S256 recorded),
 * the token endpoint (client_secret_post only, one-time codes, PKCE verified) and `GET /user`
 * (token or bearer; 403 once revoked), and `GET /users/{name}` for the companion's own token
 * (the service's `api_token`, which is also its client secret) with the scopes of its role.
 * `fetch` routes requests into it with `inject`, no sockets.
 */
import { createHash, randomBytes } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import type { FetchFn } from "../hub/hub-client.ts";

export interface FakeHubUser {
  name: string;
  admin?: boolean;
  groups?: string[];
  /** The token's expanded scopes, as `GET /hub/api/user` lists them. */
  scopes: string[];
}

export interface FakeHubOptions {
  clientId: string;
  clientSecret: string;
  /** The registered oauth_redirect_uri; compared as a string, like the hub (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/oauth/provider.py#L591). */
  redirectUri: string;
  serviceName: string;
  /**
   * The hub refuses users without access:services at authorize
   * (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/apihandlers/auth.py#L272-L294); off to test our own check.
   */
  enforceAccessAtAuthorize?: boolean;
  /** The scopes of the companion's role (its `api_token`); default what the chart's NOTES grant. */
  serviceScopes?: string[];
}

/**
 * The scopes `UserAPIHandler.get` admits, any one of them
 * (https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/apihandlers/users.py#L282-L294).
 */
const READ_USER_SCOPES = [
  "read:users",
  "read:users:name",
  "read:servers",
  "read:users:groups",
  "read:users:activity",
  "read:roles:users",
];

interface Grant {
  user: FakeHubUser;
  sessionId: string;
  redirectUri: string;
  challenge: string | undefined;
  used: boolean;
}

interface IssuedToken {
  user: FakeHubUser;
  sessionId: string;
  /** A service's token: `GET /user` answers the service model (apihandlers/base.py `service_model`). */
  service?: boolean;
}

export interface FakeHub {
  app: FastifyInstance;
  /** A fetch that answers `http(s)://<any host>/hub/api/...` from the fake hub. */
  fetch: FetchFn;
  /** The user the hub's own login cookie would identify at the authorize endpoint. */
  loginAs(user: FakeHubUser | null): void;
  /** Hub logout: every token of that user's sessions is deleted (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/handlers/base.py#L613-L640). */
  logout(userName: string): void;
  /** Issues a token directly (like an API token a script would use). */
  issueToken(user: FakeHubUser): string;
  /** Issues a token of a hub service (`kind: "service"`), e.g. one named like a user. */
  issueServiceToken(service: FakeHubUser): string;
  /** A user the hub knows without a login (users who logged in or got a token are known too). */
  addUser(name: string): void;
  /** The `GET /users/{name}` requests, by name. */
  readonly userLookups: string[];
  readonly calls: { token: number; user: number };
  readonly tokenRequests: Record<string, string>[];
}

function b64urlSha256(value: string): string {
  return createHash("sha256").update(value, "ascii").digest("base64url");
}

function hasAccess(scopes: readonly string[], serviceName: string): boolean {
  return (
    scopes.includes("access:services") || scopes.includes(`access:services!service=${serviceName}`)
  );
}

export function createFakeHub(options: FakeHubOptions): FakeHub {
  const app = Fastify({ logger: false });
  const grants = new Map<string, Grant>();
  const tokens = new Map<string, IssuedToken>();
  const calls = { token: 0, user: 0 };
  const tokenRequests: Record<string, string>[] = [];
  let current: FakeHubUser | null = null;
  const users = new Set<string>();
  const userLookups: string[] = [];
  const serviceScopes = options.serviceScopes ?? ["read:users:name"];

  const issue = (user: FakeHubUser, sessionId: string): string => {
    users.add(user.name);
    const token = randomBytes(16).toString("hex");
    tokens.set(token, { user, sessionId });
    return token;
  };

  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );

  app.get("/hub/api/oauth2/authorize", async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    if (!current) return reply.redirect(`/hub/login?next=${encodeURIComponent(request.url)}`, 302);
    if (q.client_id !== options.clientId)
      return reply.code(400).send({ status: 400, message: "Invalid client_id" });
    if (q.redirect_uri !== options.redirectUri)
      return reply.code(400).send({ status: 400, message: "Mismatching redirect URI." });
    if (q.response_type !== "code")
      return reply.code(400).send({ status: 400, message: "unsupported_response_type" });
    if (q.code_challenge !== undefined && q.code_challenge_method !== "S256") {
      return reply.code(400).send({ status: 400, message: "Transform algorithm not supported." });
    }
    if (
      options.enforceAccessAtAuthorize !== false &&
      !hasAccess(current.scopes, options.serviceName)
    ) {
      return reply.code(403).send({
        status: 403,
        message: `You do not have permission to access ${options.serviceName}`,
      });
    }
    const code = randomBytes(16).toString("hex");
    grants.set(code, {
      user: current,
      sessionId: `session-${current.name}`,
      redirectUri: q.redirect_uri,
      challenge: q.code_challenge,
      used: false,
    });
    const target = new URLSearchParams({
      code,
      ...(q.state === undefined ? {} : { state: q.state }),
    });
    return reply.redirect(`${q.redirect_uri}?${target.toString()}`, 302);
  });

  app.post("/hub/api/oauth2/token", async (request, reply) => {
    calls.token += 1;
    if (!String(request.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) {
      return reply.code(400).send({ error: "invalid_request" });
    }
    const body = request.body as Record<string, string>;
    tokenRequests.push(body);
    // authenticate_client reads request.client_secret from the body; HTTP Basic is never parsed
    // (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/oauth/provider.py#L42-L75).
    if (body.client_id !== options.clientId || body.client_secret !== options.clientSecret) {
      return reply.code(401).send({ error: "invalid_client" });
    }
    if (body.grant_type !== "authorization_code")
      return reply.code(400).send({ error: "unsupported_grant_type" });
    const grant = body.code === undefined ? undefined : grants.get(body.code);
    if (!grant || grant.used) return reply.code(400).send({ error: "invalid_grant" });
    if (body.redirect_uri !== grant.redirectUri)
      return reply
        .code(400)
        .send({ error: "invalid_grant", error_description: "Mismatching redirect URI." });
    if (grant.challenge !== undefined) {
      if (!body.code_verifier || b64urlSha256(body.code_verifier) !== grant.challenge) {
        return reply
          .code(400)
          .send({ error: "invalid_grant", error_description: "Code verifier failed" });
      }
    }
    grant.used = true;
    return {
      access_token: issue(grant.user, grant.sessionId),
      token_type: "Bearer",
      expires_in: 1_209_600,
      scope: grant.user.scopes.join(" "),
    };
  });

  app.get("/hub/api/user", async (request, reply) => {
    calls.user += 1;
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(request.headers.authorization ?? "");
    const issued = match?.[1] ? tokens.get(match[1]) : undefined;
    if (!issued)
      return reply.code(403).send({ status: 403, message: "Missing or invalid credentials." });
    const { user, sessionId } = issued;
    if (issued.service) {
      // SelfAPIHandler answers a service's token with service_model
      // (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/apihandlers/base.py#L404-L417).
      return {
        kind: "service",
        name: user.name,
        roles: ["launchpad-caller"],
        admin: user.admin ?? false,
        url: "",
        prefix: "",
        command: "",
        pid: 0,
        info: {},
        display: true,
        scopes: user.scopes,
        session_id: null,
        token_id: "s1",
      };
    }
    // The real model carries more than the companion uses (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/apihandlers/users.py#L34-L80).
    return {
      kind: "user",
      name: user.name,
      admin: user.admin ?? false,
      groups: user.groups ?? [],
      roles: ["user"],
      scopes: user.scopes,
      session_id: sessionId,
      token_id: "a1",
      server: null,
      pending: null,
      created: "2025-01-01T00:00:00.000000Z",
      last_activity: "2025-06-01T00:00:00.000000Z",
      auth_state: { secret: "never leak this" },
    };
  });

  app.get("/hub/api/users/:name", async (request, reply) => {
    const { name } = request.params as { name: string };
    userLookups.push(name);
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(request.headers.authorization ?? "");
    if (match?.[1] !== options.clientSecret)
      return reply.code(403).send({ status: 403, message: "Missing or invalid credentials." });
    // needs_scope checks before the user is looked up: without a scope, 403 for every name
    // (https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/scopes.py#L1034-L1038).
    if (!serviceScopes.some((scope) => READ_USER_SCOPES.includes(scope)))
      return reply.code(403).send({
        status: 403,
        message: `Action is not authorized with current scopes; requires any of [${READ_USER_SCOPES.join(", ")}]`,
      });
    if (!users.has(name)) return reply.code(404).send({ status: 404, message: "Not Found" });
    // With read:users:name alone, the model filtered to what that scope may see.
    return { kind: "user", name };
  });

  const fetchFn: FetchFn = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const response = await app.inject({
      method: (init?.method ?? "GET") as "GET",
      url: `${url.pathname}${url.search}`,
      headers,
      ...(init?.body === undefined || init.body === null
        ? {}
        : { payload: String(init.body as string | URLSearchParams) }),
    });
    const responseHeaders = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      if (value !== undefined)
        responseHeaders.set(key, Array.isArray(value) ? value.join(", ") : String(value));
    }
    const nullBody = response.statusCode === 204 || response.statusCode === 304;
    return new Response(nullBody ? null : new Uint8Array(response.rawPayload), {
      status: response.statusCode,
      headers: responseHeaders,
    });
  };

  return {
    app,
    fetch: fetchFn,
    loginAs(user) {
      current = user;
      if (user) users.add(user.name);
    },
    logout(userName) {
      for (const [token, issued] of tokens) if (issued.user.name === userName) tokens.delete(token);
    },
    issueToken(user) {
      return issue(user, `api-${user.name}`);
    },
    issueServiceToken(service) {
      const token = randomBytes(16).toString("hex");
      tokens.set(token, { user: service, sessionId: "", service: true });
      return token;
    },
    addUser(name) {
      users.add(name);
    },
    userLookups,
    calls,
    tokenRequests,
  };
}
