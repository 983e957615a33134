/**
 * Hub mode wired end to end in-process: fake hub for identity, the Kubernetes API double for
 * project records, the build routes mounted behind the core's auth.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { CSRF_HEADER, MeSchema } from "../../contract/api.ts";
import { projectId } from "../../contract/projects.ts";
import { CONFIG_MAP, KubernetesDouble } from "../test-support/kubernetes-double.ts";
import { composeFeatures } from "./features.ts";
import { createKubernetesClient, loadConnection } from "./kubernetes/rest-client.ts";
import {
  ALICE,
  hubTestApp,
  hubTestConfig,
  logIn,
  type HubTestContext,
} from "./testing/test-app.ts";

const SILENT_LOG = Fastify({ logger: false }).log;
/** A hub admin: `admin: true` in the hub's user model. */
const ROOT = { name: "root", admin: true, scopes: ["access:services!service=launchpad"] };
let ctx: HubTestContext | undefined;
let double: KubernetesDouble | undefined;
afterEach(async () => {
  await ctx?.app.close();
  await double?.close();
  ctx = undefined;
  double = undefined;
});

/** The Kubernetes double (kept in `double`), and a client of it. */
async function kubernetesDouble() {
  const started = (double = await new KubernetesDouble().start());
  const dir = mkdtempSync(join(tmpdir(), "launchpad-features-"));
  return createKubernetesClient(
    loadConnection({ kubeconfigPath: started.writeKubeconfig(dir, "hub"), env: {} }),
  );
}

describe("composeFeatures in hub mode", () => {
  it("serves projects from the cluster and builds behind the core's auth", async () => {
    const kube = await kubernetesDouble();
    // features undefined: the app composes them, with its own hub client for `?user=`.
    ctx = await hubTestApp({ LAUNCHPAD_BUILD_PROVIDERS: "gh" }, { kube, features: undefined });
    const { sessionCookie } = await logIn(ctx, ALICE);

    const me = MeSchema.parse(
      (
        await ctx.app.inject({
          url: "/services/launchpad/api/me",
          headers: { cookie: sessionCookie },
        })
      ).json(),
    );
    expect(me.features).toEqual({ build: true, projects: true });

    const projects = await ctx.app.inject({
      url: "/services/launchpad/api/projects",
      headers: { cookie: sessionCookie },
    });
    expect(projects.statusCode).toBe(200);

    const refused = await ctx.app.inject({
      url: "/services/launchpad/api/builds/gl/group%2Frepo/HEAD",
      headers: { cookie: sessionCookie, "sec-fetch-site": "same-origin" },
    });
    expect(refused.statusCode).toBe(400);
    const anonymous = await ctx.app.inject({ url: "/services/launchpad/api/builds/gh/a/b/HEAD" });
    expect(anonymous.statusCode).toBe(401);
  });

  it("reports building off when it is switched off, and adds no build route", () => {
    const config = hubTestConfig({
      LAUNCHPAD_BUILD_ENABLED: "false",
      LAUNCHPAD_PROJECTS_ENABLED: "false",
    });
    const set = composeFeatures(config, {}, SILENT_LOG, () => Promise.resolve(false));
    expect(set.features).toEqual({ build: false, projects: false });
    expect(set.routes).toHaveLength(0);
  });

  it("takes an admin's ?user= only for a user the hub has, asked with the companion's token", async () => {
    const kube = await kubernetesDouble();
    ctx = await hubTestApp({}, { kube, features: undefined });
    ctx.hub.addUser("bob");
    const admin = (await logIn(ctx, ROOT)).sessionCookie;
    const list = (cookie: string, user: string) =>
      ctx!.app.inject({
        url: `/services/launchpad/api/projects?user=${encodeURIComponent(user)}`,
        headers: { cookie },
      });

    expect((await list(admin, "bob")).json()).toMatchObject({ user: "bob", projects: [] });
    const ghost = await list(admin, "Bob");
    expect(ghost.statusCode).toBe(404);
    expect(ghost.json()).toEqual({ status: 404, message: "The hub has no user of that name." });
    const csrf = MeSchema.parse(
      (
        await ctx.app.inject({ url: "/services/launchpad/api/me", headers: { cookie: admin } })
      ).json(),
    ).csrf_token;
    const launch = await ctx.app.inject({
      method: "POST",
      url: `/services/launchpad/api/projects/${projectId("gh", "o/r")}/launch?user=ghost`,
      headers: { cookie: admin, [CSRF_HEADER]: csrf },
      payload: {
        provider: "gh",
        repository: "o/r",
        ref: "HEAD",
        image: "quay.io/o/r:1",
        profile_slug: "p",
        display_name: "o/r",
      },
    });
    expect(launch.statusCode).toBe(404);
    expect(double?.objects(CONFIG_MAP, "hub")).toEqual([]);
    expect(ctx.hub.userLookups).toEqual(["bob", "Bob", "ghost"]);

    // A user's own ?user= (theirs, or someone else's) never asks the hub.
    const alice = (await logIn(ctx, ALICE)).sessionCookie;
    expect((await list(alice, "alice")).statusCode).toBe(200);
    expect((await list(alice, "bob")).statusCode).toBe(404);
    expect(ctx.hub.userLookups).toHaveLength(3);
  });

  it("says so, masked, when the hub does not grant the companion read:users:name", async () => {
    const kube = await kubernetesDouble();
    ctx = await hubTestApp({}, { kube, features: undefined }, { serviceScopes: [] });
    ctx.hub.addUser("bob");
    const admin = (await logIn(ctx, ROOT)).sessionCookie;
    const response = await ctx.app.inject({
      url: "/services/launchpad/api/projects?user=bob",
      headers: { cookie: admin },
    });
    expect(response.statusCode).toBe(502);
  });
});
