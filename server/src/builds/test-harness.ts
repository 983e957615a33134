/**
 * Test wiring for the build routes: a companion replica on a real socket (the build service
 * behind the routes, with the test stand-in for the core's auth) in front of the BinderHub double
 * and a Kubernetes API (the real one in routes.kube.test.ts, the double in routes.test.ts), and a
 * reader of its event streams as a browser reads them.
 */
import Fastify, { type FastifyInstance } from "fastify";

import { PROVIDERS, type BuildEvent } from "../../../contract/build.ts";
import { SseReader, type SseItem } from "../../../contract/sse.ts";
import { ANY_NAME, type UserExists } from "../auth/target-user.ts";
import type { BinderHubDouble } from "../../test-support/binderhub-double.ts";
import { installTestAuth } from "../../test-support/test-auth.ts";
import type { KubernetesClient } from "../kubernetes/client.ts";
import type { BuildLimiter } from "./limiter.ts";
import { createKubernetesPodCanceller } from "./pod-canceller.ts";
import { buildRoutes } from "./routes.ts";
import { BuildService, type BuildServiceOptions } from "./service.ts";

export const PREFIX = "/services/launchpad";

export interface CompanionOptions {
  binder: BinderHubDouble;
  kube: KubernetesClient;
  buildNamespace: string;
  limiter: BuildLimiter;
  idleTimeoutMs?: number;
  allowed?: readonly (typeof PROVIDERS)[number][];
  beforeBuild?: BuildServiceOptions["beforeBuild"];
  watch?: BuildServiceOptions["watch"];
  /** The hub's users, for an admin's `?user=` (default: every name is a user). */
  userExists?: UserExists;
  /** Receives the app's log lines (JSON), when given. */
  log?: (line: string) => void;
  metrics?: BuildServiceOptions["metrics"];
}

/**
 * One companion replica on a real socket; returns its `api/builds/` URL, its build service (for
 * open streams and drain) and how to stop it.
 */
export async function startCompanion(
  options: CompanionOptions,
): Promise<{ base: string; service: BuildService; close: () => Promise<void> }> {
  const app: FastifyInstance = Fastify({
    forceCloseConnections: true,
    ...(options.log ? { logger: { level: "info", stream: { write: options.log } } } : {}),
  });
  installTestAuth(app);
  const service = new BuildService({
    binderhub: {
      url: options.binder.buildEndpoint,
      token: options.binder.token,
      idleTimeoutMs: options.idleTimeoutMs ?? 5000,
    },
    limiter: options.limiter,
    podCanceller: createKubernetesPodCanceller({
      kube: options.kube,
      namespace: options.buildNamespace,
    }),
    allowedProviders: options.allowed ?? PROVIDERS,
    beforeBuild: options.beforeBuild,
    watch: options.watch,
    metrics: options.metrics,
  });
  await app.register(buildRoutes(service, options.userExists ?? ANY_NAME), {
    prefix: PREFIX,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}${PREFIX}/api/builds/`,
    service,
    close: () => app.close(),
  };
}

export const headers = (user = "alice", extra: Record<string, string> = {}) => ({
  "x-test-user": user,
  "sec-fetch-site": "same-origin",
  ...extra,
});

/** Reads a build stream; `until` may abort early by returning true. */
export async function readStream(
  response: Response,
  until?: (items: SseItem[]) => boolean,
  controller?: AbortController,
) {
  const reader = new SseReader();
  const items: SseItem[] = [];
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      items.push(...reader.feed(decoder.decode(chunk, { stream: true })));
      if (until?.(items)) {
        controller?.abort();
        break;
      }
    }
  } catch (error) {
    if (!controller?.signal.aborted) throw error;
  }
  return {
    items,
    events: items.flatMap((i) => (i.type === "data" ? [JSON.parse(i.data) as BuildEvent] : [])),
    keepalives: items.filter((i) => i.type === "comment").length,
  };
}

/** Opens a stream and keeps reading it in the background, as a browser does. */
export async function openStream(base: string, path: string, user = "alice") {
  const controller = new AbortController();
  const response = await fetch(base + path, { headers: headers(user), signal: controller.signal });
  const done =
    response.status === 200
      ? readStream(response, undefined, controller).catch(() => undefined)
      : Promise.resolve(undefined);
  return { response, controller, done };
}
