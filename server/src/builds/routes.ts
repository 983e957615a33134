/**
 * The build API the page uses, registered by the core app under the service prefix:
 *
 * - `GET  api/builds/<provider>/<spec>`: a `text/event-stream` of contract BuildEvents
 *   (`data: <json>\n\n`) and `:keepalive\n\n` comments relayed from BinderHub; it ends after
 *   `ready` or `failed`, and when the browser leaves the upstream request is aborted.
 * - `DELETE api/builds/<provider>/<spec>`: cancel (BuildCancelResult in contract/build.ts).
 *
 * The path is `buildPath(provider, spec)` from contract/providers.ts (each segment of BinderHub's
 * spec through encodeURIComponent), read from the RAW request URL so `%2F` survives; it is
 * decoded with the page's own `decodeBuildPath` and checked before anything goes upstream.
 *
 * The stream is written on the raw socket (reply.hijack()): never compressed, `no-transform`
 * and `X-Accel-Buffering: no` so proxies and an nginx ingress pass each event at once.
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from "fastify";
import { apiError } from "../errors.ts";
import {
  BuildCancelResultSchema,
  type BuildEvent,
  type Provider,
} from "../../../contract/build.ts";
import { decodeBuildPath } from "../../../contract/providers.ts";
import { streamBuild, type BinderHubClientConfig } from "./binderhub-client.ts";
import { checkSpecSafety, repositoryUrl, specRef } from "./build-spec.ts";
import type { BuildLimiter, BuildRef } from "./limiter.ts";
import { companionFailure } from "./normalize.ts";
import type { BuildPodCanceller } from "./pod-canceller.ts";

export interface BuildRoutesOptions {
  binderhub: BinderHubClientConfig;
  limiter: BuildLimiter;
  /** Absent in local mode (no build pods to delete). */
  podCanceller?: BuildPodCanceller | undefined;
  /** Providers the admin allows. */
  allowedProviders: readonly Provider[];
  /**
   * Asked before a build starts, after the request is validated: a message refuses it with 409
   * (the project limit: nobody should wait for an image they cannot start on).
   */
  beforeBuild?:
    ((user: string, provider: Provider, repoUrl: string) => Promise<string | null>) | undefined;
}

export type BuildRequestCheck =
  { ok: true; provider: Provider; spec: string } | { ok: false; message: string };

/** Reads and checks `<provider>/<encoded spec>` as the page's `buildPath` writes it. */
export function parseBuildPath(rawPath: string, allowed: readonly Provider[]): BuildRequestCheck {
  const provider = rawPath.split("/", 1)[0] ?? "";
  if (!(allowed as readonly string[]).includes(provider)) {
    return {
      ok: false,
      message: `Building from "${provider}" is not enabled on this hub (allowed: ${allowed.join(", ") || "none"}).`,
    };
  }
  const decoded = decodeBuildPath(rawPath);
  if (!decoded)
    return { ok: false, message: `Invalid ${provider} repository or ref in the build request.` };
  const safety = checkSpecSafety(decoded.provider, decoded.spec);
  if (!safety.ok) return safety;
  return { ok: true, provider: decoded.provider, spec: decoded.spec };
}

const STREAM_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
  "content-encoding": "identity",
};

export function buildRoutes(options: BuildRoutesOptions) {
  return function buildRoutesPlugin(app: FastifyInstance): Promise<void> {
    const base = `${app.prefix}/api/builds/`;
    const guard = (
      request: FastifyRequest,
      reply: FastifyReply,
    ): (BuildRef & { ok: true }) | undefined => {
      const rawPath = (request.raw.url ?? "").split("?")[0] ?? "";
      const check = rawPath.startsWith(base)
        ? parseBuildPath(rawPath.slice(base.length), options.allowedProviders)
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
      return {
        ok: true,
        user,
        provider: check.provider,
        spec: check.spec,
        repoUrl: repositoryUrl(check.provider, check.spec),
        ref: specRef(check.provider, check.spec),
      };
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
        const build = guard(request, reply);
        if (!build) return reply;
        const refusal = await options.beforeBuild?.(build.user, build.provider, build.repoUrl);
        if (refusal) return reply.code(409).send(apiError(409, refusal));
        let acquired;
        try {
          acquired = await options.limiter.acquire(build);
        } catch (error) {
          request.log.error({ err: error }, "build limiter unavailable");
          return reply
            .code(503)
            .send(
              apiError(503, "Could not check your build limits right now; try again in a minute."),
            );
        }
        if (!acquired.ok) {
          return reply
            .code(429)
            .header("retry-after", String(acquired.retryAfterSeconds))
            .send(apiError(429, acquired.message, { retry_after: acquired.retryAfterSeconds }));
        }
        const { ticket } = acquired;
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, STREAM_HEADERS);
        res.flushHeaders();
        const stop = new AbortController();
        const onBrowserGone = () => stop.abort(new Error("browser went away"));
        res.on("close", onBrowserGone);
        const onCancel = () => stop.abort(new Error("cancelled"));
        ticket.cancelled.addEventListener("abort", onCancel, { once: true });

        // Coalesce the writes of one turn of the event loop into one socket write.
        let corked = false;
        const write = async (text: string): Promise<void> => {
          if (res.destroyed || res.writableEnded) return;
          if (!corked) {
            corked = true;
            res.cork();
            setImmediate(() => {
              corked = false;
              res.uncork();
            });
          }
          if (!res.write(text)) {
            await new Promise<void>((resolve) => {
              const done = () => {
                res.off("drain", done);
                res.off("close", done);
                resolve();
              };
              res.on("drain", done);
              res.on("close", done);
            });
          }
        };
        const send = (event: BuildEvent) => write(`data: ${JSON.stringify(event)}\n\n`);
        try {
          for await (const item of streamBuild(
            options.binderhub,
            build.provider,
            build.spec,
            stop.signal,
          )) {
            if (item.kind === "keepalive") await write(":keepalive\n\n");
            else await send(item.event);
          }
          if (ticket.cancelled.aborted && !res.destroyed)
            await send(companionFailure("Build cancelled."));
        } catch (error) {
          request.log.error({ err: error }, "build stream failed");
          await send(
            companionFailure("The companion hit an internal error while relaying the build."),
          );
        } finally {
          res.off("close", onBrowserGone);
          ticket.cancelled.removeEventListener("abort", onCancel);
          if (corked) {
            corked = false;
            res.uncork();
          }
          if (!res.writableEnded) res.end();
          await ticket
            .release()
            .catch((error: unknown) =>
              request.log.warn({ err: error }, "could not release build lease"),
            );
        }
        return reply;
      },
    );

    app.delete(
      "/api/builds/:provider/*",
      { preHandler: pre(app.requireUser, app.requireCsrf) },
      async (request, reply) => {
        const build = guard(request, reply);
        if (!build) return reply;
        try {
          const streams = await options.limiter.requestCancel(build);
          const watchers = await options.limiter.otherWatchers(build);
          let result;
          if (watchers > 0) {
            result = {
              streams_cancelled: streams,
              pods_deleted: [],
              pod_kept_reason: `${watchers} other stream${watchers === 1 ? " is" : "s are"} still watching a build of this repository.`,
            };
          } else if (!options.podCanceller) {
            result = {
              streams_cancelled: streams,
              pods_deleted: [],
              pod_kept_reason: "No build pods to stop in this mode.",
            };
          } else {
            const { deleted } = await options.podCanceller.cancel(build);
            result = {
              streams_cancelled: streams,
              pods_deleted: deleted,
              ...(deleted.length === 0
                ? {
                    pod_kept_reason:
                      "No running build pod matched this build (it may have finished).",
                  }
                : {}),
            };
          }
          return reply.send(BuildCancelResultSchema.parse(result));
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
