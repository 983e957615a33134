/**
 * Hub mode wired end to end in-process: fake hub for identity, the Kubernetes API double for
 * project records, the build routes mounted behind the core's auth.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { MeSchema } from "../../contract/api.ts";
import { KubernetesDouble } from "../test-support/kubernetes-double.ts";
import { composeFeatures } from "./features.ts";
import { createKubernetesClient, loadKubeConfig } from "./kubernetes/client-node.ts";
import {
  ALICE,
  hubTestApp,
  hubTestConfig,
  logIn,
  type HubTestContext,
} from "./testing/test-app.ts";

const SILENT_LOG = Fastify({ logger: false }).log;
let ctx: HubTestContext | undefined;
let double: KubernetesDouble | undefined;
afterEach(async () => {
  await ctx?.app.close();
  await double?.close();
  ctx = undefined;
  double = undefined;
});

describe("composeFeatures in hub mode", () => {
  it("serves projects from the cluster and builds behind the core's auth", async () => {
    double = await new KubernetesDouble().start();
    const dir = mkdtempSync(join(tmpdir(), "launchpad-features-"));
    const kube = createKubernetesClient(
      loadKubeConfig({ kubeconfigPath: double.writeKubeconfig(dir, "hub"), env: {} }),
    );
    const config = hubTestConfig({ LAUNCHPAD_BUILD_PROVIDERS: "gh" });
    ctx = await hubTestApp(
      { LAUNCHPAD_BUILD_PROVIDERS: "gh" },
      { features: composeFeatures(config, { kube }, SILENT_LOG) },
    );
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
    const set = composeFeatures(config, {}, SILENT_LOG);
    expect(set.features).toEqual({ build: false, projects: false });
    expect(set.routes).toHaveLength(0);
  });
});
