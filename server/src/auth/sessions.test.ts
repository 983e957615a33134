/**
 * Sessions end when they should, on every replica: the companion's logout, a hub logout, a token
 * that is not a user's, and logins that go wrong. Two replicas share the fake hub and a revocation
 * ConfigMap in the Kubernetes double, as two pods share the hub and the cluster.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { ApiErrorSchema } from "../../../contract/api.ts";
import { CONFIG_MAP, KubernetesDouble } from "../../test-support/kubernetes-double.ts";
import { buildApp } from "../app.ts";
import { createKubernetesClient, loadConnection } from "../kubernetes/rest-client.ts";
import {
  ALICE,
  hubTestApp,
  logIn,
  NO_FEATURES,
  stateCookieOf,
  type HubTestContext,
} from "../testing/test-app.ts";
import {
  configMapRevocationStore,
  fileRevocationStore,
  pruned,
  REVOCATIONS_CONFIG_MAP,
  SessionRevocations,
  type RevocationDocumentStore,
} from "./session-revocations.ts";

const ME = "/services/launchpad/api/me";
let ctx: HubTestContext | undefined;
let other: FastifyInstance | undefined;
let double: KubernetesDouble | undefined;
afterEach(async () => {
  await ctx?.app.close();
  await other?.close();
  await double?.close();
  ctx = other = double = undefined;
});

async function me(app: FastifyInstance, cookie: string): Promise<LightMyRequestResponse> {
  return app.inject({ url: ME, headers: { cookie } });
}

async function clusterStore(): Promise<RevocationDocumentStore> {
  double = await new KubernetesDouble().start();
  const dir = mkdtempSync(join(tmpdir(), "launchpad-sessions-kube-"));
  const kube = createKubernetesClient(
    loadConnection({ kubeconfigPath: double.writeKubeconfig(dir, "hub"), env: {} }),
  );
  return configMapRevocationStore(kube, "hub");
}

/** Two replicas of the companion: one hub, one cluster, one clock. */
async function twoReplicas(): Promise<{ a: FastifyInstance; b: FastifyInstance }> {
  const store = await clusterStore();
  ctx = await hubTestApp({}, { revocationStore: store });
  const clock = ctx.clock;
  other = await buildApp(ctx.config, {
    fetch: ctx.hub.fetch,
    now: () => clock.now,
    features: NO_FEATURES,
    revocationStore: store,
  });
  return { a: ctx.app, b: other };
}

describe("tokens that are not a user's", () => {
  it("refuses a service's token named like an admin user, with 403 that says why", async () => {
    ctx = await hubTestApp();
    const token = ctx.hub.issueServiceToken({
      name: "alice",
      admin: true,
      scopes: ["access:services", "admin:users"],
    });
    const response = await ctx.app.inject({
      url: ME,
      headers: { authorization: `token ${token}` },
    });
    expect(response.statusCode).toBe(403);
    const body = ApiErrorSchema.parse(response.json());
    expect(body.message).toContain('service "alice"');
    expect(response.body).not.toContain("csrf_token");
  });
});

describe("the companion's logout", () => {
  it("makes a saved copy of the cookie unusable at once", async () => {
    ctx = await hubTestApp();
    const { sessionCookie } = await logIn(ctx, ALICE);
    expect((await me(ctx.app, sessionCookie)).statusCode).toBe(200);
    await ctx.app.inject({ url: "/services/launchpad/logout", headers: { cookie: sessionCookie } });
    // The browser dropped its cookie; an attacker who copied it replays it.
    const replay = await me(ctx.app, sessionCookie);
    expect(replay.statusCode).toBe(401);
    expect(replay.cookies.find((c) => c.name === "service-launchpad")?.value).toBe("");
  });

  it("ends the session on the other replica within its refresh interval, whatever its cache holds", async () => {
    const { a, b } = await twoReplicas();
    const { sessionCookie } = await logIn(ctx!, ALICE);
    expect((await me(b, sessionCookie)).statusCode).toBe(200); // b has now cached alice
    await a.inject({ url: "/services/launchpad/logout", headers: { cookie: sessionCookie } });
    expect((await me(a, sessionCookie)).statusCode).toBe(401);
    ctx!.clock.now += 1000;
    expect((await me(b, sessionCookie)).statusCode).toBe(401);
    const recorded = double!.objects(CONFIG_MAP, "hub").map((o) => o.metadata?.name);
    expect(recorded).toEqual([REVOCATIONS_CONFIG_MAP]);
  });

  it("a new login after logout works (the revocation names one session, not the user)", async () => {
    ctx = await hubTestApp();
    const first = await logIn(ctx, ALICE);
    await ctx.app.inject({
      url: "/services/launchpad/logout",
      headers: { cookie: first.sessionCookie },
    });
    const second = await logIn(ctx, ALICE);
    expect((await me(ctx.app, second.sessionCookie)).statusCode).toBe(200);
    expect((await me(ctx.app, first.sessionCookie)).statusCode).toBe(401);
  });
});

describe("a hub logout", () => {
  it("counts after the identity cache's 60 s by default, not HubAuth's 300 s", async () => {
    ctx = await hubTestApp();
    const { sessionCookie } = await logIn(ctx, ALICE);
    expect((await me(ctx.app, sessionCookie)).statusCode).toBe(200);
    ctx.hub.logout("alice");
    ctx.clock.now += 30_000;
    expect((await me(ctx.app, sessionCookie)).statusCode).toBe(200); // still cached
    ctx.clock.now += 31_000;
    expect((await me(ctx.app, sessionCookie)).statusCode).toBe(401);
  });

  it("takes the cache time from LAUNCHPAD_IDENTITY_CACHE_SECONDS", async () => {
    ctx = await hubTestApp({ LAUNCHPAD_IDENTITY_CACHE_SECONDS: "5" });
    const { sessionCookie } = await logIn(ctx, ALICE);
    expect((await me(ctx.app, sessionCookie)).statusCode).toBe(200);
    ctx.hub.logout("alice");
    ctx.clock.now += 5_000;
    expect((await me(ctx.app, sessionCookie)).statusCode).toBe(401);
  });

  it("stops writes at once, cache or not", async () => {
    ctx = await hubTestApp(
      {},
      {
        extraRoutes: [
          async (app) => {
            app.post("/api/things", { preHandler: [app.requireUser] }, () => ({ done: true }));
            return Promise.resolve();
          },
        ],
      },
    );
    const { sessionCookie } = await logIn(ctx, ALICE);
    const csrf = (await me(ctx.app, sessionCookie)).json<{ csrf_token: string }>().csrf_token;
    ctx.hub.logout("alice");
    const write = await ctx.app.inject({
      method: "POST",
      url: "/services/launchpad/api/things",
      headers: { cookie: sessionCookie, "x-launchpad-csrf": csrf },
    });
    expect(write.statusCode).toBe(401);
  });

  it("once the hub refuses the token on one replica, the session ends on the other too", async () => {
    const { a, b } = await twoReplicas();
    const { sessionCookie } = await logIn(ctx!, ALICE);
    expect((await me(b, sessionCookie)).statusCode).toBe(200); // cached on b for 60 s
    ctx!.hub.logout("alice");
    ctx!.clock.now += 60_000;
    expect((await me(a, sessionCookie)).statusCode).toBe(401); // a asks the hub: 403
    ctx!.clock.now -= 59_000; // b's cache would still vouch for alice now
    expect((await me(b, sessionCookie)).statusCode).toBe(401);
  });
});

describe("session cookies", () => {
  it("refuses a cookie of the old format (the bare hub token) and clears it", async () => {
    ctx = await hubTestApp();
    const token = ctx.hub.issueToken(ALICE);
    const signed = ctx.app.signCookie(token);
    const response = await me(ctx.app, `service-launchpad=${encodeURIComponent(signed)}`);
    expect(response.statusCode).toBe(401);
    expect(response.cookies.find((c) => c.name === "service-launchpad")?.value).toBe("");
  });

  it("refuses a session past its end, even while the hub still takes the token", async () => {
    ctx = await hubTestApp();
    const { sessionCookie } = await logIn(ctx, ALICE);
    ctx.clock.now += 14 * 24 * 3600 * 1000;
    expect((await me(ctx.app, sessionCookie)).statusCode).toBe(401);
  });

  it("keeps at most 4 login state cookies of abandoned logins", async () => {
    ctx = await hubTestApp();
    const jar = new Map<string, string>();
    for (let i = 0; i < 12; i += 1) {
      ctx.clock.now += 1000;
      const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
      const login = await ctx.app.inject({
        url: "/services/launchpad/oauth_login",
        headers: cookie ? { cookie } : {},
      });
      for (const set of login.cookies) {
        if (set.value === "") jar.delete(set.name);
        else jar.set(set.name, set.value);
      }
    }
    const states = [...jar.keys()].filter((name) =>
      name.startsWith("service-launchpad-oauth-state"),
    );
    expect(states).toHaveLength(4);
  });
});

describe("logins that go wrong", () => {
  async function startLogin(c: HubTestContext) {
    c.hub.loginAs(ALICE);
    const login = await c.app.inject({
      url: "/services/launchpad/oauth_login?next=%2Fhub%2Fspawn%2Fgpu",
    });
    const authorize = await c.hub.app.inject({ url: String(login.headers.location) });
    return {
      stateCookie: stateCookieOf(login, c.config.clientId),
      callback: String(authorize.headers.location),
    };
  }

  function expectSignInAgainPage(response: LightMyRequestResponse): void {
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^text\/html/);
    expect(response.body).toContain("Sign in again");
    expect(response.body).toContain(
      'href="/services/launchpad/oauth_login?next=%2Fhub%2Fspawn%2Fgpu"',
    );
  }

  it("answers a replayed code with 400 and a link that signs in again", async () => {
    ctx = await hubTestApp();
    const { stateCookie, callback } = await startLogin(ctx);
    const first = await ctx.app.inject({ url: callback, headers: { cookie: stateCookie } });
    expect(first.statusCode).toBe(302);
    // The same callback again, with a copy of the state cookie taken before it was cleared.
    const replay = await ctx.app.inject({ url: callback, headers: { cookie: stateCookie } });
    expectSignInAgainPage(replay);
    expect(
      replay.cookies.find((c) => c.name === "service-launchpad" && c.value !== ""),
    ).toBeUndefined();
  });

  it("answers a code the hub refuses for its PKCE verifier with 400 and a link", async () => {
    ctx = await hubTestApp();
    const one = await startLogin(ctx);
    const two = await startLogin(ctx);
    // Login two's state and cookie, login one's code: the verifier does not match the challenge.
    const code = new URL(one.callback, "http://x").searchParams.get("code") ?? "";
    const state = new URL(two.callback, "http://x").searchParams.get("state") ?? "";
    const response = await ctx.app.inject({
      url: `/services/launchpad/oauth_callback?code=${code}&state=${state}`,
      headers: { cookie: two.stateCookie },
    });
    expectSignInAgainPage(response);
    expect(ctx.hub.tokenRequests.at(-1)).toMatchObject({ code });
  });

  it("answers a callback whose state belongs to no login of this browser with a link", async () => {
    ctx = await hubTestApp();
    const response = await ctx.app.inject({
      url: "/services/launchpad/oauth_callback?code=abc&state=def",
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('href="/services/launchpad/oauth_login?next=%2Fhub%2Fspawn"');
  });
});

describe("SessionRevocations", () => {
  const session = (id: string, expiresAt: number) => ({ id: id.padEnd(22, "x"), expiresAt });

  it("drops entries past their end, and past the floor", () => {
    const document = {
      version: 1 as const,
      floor: 100,
      revoked: { a: 50, b: 150, c: 1000, d: 2000 },
    };
    expect(pruned(document, 500, 10)).toEqual({
      version: 1,
      floor: 100,
      revoked: { c: 1000, d: 2000 },
    });
  });

  it("stays bounded: when full, the floor rises over the sessions that end soonest", async () => {
    const store = fileRevocationStore(mkdtempSync(join(tmpdir(), "launchpad-revocations-")));
    let now = 1_000_000;
    const revocations = new SessionRevocations({ store, now: () => now, maxEntries: 3 });
    const sessions = [5, 1, 4, 2, 3].map((n) => session(`s${n}`, 2000 + n));
    for (const s of sessions) await revocations.revoke(s);
    const { document } = await store.read();
    expect(Object.keys(document.revoked)).toHaveLength(3);
    expect(document.floor).toBe(2002);
    // Every revoked session stays revoked, and a live one ending under the floor must sign in again.
    for (const s of sessions) expect(await revocations.isRevoked(s)).toBe(true);
    expect(await revocations.isRevoked(session("live-early", 2001))).toBe(true);
    expect(await revocations.isRevoked(session("live-late", 2010))).toBe(false);
    now += 5000_000;
    expect(await revocations.isRevoked(session("s5", 2005))).toBe(true);
  });

  it("loses no revocation when replicas revoke at the same time", async () => {
    const store = await clusterStore();
    const replicas = [1, 2, 3].map(
      () => new SessionRevocations({ store, now: () => 1_000_000, refreshMs: 0 }),
    );
    const sessions = Array.from({ length: 12 }, (_, i) => session(`c${i}`, 5000));
    await Promise.all(sessions.map((s, i) => replicas[i % 3]!.revoke(s)));
    const fresh = new SessionRevocations({ store, now: () => 1_000_000 });
    for (const s of sessions) expect(await fresh.isRevoked(s)).toBe(true);
  });

  it("keeps answering from its last copy while the store cannot be read", async () => {
    const errors: string[] = [];
    let failing = false;
    const backing = fileRevocationStore(mkdtempSync(join(tmpdir(), "launchpad-revocations-")));
    const store: RevocationDocumentStore = {
      read: () => (failing ? Promise.reject(new Error("apiserver away")) : backing.read()),
      write: (d, v) => backing.write(d, v),
    };
    let now = 0;
    const revocations = new SessionRevocations({
      store,
      now: () => now,
      onError: (_e, what) => errors.push(what),
    });
    await revocations.revoke(session("gone", 10_000));
    failing = true;
    now += 5000;
    expect(await revocations.isRevoked(session("gone", 10_000))).toBe(true);
    expect(await revocations.isRevoked(session("other", 10_000))).toBe(false);
    expect(errors).toEqual(["read session revocations"]);
  });
});
