/**
 * The build API the page uses, registered by the core app under the service prefix; it only
 * translates HTTP (service.ts holds the policy, sse-writer.ts the stream's transport):
 *
 * - `GET  api/builds/<provider>/<spec>[?user=<name>]`: a `text/event-stream` of contract BuildEvents
 *   (`data: <json>\n\n`) and `:keepalive\n\n` comments relayed from BinderHub; it ends after
 *   `ready` or `failed`, and when the browser leaves the upstream request is aborted. Refusals
 *   before the stream opens: 409 (project limit: `?user=`'s, for an admin building for that user,
 *   see auth/target-user.ts), 429 with `Retry-After` (build limits), 503.
 * - `DELETE api/builds/<provider>/<spec>`: cancel (BuildCancelResult in contract/build.ts) a
 *   build the user started; an admin's cancel of other users' build is logged; anything else 404.
 * - `GET api/builds`: the user's builds still running, for a page to re-attach to (RunningBuilds).
 *
 * The path is `buildPath(provider, spec)` (contract/providers/build-path.ts), read from the RAW
 * request URL so `%2F` survives (build-request.ts). The stream is written on the raw socket
 * (`reply.hijack()`), so Fastify's compression and serialisation never touch it.
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from "fastify";

import { BuildCancelResultSchema, RunningBuildsSchema } from "../../../contract/build.ts";
import { targetUser, type UserExists } from "../auth/target-user.ts";
import { apiError, serialize } from "../errors.ts";
import type { BuildRequest } from "./build-request.ts";
import type { BuildService } from "./service.ts";
import { SseWriter } from "./sse-writer.ts";

export function buildRoutes(service: BuildService, userExists: UserExists) {
  return function buildRoutesPlugin(app: FastifyInstance): Promise<void> {
    const base = `${app.prefix}/api/builds/`;
    /** The build and its user, or undefined once a 400/401 has been sent. */
    const requested = (
      request: FastifyRequest,
      reply: FastifyReply,
    ): { user: string; build: BuildRequest } | undefined => {
      const rawPath = (request.raw.url ?? "").split("?")[0] ?? "";
      const check = rawPath.startsWith(base)
        ? service.parse(rawPath.slice(base.length))
        : ({ ok: false, message: "Malformed build path." } as const);
      if (!check.ok) {
        void reply.code(400).send(apiError(400, check.message));
        return undefined;
      }
      const user = request.user?.name;
      if (!user) {
        void reply.code(401).send(apiError(401, "You are not logged in."));
        return undefined;
      }
      return { user, build: check };
    };
    // Refuse to start without the core's auth decorations rather than serve builds unguarded.
    const pre = (...handlers: (preHandlerAsyncHookHandler | undefined)[]) => {
      if (handlers.some((h) => typeof h !== "function")) {
        throw new Error(
          "buildRoutes needs app.requireSameOrigin, app.requireUser and app.requireCsrf (installRequestAuth)",
        );
      }
      return handlers as preHandlerAsyncHookHandler[];
    };

    app.get(
      "/api/builds/:provider/*",
      { preHandler: pre(app.requireSameOrigin, app.requireUser) },
      async (request, reply) => {
        const asked = requested(request, reply);
        if (!asked) return reply;
        // An admin building on /hub/spawn/<name> builds for that user's projects.
        const owner = await targetUser(request, "No such user.", userExists);
        const outcome = await service.start(asked.user, asked.build, owner);
        if (!outcome.ok) {
          switch (outcome.reason) {
            case "project-limit":
              return reply.code(409).send(apiError(409, outcome.message));
            case "unavailable":
              return reply.code(503).send(apiError(503, outcome.message));
            case "build-limit":
              return reply
                .code(429)
                .header("retry-after", String(outcome.retryAfterSeconds))
                .send(apiError(429, outcome.message, { retry_after: outcome.retryAfterSeconds }));
          }
        }
        reply.hijack();
        const writer = new SseWriter(reply.raw);
        writer.open();
        // Not awaited: the relay keeps no frame of this handler for the build's whole length
        // (it never rejects, and the service's drain waits for it on shutdown).
        void service.relay(asked.user, asked.build, outcome.ticket, writer);
        return reply;
      },
    );

    app.get("/api/builds", { preHandler: pre(app.requireUser) }, async (request, reply) => {
      const user = request.user?.name;
      if (!user) return reply.code(401).send(apiError(401, "You are not logged in."));
      try {
        return serialize(RunningBuildsSchema, { builds: await service.running(user) });
      } catch (error) {
        request.log.error({ err: error }, "listing running builds failed");
        return reply
          .code(503)
          .send(apiError(503, "Could not list your running builds right now; try again."));
      }
    });

    app.delete(
      "/api/builds/:provider/*",
      { preHandler: pre(app.requireUser, app.requireCsrf) },
      async (request, reply) => {
        const asked = requested(request, reply);
        if (!asked) return reply;
        try {
          const actor = { name: asked.user, admin: request.user?.admin === true };
          const outcome = await service.cancel(actor, asked.build);
          if (!outcome.ok)
            return reply
              .code(404)
              .send(apiError(404, "You have no build of this repository to cancel."));
          if (outcome.onBehalfOf.length > 0)
            request.log.warn(
              {
                admin: actor.name,
                users: outcome.onBehalfOf,
                provider: asked.build.provider,
                spec: asked.build.spec,
                pods_deleted: outcome.result.pods_deleted,
              },
              "an admin cancelled other users' build",
            );
          return serialize(BuildCancelResultSchema, outcome.result);
        } catch (error) {
          request.log.error({ err: error }, "build cancel failed");
          return reply
            .code(503)
            .send(
              apiError(
                503,
                "Could not cancel the build right now (Kubernetes API unavailable); try again.",
              ),
            );
        }
      },
    );
    return Promise.resolve();
  };
}
