/**
 * The companion as one Fastify app (the fastify/demo shape: `app.ts` builds, `server.ts` listens).
 *
 * Routes live under the service prefix, `{hubPrefix}services/{name}/`: CHP keeps the prefix when it
 * proxies (the hub adds the route `{base_url}services/{name}/`,
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/proxy.py#L308-L325, and CHP's includePrefix defaults to true,
 * https://github.com/jupyterhub/configurable-http-proxy/blob/5.3.0/lib/configproxy.js#L186-L190). Everything is injectable (`AppDeps`) so tests run
 * in-process.
 *
 * ## The auth interface for route plugins (builds, projects, …)
 *
 * Feature plugins are composed in features.ts and registered under the prefix after auth is
 * installed (tests add more through `deps.extraRoutes`). Inside them, use the root's decorations:
 *
 *   app.get("/api/builds/*", { preHandler: [app.requireSameOrigin, app.requireUser] }, handler)
 *   app.delete("/api/projects/:id", { preHandler: [app.requireUser] }, handler)
 *
 * - `request.user: HubUser | null` — `{ name, admin, groups, scopes }`, set by `requireUser` or `identify`.
 * - `request.auth: { kind: "token" | "cookie", token } | null` — `token` is the user's hub token.
 * - `app.requireUser` — 401 `{status, message, login_url}` without a session (the page logs in
 *   again), 403 without `access:services!service=<name>`; for non-GET methods it also checks CSRF.
 * - `app.requireCsrf` — cookie-authenticated non-GET requests must send `X-Launchpad-CSRF`
 *   (the `csrf_token` of `GET api/me`); token-authenticated requests skip it.
 * - `app.requireSameOrigin` — refuses `Sec-Fetch-Site` other than `same-origin`/`none`: use it on
 *   GET routes that start work (an EventSource cannot send the CSRF header).
 * - Throw `HttpError(status, message)` for 4xx; anything else is logged and answered as a masked 5xx.
 * - Validate input with `parseOr400(schema, value, what)` and answer through `serialize(schema, value)`.
 */
import cookie from "@fastify/cookie";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { HubIdentity, LocalIdentity, LOCAL_USER } from "./auth/identity.ts";
import { oauthRoutes, type LoginBackend } from "./auth/oauth-routes.ts";
import { installRequestAuth } from "./auth/request-auth.ts";
import {
  configMapRevocationStore,
  fileRevocationStore,
  SessionRevocations,
  type RevocationDocumentStore,
} from "./auth/session-revocations.ts";
import type { Config } from "./config.ts";
import {
  clientErrorHandler,
  frameworkErrors,
  installErrorHandling,
  zodOnlySchemas,
} from "./errors.ts";
import { createHubClient, type FetchFn, type HubClient } from "./hub/hub-client.ts";
import { composeFeatures, type FeatureDeps, type FeatureSet } from "./features.ts";
import { kubernetesConnection, noKubernetes, type KubernetesClient } from "./kubernetes/client.ts";
import { DEMO_SCENARIOS } from "./local/binderhub-simulator.ts";
import { Metrics } from "./metrics.ts";
import { demoHubRoutes } from "./local/demo-hub.ts";
import { SAMPLE_PROFILES } from "./local/sample-profiles.ts";
import { launchRoutes } from "./launch/routes.ts";
import { healthRoutes } from "./routes/health.ts";
import { meRoutes } from "./routes/me.ts";
import { registerSecurityHeaders } from "./security-headers.ts";
import { registerStatic } from "./static.ts";

export type { HubUser } from "./hub/hub-client.ts";
export type { RequestAuth } from "./auth/request-auth.ts";
export { HttpError, parseOr400, serialize } from "./errors.ts";

export interface AppDeps extends FeatureDeps {
  /** The hub API client (hub mode); default: a fetch-based client for `config.hubApiUrl`. */
  hub?: HubClient;
  /** The fetch the default hub client uses (tests point it at the fake hub). */
  fetch?: FetchFn;
  /** Milliseconds since the epoch; the clock of sessions and the user cache. */
  now?: () => number;
  /**
   * Where ended sessions are recorded; default: a ConfigMap in the hub's namespace (hub mode), a
   * file in the local data folder (local mode).
   */
  revocationStore?: RevocationDocumentStore;
  /** Fastify's logger option (server.ts passes pino settings; tests default to off). */
  logger?: FastifyServerOptions["logger"];
  /**
   * The build and projects features; default: composed from the config (features.ts). Tests of
   * the core pass a stand-in so that no cluster or BinderHub is needed.
   */
  features?: FeatureSet;
  /** Route plugins other areas add under the service prefix, after auth is installed. */
  extraRoutes?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
  /** Where the app counts what it does (server.ts serves it on the metrics port). */
  metrics?: Metrics;
}

const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    trustProxy: config.trustProxy,
    // Deadlines for receiving a request (Node's requestTimeout and headersTimeout count until the
    // request is complete, so an event stream's long response is not cut by them): a client
    // trickling headers or a body byte by byte gets 408 and loses the connection. No socket
    // inactivity timeout (connectionTimeout): a build stream is quiet for up to a keepalive period.
    connectionTimeout: 0,
    requestTimeout: config.requestDeadlineSeconds * 1000,
    // Longer than the idle timeout of the proxies in front (CHP's node agent, ingress-nginx's 60 s
    // upstream keepalive), so the companion is never the side that closes a connection a proxy
    // is about to reuse.
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    http: {
      headersTimeout: config.requestDeadlineSeconds * 1000,
      // How often Node checks those deadlines (default 30 s, which would double a short one).
      connectionsCheckingInterval: Math.min(2000, config.requestDeadlineSeconds * 250),
    },
    // A user name or build spec can be long, but not this long.
    routerOptions: { maxParamLength: 2000 },
    // Errors raised before any route runs leave in the app's {status, message} shape too.
    frameworkErrors,
    clientErrorHandler,
    schemaController: zodOnlySchemas,
  });
  installErrorHandling(app);
  await registerSecurityHeaders(app);
  await app.register(cookie, { secret: config.cookieSecret, parseOptions: {} });

  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? new Metrics({ processMetrics: false });
  // @kubernetes/client-node is most of the companion's memory: only hub mode loads it.
  const kubernetes =
    config.mode === "hub" || deps.kube
      ? await kubernetesConnection({
          given: deps.kube,
          ...(config.kubeconfigPath ? { kubeconfigPath: config.kubeconfigPath } : {}),
          observe: (operation, status, seconds) =>
            metrics.kubernetesRequests.observe({ operation, status }, seconds),
        })
      : noKubernetes;
  let backend: LoginBackend;
  if (config.mode === "local") {
    backend = { kind: "local", identity: new LocalIdentity() };
  } else {
    if (!config.hubApiUrl || !config.hubApiToken)
      throw new Error("hub mode needs hubApiUrl and hubApiToken (loadConfig checks this)");
    const hub =
      deps.hub ??
      createHubClient({
        apiUrl: config.hubApiUrl,
        clientId: config.clientId,
        clientSecret: config.hubApiToken,
        serviceToken: config.hubApiToken,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        observe: (call, status, seconds) => metrics.hubRequests.observe({ call, status }, seconds),
      });
    backend = {
      kind: "hub",
      hub,
      identity: new HubIdentity({
        hub,
        serviceName: config.serviceName,
        now,
        cacheSeconds: config.identityCacheSeconds,
      }),
    };
  }
  const revocations = new SessionRevocations({
    store: deps.revocationStore ?? defaultRevocationStore(config, kubernetes),
    now,
    onError: (error, what) => app.log.warn({ err: error }, what),
  });

  const cookieSettings = {
    clientId: config.clientId,
    servicePrefix: config.servicePrefix,
    cookieSecret: config.cookieSecret,
  };
  installRequestAuth(app, {
    ...cookieSettings,
    identity: backend.identity,
    revocations,
    now,
    serviceName: config.serviceName,
    loginUrl: `${config.servicePrefix}oauth_login`,
  });

  const prefix = config.servicePrefix.replace(/\/$/, "");
  await app.register(healthRoutes, { prefix });
  await app.register(
    oauthRoutes(
      {
        ...cookieSettings,
        serviceName: config.serviceName,
        hubBaseUrl: config.hubBaseUrl,
        oauthCallbackUrl: config.oauthCallbackUrl,
      },
      { backend, revocations, now },
    ),
    { prefix },
  );
  await app.register(launchRoutes({ ...cookieSettings, hubBaseUrl: config.hubBaseUrl, now }), {
    prefix,
  });
  const userExists =
    backend.kind === "hub"
      ? (name: string) => backend.hub.userExists(name)
      : (name: string) => Promise.resolve(name === LOCAL_USER.name);
  const features =
    deps.features ?? composeFeatures(config, deps, app.log, userExists, kubernetes, metrics);
  // close() answers new requests 503 from here on (return503OnClosing), then waits for open ones:
  // build streams end first, each telling its page to reconnect (to another replica).
  app.addHook("preClose", () => features.drain());
  app.addHook("onClose", () => features.stop());
  await app.register(
    meRoutes({
      cookieSecret: config.cookieSecret,
      features: features.features,
      ...(features.mayEditProfiles ? { mayEditProfiles: features.mayEditProfiles } : {}),
    }),
    {
      prefix,
    },
  );
  for (const routes of [...features.routes, ...(deps.extraRoutes ?? [])]) {
    await app.register(routes, { prefix });
  }
  await registerStatic(app, { staticDir: config.staticDir, servicePrefix: config.servicePrefix });

  if (backend.kind === "local") {
    await app.register(
      demoHubRoutes({
        ...cookieSettings,
        serviceName: config.serviceName,
        identity: backend.identity,
        now,
        profiles: SAMPLE_PROFILES,
        user: LOCAL_USER.name,
        demo: {
          limits: {
            concurrentBuilds: config.buildConcurrentPerUser,
            buildsPerHour: config.buildsPerHourPerUser,
            projects: config.projectLimitPerUser,
          },
          // features.ts simulates BinderHub unless one is configured.
          scenarios: config.binderhubUrl ? null : DEMO_SCENARIOS,
          localDataDir: config.localDataDir,
        },
        onProjectStart: features.onDemoProjectStart,
      }),
    );
  }
  return app;
}

function defaultRevocationStore(
  config: Config,
  kubernetes: () => KubernetesClient,
): RevocationDocumentStore {
  if (config.mode === "local") return fileRevocationStore(config.localDataDir);
  if (!config.hubNamespace) throw new Error("hub mode needs hubNamespace (loadConfig checks this)");
  const namespace = config.hubNamespace;
  // Created on first use: a request with a session cookie, or a logout.
  let store: RevocationDocumentStore | undefined;
  const get = () => (store ??= configMapRevocationStore(kubernetes(), namespace));
  return {
    read: () => get().read(),
    write: (document, version) => get().write(document, version),
  };
}
