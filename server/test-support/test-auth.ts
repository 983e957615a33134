/**
 * A stand-in for the core's request auth (server/src/auth/request-auth.ts) with the same
 * decorations, for testing route plugins on a bare Fastify: the user is named by the
 * `x-test-user` header; cross-site `Sec-Fetch-Site` is refused; unsafe methods need
 * `x-launchpad-csrf: ok`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HubUser } from "../src/hub/hub-client.ts";

export function installTestAuth(app: FastifyInstance): void {
  app.decorateRequest("user", null);
  app.decorateRequest("auth", null);
  app.decorate("identify", async () => {});
  app.decorate("requireUser", async (request: FastifyRequest, reply: FastifyReply) => {
    const name = request.headers["x-test-user"];
    if (typeof name !== "string" || name === "")
      return reply.code(401).send({ status: 401, message: "not logged in" });
    request.user = { name, admin: false, groups: [], scopes: [] } satisfies HubUser;
  });
  app.decorate("requireCsrf", async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== "GET" && request.headers["x-launchpad-csrf"] !== "ok") {
      return reply.code(403).send({ status: 403, message: "csrf" });
    }
  });
  app.decorate("requireSameOrigin", async (request: FastifyRequest, reply: FastifyReply) => {
    const site = request.headers["sec-fetch-site"];
    if (typeof site === "string" && site !== "same-origin" && site !== "none") {
      return reply.code(403).send({ status: 403, message: "cross-site" });
    }
  });
}
