import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { ApiErrorSchema, MeSchema } from "../../../contract/api.ts";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { ALICE, hubTestApp, logIn, type HubTestContext } from "../testing/test-app.ts";

let ctx: HubTestContext | undefined;
afterEach(async () => {
  await ctx?.app.close();
  ctx = undefined;
});

function stateCookie(response: LightMyRequestResponse): string {
  const found = response.cookies.find((c) => c.name.startsWith("service-launchpad-oauth-state-"));
  if (!found) throw new Error("no state cookie");
  return `${found.name}=${found.value}`;
}

function query(location: unknown): URLSearchParams {
  return new URL(String(location), "http://browser.invalid").searchParams;
}

describe("GET oauth_login", () => {
  it("redirects to the hub's authorize endpoint with state and a PKCE S256 challenge of the stored verifier", async () => {
    ctx = await hubTestApp({
      JUPYTERHUB_BASE_URL: "/jh/",
      JUPYTERHUB_SERVICE_PREFIX: "/jh/services/launchpad/",
    });
    const response = await ctx.app.inject({
      url: "/jh/services/launchpad/oauth_login?next=%2Fjh%2Fhub%2Fspawn%2Falice",
    });
    expect(response.statusCode).toBe(302);
    const location = String(response.headers.location);
    expect(location.startsWith("/jh/hub/api/oauth2/authorize?")).toBe(true);
    const q = query(location);
    expect(q.get("client_id")).toBe("service-launchpad");
    expect(q.get("redirect_uri")).toBe("/jh/services/launchpad/oauth_callback");
    expect(q.get("response_type")).toBe("code");
    expect(q.get("code_challenge_method")).toBe("S256");

    const stateSetCookie = response.cookies.find((c) =>
      c.name.startsWith("service-launchpad-oauth-state-"),
    );
    expect(stateSetCookie).toMatchObject({
      path: "/jh/services/launchpad/",
      httpOnly: true,
      sameSite: "Lax",
      maxAge: 600,
    });
    const unsigned = ctx.app.unsignCookie(stateSetCookie?.value ?? "");
    expect(unsigned.valid).toBe(true);
    const saved = JSON.parse(unsigned.value ?? "{}") as {
      state: string;
      verifier: string;
      next: string;
    };
    expect(saved.state).toBe(q.get("state"));
    expect(saved.next).toBe("/jh/hub/spawn/alice");
    // RFC 7636 appendix B: the challenge is BASE64URL(SHA256(verifier)), computed independently here.
    expect(q.get("code_challenge")).toBe(
      createHash("sha256").update(saved.verifier).digest("base64url"),
    );
    expect(saved.verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
  });

  it.each([
    ["https://evil.example/", "an absolute URL"],
    ["//evil.example/hub/", "a protocol-relative URL"],
    ["/\\evil.example/", "a backslash"],
    ["javascript:alert(1)", "a scheme"],
    ["/other/hub/spawn", "a path outside the hub's base"],
    ["/jh/../other", "dot segments leaving the base"],
    ["/\t/evil.example/jh/", "a tab that URL parsers drop"],
  ])("falls back to the spawn page when next is %s (%s)", async (next) => {
    ctx = await hubTestApp({ JUPYTERHUB_BASE_URL: "/jh/" });
    const response = await ctx.app.inject({
      url: `/jh/services/launchpad/oauth_login?next=${encodeURIComponent(next)}`,
    });
    const saved = JSON.parse(
      ctx.app.unsignCookie(response.cookies[0]?.value ?? "").value ?? "{}",
    ) as { next: string };
    expect(saved.next).toBe("/jh/hub/spawn");
  });
});

describe("GET oauth_callback", () => {
  it("exchanges the code with the secret in the body and PKCE, sets the session cookie and redirects to next", async () => {
    ctx = await hubTestApp();
    const { callback, sessionCookie } = await logIn(ctx, ALICE, "/hub/spawn/alice/gpu");
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe("/hub/spawn/alice/gpu");
    const session = callback.cookies.find((c) => c.name === "service-launchpad");
    expect(session).toMatchObject({
      path: "/services/launchpad/",
      httpOnly: true,
      sameSite: "Lax",
    });
    expect(session?.secure).toBeFalsy();
    // The state cookie is cleared.
    expect(
      callback.cookies.find((c) => c.name.startsWith("service-launchpad-oauth-state"))?.value,
    ).toBe("");
    expect(ctx.hub.tokenRequests[0]).toMatchObject({
      client_id: "service-launchpad",
      client_secret: "service-secret-token",
      grant_type: "authorization_code",
      redirect_uri: "/services/launchpad/oauth_callback",
    });

    const me = await ctx.app.inject({
      url: "/services/launchpad/api/me",
      headers: { cookie: sessionCookie },
    });
    expect(me.statusCode).toBe(200);
    const body = me.json<Record<string, unknown>>();
    // Serialised through MeSchema: nothing else of the hub's user model leaks.
    expect(Object.keys(body).sort()).toEqual([
      "admin",
      "csrf_token",
      "features",
      "name",
      "profile_editor",
    ]);
    expect(MeSchema.parse(body)).toMatchObject({
      name: "alice",
      admin: false,
      features: { build: true, projects: true },
    });
  });

  it("marks the session cookie Secure when the proxy says the request was https", async () => {
    ctx = await hubTestApp();
    ctx.hub.loginAs(ALICE);
    const login = await ctx.app.inject({
      url: "/services/launchpad/oauth_login",
      headers: { "x-forwarded-proto": "https" },
    });
    const authorize = await ctx.hub.app.inject({ url: String(login.headers.location) });
    const callback = await ctx.app.inject({
      url: String(authorize.headers.location),
      headers: {
        cookie: stateCookie(login),
        "x-forwarded-proto": "https",
      },
    });
    expect(callback.cookies.find((c) => c.name === "service-launchpad")?.secure).toBe(true);
  });

  it("lets two tabs log in at the same time: each login has its own state cookie", async () => {
    ctx = await hubTestApp();
    ctx.hub.loginAs(ALICE);
    const first = await ctx.app.inject({ url: "/services/launchpad/oauth_login?next=%2Fhub%2Fa" });
    const second = await ctx.app.inject({ url: "/services/launchpad/oauth_login?next=%2Fhub%2Fb" });
    const cookies = `${stateCookie(first)}; ${stateCookie(second)}`;
    for (const [login, next] of [
      [first, "/hub/a"],
      [second, "/hub/b"],
    ] as const) {
      const authorize = await ctx.hub.app.inject({ url: String(login.headers.location) });
      const callback = await ctx.app.inject({
        url: String(authorize.headers.location),
        headers: { cookie: cookies },
      });
      expect(callback.statusCode).toBe(302);
      expect(callback.headers.location).toBe(next);
    }
  });

  it("refuses a state that does not match the state cookie with 403", async () => {
    ctx = await hubTestApp();
    ctx.hub.loginAs(ALICE);
    const login = await ctx.app.inject({ url: "/services/launchpad/oauth_login" });
    const authorize = await ctx.hub.app.inject({ url: String(login.headers.location) });
    const tampered = String(authorize.headers.location).replace(/state=[^&]+/, "state=forged");
    const callback = await ctx.app.inject({
      url: tampered,
      headers: { cookie: stateCookie(login) },
    });
    expect(callback.statusCode).toBe(403);
    expect(callback.headers["content-type"]).toMatch(/^text\/html/);
    expect(ctx.hub.calls.token).toBe(0);
  });

  it("refuses a callback without the state cookie with 403", async () => {
    ctx = await hubTestApp();
    const callback = await ctx.app.inject({
      url: "/services/launchpad/oauth_callback?code=abc&state=def",
    });
    expect(callback.statusCode).toBe(403);
  });

  it("answers 400 to ?error= and to a missing code or state", async () => {
    ctx = await hubTestApp();
    const refused = await ctx.app.inject({
      url: "/services/launchpad/oauth_callback?error=access_denied",
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain("access_denied");
    expect(
      (await ctx.app.inject({ url: "/services/launchpad/oauth_callback?state=x" })).statusCode,
    ).toBe(400);
    expect(
      (await ctx.app.inject({ url: "/services/launchpad/oauth_callback?code=x" })).statusCode,
    ).toBe(400);
  });

  it("answers 403 with the scope the admin must grant when the token lacks access:services", async () => {
    ctx = await hubTestApp({}, {}, { enforceAccessAtAuthorize: false });
    const { callback, sessionCookie } = await logIn(ctx, {
      name: "bob",
      scopes: ["read:users:name!user=bob"],
    });
    expect(callback.statusCode).toBe(403);
    expect(callback.body).toContain("access:services!service=launchpad");
    expect(sessionCookie).toBe("");
  });

  it("answers a masked 502 when the hub refuses the token exchange (wrong client secret)", async () => {
    ctx = await hubTestApp({}, {}, { clientSecret: "the-secret-the-hub-really-has" });
    const { callback, sessionCookie } = await logIn(ctx, ALICE);
    expect(callback.statusCode).toBe(502);
    expect(callback.body).not.toContain("invalid_client");
    expect(sessionCookie).toBe("");
  });
});

/** The probes of the security review, as they arrive in a query string. */
const ESCAPING_NEXT = [
  "%2F.%2F%2Fevil.example%2Fphish",
  "%2Fa%2F..%2F%2Fevil.example",
  "%2F%252e%2F%2Fevil.example",
  "%2Fhub%2F..%2F..%2F%2Fevil.example",
];

describe("redirects with a hostile next", () => {
  it.each(ESCAPING_NEXT)("logout?next=%s goes to the hub's home page", async (next) => {
    ctx = await hubTestApp();
    const { sessionCookie } = await logIn(ctx, ALICE);
    const response = await ctx.app.inject({
      url: `/services/launchpad/logout?next=${next}`,
      headers: { cookie: sessionCookie },
    });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe("/hub/home");
  });

  it.each(ESCAPING_NEXT)("oauth_login?next=%s comes back to the spawn page", async (next) => {
    ctx = await hubTestApp();
    ctx.hub.loginAs(ALICE);
    const login = await ctx.app.inject({ url: `/services/launchpad/oauth_login?next=${next}` });
    const authorize = await ctx.hub.app.inject({ url: String(login.headers.location) });
    const callback = await ctx.app.inject({
      url: String(authorize.headers.location),
      headers: { cookie: stateCookie(login) },
    });
    expect(callback.headers.location).toBe("/hub/spawn");
  });

  it.each(ESCAPING_NEXT)(
    "local mode's oauth_login?next=%s goes to the spawn page",
    async (next) => {
      const local = await buildApp(
        loadConfig({
          env: {
            LAUNCHPAD_STATIC_DIR: "/nonexistent-launchpad-static",
            LAUNCHPAD_LOCAL_DATA_DIR: mkdtempSync(join(tmpdir(), "launchpad-local-")),
          },
          argv: ["--local"],
        }),
      );
      try {
        const response = await local.inject({
          url: `/services/launchpad/oauth_login?next=${next}`,
        });
        expect(response.statusCode).toBe(302);
        expect(response.headers.location).toBe("/hub/spawn");
      } finally {
        await local.close();
      }
    },
  );
});

describe("per-request auth", () => {
  it("answers 401 with login_url without a session", async () => {
    ctx = await hubTestApp();
    const response = await ctx.app.inject({ url: "/services/launchpad/api/me" });
    expect(response.statusCode).toBe(401);
    expect(ApiErrorSchema.parse(response.json())).toMatchObject({
      status: 401,
      login_url: "/services/launchpad/oauth_login",
    });
  });

  it("rejects a tampered session cookie and clears it", async () => {
    ctx = await hubTestApp();
    const { sessionCookie } = await logIn(ctx, ALICE);
    const [name, value = ""] = sessionCookie.split("=");
    const tokenPart = value.slice(0, value.lastIndexOf("."));
    const forged = `${name}=${tokenPart.slice(0, -1)}${tokenPart.endsWith("a") ? "b" : "a"}${value.slice(value.lastIndexOf("."))}`;
    const response = await ctx.app.inject({
      url: "/services/launchpad/api/me",
      headers: { cookie: forged },
    });
    expect(response.statusCode).toBe(401);
    expect(response.cookies.find((c) => c.name === "service-launchpad")?.value).toBe("");
  });

  it("caches the hub's answer, then notices a hub logout: clears the cookie and answers 401 with login_url", async () => {
    ctx = await hubTestApp();
    const { sessionCookie } = await logIn(ctx, ALICE);
    const userCalls = ctx.hub.calls.user;
    expect(
      (
        await ctx.app.inject({
          url: "/services/launchpad/api/me",
          headers: { cookie: sessionCookie },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await ctx.app.inject({
          url: "/services/launchpad/api/me",
          headers: { cookie: sessionCookie },
        })
      ).statusCode,
    ).toBe(200);
    // The callback's lookup is not cached; the two requests share one lookup.
    expect(ctx.hub.calls.user).toBe(userCalls + 1);

    ctx.hub.logout("alice");
    ctx.clock.now += 301_000; // past HubAuth's 300 s cache_max_age
    const response = await ctx.app.inject({
      url: "/services/launchpad/api/me",
      headers: { cookie: sessionCookie },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ login_url: "/services/launchpad/oauth_login" });
    expect(response.cookies.find((c) => c.name === "service-launchpad")?.value).toBe("");
  });

  it("accepts Authorization: token and bearer, and refuses an unknown token", async () => {
    ctx = await hubTestApp();
    const token = ctx.hub.issueToken(ALICE);
    for (const scheme of ["token", "Bearer"]) {
      const response = await ctx.app.inject({
        url: "/services/launchpad/api/me",
        headers: { authorization: `${scheme} ${token}` },
      });
      expect(response.json()).toMatchObject({ name: "alice" });
    }
    const unknown = await ctx.app.inject({
      url: "/services/launchpad/api/me",
      headers: { authorization: "token nope" },
    });
    expect(unknown.statusCode).toBe(401);
  });

  it("logout clears the session cookie", async () => {
    ctx = await hubTestApp();
    const { sessionCookie } = await logIn(ctx, ALICE);
    const response = await ctx.app.inject({
      url: "/services/launchpad/logout",
      headers: { cookie: sessionCookie },
    });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe("/hub/home");
    expect(response.cookies.find((c) => c.name === "service-launchpad")).toMatchObject({
      value: "",
      path: "/services/launchpad/",
    });
  });
});

describe("CSRF and Sec-Fetch-Site guards", () => {
  async function withWriteRoute(): Promise<HubTestContext> {
    return hubTestApp(
      {},
      {
        extraRoutes: [
          async (app) => {
            app.post("/api/things", { preHandler: [app.requireUser] }, (request, reply) =>
              reply.send({ by: request.user?.name }),
            );
            app.get(
              "/api/start",
              { preHandler: [app.requireSameOrigin, app.requireUser] },
              (_request, reply) => reply.send({ started: true }),
            );
            return Promise.resolve();
          },
        ],
      },
    );
  }

  it("requires X-Launchpad-CSRF on cookie-authenticated writes and accepts the token from api/me", async () => {
    ctx = await withWriteRoute();
    const { sessionCookie } = await logIn(ctx, ALICE);
    const missing = await ctx.app.inject({
      method: "POST",
      url: "/services/launchpad/api/things",
      headers: { cookie: sessionCookie },
    });
    expect(missing.statusCode).toBe(403);
    const wrong = await ctx.app.inject({
      method: "POST",
      url: "/services/launchpad/api/things",
      headers: { cookie: sessionCookie, "x-launchpad-csrf": "forged" },
    });
    expect(wrong.statusCode).toBe(403);
    const me = MeSchema.parse(
      (
        await ctx.app.inject({
          url: "/services/launchpad/api/me",
          headers: { cookie: sessionCookie },
        })
      ).json(),
    );
    const ok = await ctx.app.inject({
      method: "POST",
      url: "/services/launchpad/api/things",
      headers: { cookie: sessionCookie, "x-launchpad-csrf": me.csrf_token },
    });
    expect(ok.json()).toEqual({ by: "alice" });
  });

  it("skips CSRF for token-authenticated writes", async () => {
    ctx = await withWriteRoute();
    const token = ctx.hub.issueToken(ALICE);
    const response = await ctx.app.inject({
      method: "POST",
      url: "/services/launchpad/api/things",
      headers: { authorization: `token ${token}` },
    });
    expect(response.statusCode).toBe(200);
  });

  it("refuses cross-site Sec-Fetch-Site on routes that start work, and allows same-origin and none", async () => {
    ctx = await withWriteRoute();
    const { sessionCookie } = await logIn(ctx, ALICE);
    for (const site of ["cross-site", "same-site"]) {
      const response = await ctx.app.inject({
        url: "/services/launchpad/api/start",
        headers: { cookie: sessionCookie, "sec-fetch-site": site },
      });
      expect(response.statusCode).toBe(403);
    }
    for (const site of ["same-origin", "none"]) {
      const response = await ctx.app.inject({
        url: "/services/launchpad/api/start",
        headers: { cookie: sessionCookie, "sec-fetch-site": site },
      });
      expect(response.statusCode).toBe(200);
    }
  });
});
