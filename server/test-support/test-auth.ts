/**
 * A stand-in for the core's request auth (server/src/auth/request-auth.ts) with the same
 * decorations and the same rules, for testing route plugins on a bare Fastify: the user is named
 * by the `x-test-user` header (an admin with `x-test-admin: 1`); as the core's `requireUser`,
 * non-GET requests also need the CSRF header (`x-launchpad-csrf: ok`), which `requireCsrf` checks
 * on its own too; cross-site `Sec-Fetch-Site` is refused by `requireSameOrigin`. Refusals are the
 * core's `{status, message}` bodies.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HubUser } from "../src/hub/hub-client.ts";

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ status, message });
}

function csrfMissing(request: FastifyRequest): boolean {
  return request.method !== "GET" && request.headers["x-launchpad-csrf"] !== "ok";
}

export function installTestAuth(app: FastifyInstance): void {
  app.decorateRequest("user", null);
  app.decorateRequest("auth", null);
  app.decorate("identify", async () => {});
  app.decorate("requireUser", async (request: FastifyRequest, reply: FastifyReply) => {
    const name = request.headers["x-test-user"];
    if (typeof name !== "string" || name === "") return refuse(reply, 401, "not logged in");
    const admin = request.headers["x-test-admin"] === "1";
    request.user = { name, admin, groups: [], scopes: [] } satisfies HubUser;
    if (csrfMissing(request)) return refuse(reply, 403, "CSRF");
  });
  app.decorate("requireCsrf", async (request: FastifyRequest, reply: FastifyReply) => {
    if (csrfMissing(request)) return refuse(reply, 403, "CSRF");
  });
  app.decorate("requireSameOrigin", async (request: FastifyRequest, reply: FastifyReply) => {
    const site = request.headers["sec-fetch-site"];
    if (typeof site === "string" && site !== "same-origin" && site !== "none")
      return refuse(reply, 403, "cross-site");
  });
}
