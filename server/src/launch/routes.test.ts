import type { LightMyRequestResponse } from "fastify";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LaunchHandoffResponseSchema } from "../../../contract/launch-link.ts";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import {
  ALICE,
  cookiePair,
  hubTestApp,
  logIn,
  stateCookieOf,
  type HubTestContext,
} from "../testing/test-app.ts";

let ctx: HubTestContext | undefined;
afterEach(async () => {
  await ctx?.app.close();
  ctx = undefined;
});

const BOB = { ...ALICE, name: "bob", scopes: ["access:services!service=launchpad"] };
const LINK =
  "profile=python&option.image=scipy&other.tag=quay.io%2Fx%2Fy%3A1&provider=gh&repo=org%2Fname&ref=main";
const HANDOFF_COOKIE = "service-launchpad-launch";

async function takeLink(cookie: string, site = "same-origin") {
  const response = await ctx!.app.inject({
    url: "/services/launchpad/api/launch-link",
    headers: { cookie, "sec-fetch-site": site },
  });
  return response;
}

function handoff(response: LightMyRequestResponse): string {
  return cookiePair(response, HANDOFF_COOKIE);
}

// Each test signs in through the fake hub (five in-process requests) before it starts: on a
// loaded machine that alone can take most of vitest's default 5 s.
describe("GET launch", { timeout: 20_000 }, () => {
  it("sends a logged-out browser through the hub's login and back to the link, then to the bare spawn page; the page takes the link once", async () => {
    ctx = await hubTestApp();
    const opened = await ctx.app.inject({ url: `/services/launchpad/launch?${LINK}` });
    expect(opened.statusCode).toBe(302);
    const login = new URL(String(opened.headers.location), "http://hub.invalid");
    expect(login.pathname).toBe("/services/launchpad/oauth_login");
    const next = login.searchParams.get("next") ?? "";
    expect(next).toBe(`/services/launchpad/launch?${LINK}`);

    // The companion's own login: the link is kept in its state cookie, not in the hub's URLs.
    const { callback, sessionCookie } = await logIn(ctx, ALICE, next);
    expect(callback.headers.location).toBe(next);
    const back = await ctx.app.inject({ url: next, headers: { cookie: sessionCookie } });
    expect(back.statusCode).toBe(302);
    // No query on the spawn page: any argument but `next` would start the server at once.
    expect(back.headers.location).toBe("/hub/spawn");

    const cookies = `${sessionCookie}; ${handoff(back)}`;
    const taken = await takeLink(cookies);
    expect(taken.statusCode).toBe(200);
    expect(taken.headers["cache-control"]).toBe("no-store");
    expect(LaunchHandoffResponseSchema.parse(taken.json())).toEqual({
      link: {
        profile: "python",
        options: [
          { key: "image", value: "scipy", other: false },
          { key: "tag", value: "quay.io/x/y:1", other: true },
        ],
        repository: { provider: "gh", repo: "org/name", ref: "main" },
      },
    });
    expect(taken.cookies.find((c) => c.name === HANDOFF_COOKIE)?.value).toBe("");
    // A page reloaded later, or a second tab, gets nothing (the browser dropped the cookie;
    // a copy replayed by hand is refused too only by its expiry, tested below).
    expect((await takeLink(sessionCookie)).json()).toEqual({ link: null });
  });

  it("sends the login and the spawn page under the hub's base URL", async () => {
    ctx = await hubTestApp({
      JUPYTERHUB_BASE_URL: "/jh/",
      JUPYTERHUB_SERVICE_PREFIX: "/jh/services/launchpad/",
    });
    const opened = await ctx.app.inject({ url: "/jh/services/launchpad/launch?profile=gpu" });
    expect(opened.headers.location).toBe(
      `/jh/services/launchpad/oauth_login?next=${encodeURIComponent("/jh/services/launchpad/launch?profile=gpu")}`,
    );
  });

  it("hands a signed-in user's link over at once in a cookie only the companion sees", async () => {
    ctx = await hubTestApp();
    const { sessionCookie } = await logIn(ctx, ALICE);
    const back = await ctx.app.inject({
      url: "/services/launchpad/launch?profile=gpu",
      headers: { cookie: sessionCookie },
    });
    expect(back.headers.location).toBe("/hub/spawn");
    expect(back.cookies.find((c) => c.name === HANDOFF_COOKIE)).toMatchObject({
      path: "/services/launchpad/",
      httpOnly: true,
      sameSite: "Lax",
      maxAge: 600,
    });
  });

  it.each([
    ["next=%2F%2Fevil.example%2F", "not a launch link parameter"],
    ["profile=a&profile=b", "given more than once"],
    ["option.image=a&other.image=b", "both a choice and"],
    ["option.=a", "names no option"],
    ["profile=a%0d%0aSet-Cookie:x", "control characters"],
    ["profile=%C2%85", "control characters"],
    ["other.image=%E2%80%A8", "control characters"],
    [`other.image=${"x".repeat(513)}`, "longer than 512"],
    [`${"o".repeat(4).repeat(1600)}=1`, "longer than 1500"],
    ["ref=main", 'need "repo"'],
    [`%3Cscript%3Ealert(1)%3C%2Fscript%3E=1`, "not a launch link parameter"],
  ])(
    "refuses %s with a page that says why, starts nothing and sets no cookie",
    async (query, why) => {
      ctx = await hubTestApp();
      const { sessionCookie } = await logIn(ctx, ALICE);
      const response = await ctx.app.inject({
        url: `/services/launchpad/launch?${query}`,
        headers: { cookie: sessionCookie },
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers["content-type"]).toContain("text/html");
      expect(response.body).toContain(why.replaceAll('"', "&#34;"));
      expect(response.body).not.toContain("<script>");
      expect(response.body).toContain('href="/hub/spawn"');
      expect(response.cookies).toEqual([]);
    },
  );

  it("keeps the longest link it accepts within a browser's 4096-byte cookie, through the login and the hand-over", async () => {
    ctx = await hubTestApp();
    // Values that percent-encoding grows the most (`"` → %22, cookie-encoded again at login).
    const option = `other.image=${"%22".repeat(160)}`;
    const options = Array.from({ length: 3 }, (_, i) => option.replace("image", `o${i}`));
    const query = `${options.join("&")}&profile=${"%22".repeat(5)}`;
    expect(query.length).toBeGreaterThan(1400);
    const opened = await ctx.app.inject({ url: `/services/launchpad/launch?${query}` });
    expect(opened.statusCode).toBe(302);
    const next = new URL(String(opened.headers.location), "http://hub.invalid").searchParams.get(
      "next",
    )!;
    ctx.hub.loginAs(ALICE);
    const login = await ctx.app.inject({
      url: `/services/launchpad/oauth_login?next=${encodeURIComponent(next)}`,
    });
    const state = stateCookieOf(login, ctx.config.clientId);
    expect(state.length).toBeLessThan(4096);
    const { sessionCookie } = await logIn(ctx, ALICE, next);
    const back = await ctx.app.inject({ url: next, headers: { cookie: sessionCookie } });
    expect(handoff(back).length).toBeLessThan(4096);
    const link = LaunchHandoffResponseSchema.parse(
      (await takeLink(`${sessionCookie}; ${handoff(back)}`)).json(),
    ).link;
    expect(link?.options[0]?.value).toBe('"'.repeat(160));
  });
});

describe("GET api/launch-link", { timeout: 20_000 }, () => {
  async function aliceWithLink() {
    ctx = await hubTestApp();
    const { sessionCookie } = await logIn(ctx, ALICE);
    const back = await ctx.app.inject({
      url: `/services/launchpad/launch?${LINK}`,
      headers: { cookie: sessionCookie },
    });
    return { sessionCookie, handoffCookie: handoff(back) };
  }

  it("gives another user nothing, the link of someone who signed in before on this browser", async () => {
    const { handoffCookie } = await aliceWithLink();
    const { sessionCookie: bob } = await logIn(ctx!, BOB);
    const taken = await takeLink(`${bob}; ${handoffCookie}`);
    expect(taken.json()).toEqual({ link: null });
    // …and clears it, so it cannot reach anyone later.
    expect(taken.cookies.find((c) => c.name === HANDOFF_COOKIE)?.value).toBe("");
  });

  it("gives nothing after 10 minutes (a replayed copy of the cookie is dead then)", async () => {
    const { sessionCookie, handoffCookie } = await aliceWithLink();
    ctx!.clock.now += 600_000;
    expect((await takeLink(`${sessionCookie}; ${handoffCookie}`)).json()).toEqual({ link: null });
  });

  it("gives nothing for a cookie whose signature does not verify", async () => {
    const { sessionCookie, handoffCookie } = await aliceWithLink();
    const [name, value] = handoffCookie.split("=") as [string, string];
    const forged = `${name}=${value.replace(/^./, (c) => (c === "e" ? "f" : "e"))}`;
    expect((await takeLink(`${sessionCookie}; ${forged}`)).json()).toEqual({ link: null });
  });

  it("refuses a cross-site read, and a browser without a session", async () => {
    const { sessionCookie, handoffCookie } = await aliceWithLink();
    expect((await takeLink(`${sessionCookie}; ${handoffCookie}`, "cross-site")).statusCode).toBe(
      403,
    );
    expect((await takeLink(handoffCookie)).statusCode).toBe(401);
  });
});

describe("GET badge.svg", () => {
  it("serves the badge image without a session", async () => {
    ctx = await hubTestApp();
    const response = await ctx.app.inject({ url: "/services/launchpad/badge.svg" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("image/svg+xml");
    expect(response.body).toContain('aria-label="launch: Launchpad"');
  });
});

describe("local mode", { timeout: 20_000 }, () => {
  it("hands the link to the demo hub's spawn page, which signs the demo user in anew", async () => {
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
      const opened = await local.inject({ url: "/services/launchpad/launch?profile=r" });
      const login = await local.inject({ url: String(opened.headers.location) });
      const first = cookiePair(login, "service-launchpad");
      const back = await local.inject({
        url: String(login.headers.location),
        headers: { cookie: first },
      });
      expect(back.headers.location).toBe("/hub/spawn");
      // The demo's spawn page cannot see the session cookie (its path is the service's) and
      // hands out a new session, as it does on every visit.
      const spawn = await local.inject({ url: "/hub/spawn" });
      const taken = await local.inject({
        url: "/services/launchpad/api/launch-link",
        headers: { cookie: `${cookiePair(spawn, "service-launchpad")}; ${handoff(back)}` },
      });
      expect(taken.json()).toEqual({ link: { profile: "r", options: [] } });
    } finally {
      await local.close();
    }
  });
});
