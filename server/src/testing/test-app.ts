/** Test wiring: a hub-mode config and app pointed at the fake hub, with a controllable clock. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { buildApp, type AppDeps } from "../app.ts";
import { fileRevocationStore } from "../auth/session-revocations.ts";
import { loadConfig, type Config } from "../config.ts";
import type { FeatureSet } from "../features.ts";
import { createFakeHub, type FakeHub, type FakeHubUser } from "./fake-hub.ts";

/** The core's tests need no cluster or BinderHub: the features report on and add no routes. */
export const NO_FEATURES: FeatureSet = {
  features: { build: true, projects: true },
  routes: [],
  drain: () => Promise.resolve(),
  stop: () => Promise.resolve(),
};

export const TEST_SECRET = "0123456789abcdef0123456789abcdef-test-secret";

export function hubTestConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    env: {
      JUPYTERHUB_API_URL: "http://hub:8081/hub/api",
      JUPYTERHUB_API_TOKEN: "service-secret-token",
      LAUNCHPAD_COOKIE_SECRET: TEST_SECRET,
      LAUNCHPAD_STATIC_DIR: "/nonexistent-launchpad-static",
      LAUNCHPAD_BINDERHUB_URL: "http://binderhub.test/services/binder/",
      LAUNCHPAD_HUB_NAMESPACE: "hub",
      ...env,
    },
  });
}

export const ALICE: FakeHubUser = {
  name: "alice",
  groups: ["physics"],
  scopes: ["access:services!service=launchpad", "read:users:name!user=alice"],
};

export interface HubTestContext {
  app: FastifyInstance;
  hub: FakeHub;
  config: Config;
  clock: { now: number };
}

export async function hubTestApp(
  env: Record<string, string> = {},
  deps: AppDeps = {},
  hubOptions: {
    enforceAccessAtAuthorize?: boolean;
    clientSecret?: string;
    serviceScopes?: string[];
  } = {},
): Promise<HubTestContext> {
  const config = hubTestConfig(env);
  const hub = createFakeHub({
    clientId: config.clientId,
    clientSecret: config.hubApiToken ?? "",
    redirectUri: config.oauthCallbackUrl,
    serviceName: config.serviceName,
    ...hubOptions,
  });
  const clock = { now: Date.UTC(2025, 5, 1) };
  const app = await buildApp(config, {
    fetch: hub.fetch,
    now: () => clock.now,
    features: NO_FEATURES,
    // The local-mode store in a folder of its own: the ConfigMap one is tested against the
    // Kubernetes double where replicas are the point.
    revocationStore: fileRevocationStore(mkdtempSync(join(tmpdir(), "launchpad-sessions-"))),
    ...deps,
  });
  return { app, hub, config, clock };
}

/**
 * `name=value` of each Set-Cookie as it is on the wire, which a browser sends back unchanged
 * (light-my-request's `response.cookies` holds values decoded once: sent back, a value with `%`
 * in it would be decoded twice).
 */
function setCookiePairs(response: LightMyRequestResponse): string[] {
  const header = response.headers["set-cookie"];
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return lines.map((line) => line.split(";")[0] ?? "");
}

/** `name=value` of a Set-Cookie, for the Cookie header of the next request. */
export function cookiePair(response: LightMyRequestResponse, name: string): string {
  const found = setCookiePairs(response).find((pair) => pair.startsWith(`${name}=`));
  if (!found)
    throw new Error(
      `no Set-Cookie for ${name}; got ${response.cookies.map((c) => c.name).join(", ")}`,
    );
  return found;
}

/** `name=value` of the login state cookie a login response set. */
export function stateCookieOf(response: LightMyRequestResponse, clientId: string): string {
  const found = setCookiePairs(response).find((pair) =>
    pair.startsWith(`${clientId}-oauth-state-`),
  );
  if (!found) throw new Error("no login state cookie");
  return found;
}

/** Runs the whole browser dance: oauth_login → hub authorize → oauth_callback. */
export async function logIn(
  ctx: HubTestContext,
  user: FakeHubUser,
  next?: string,
): Promise<{ callback: LightMyRequestResponse; sessionCookie: string }> {
  ctx.hub.loginAs(user);
  const login = await ctx.app.inject({
    url: `${ctx.config.servicePrefix}oauth_login${next === undefined ? "" : `?next=${encodeURIComponent(next)}`}`,
  });
  const authorize = await ctx.hub.app.inject({ url: String(login.headers.location) });
  const callback = await ctx.app.inject({
    url: String(authorize.headers.location),
    headers: { cookie: stateCookieOf(login, ctx.config.clientId) },
  });
  const session = setCookiePairs(callback).find(
    (pair) => pair.startsWith(`${ctx.config.clientId}=`) && pair !== `${ctx.config.clientId}=`,
  );
  return { callback, sessionCookie: session ?? "" };
}
