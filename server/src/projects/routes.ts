/**
 * The projects API under the service prefix:
 *
 *   GET    api/projects[?user=<name>]       list with limit/used (another user's: admins only)
 *   POST   api/projects/<id>/launch[?user=] record the project the user is about to start
 *   DELETE api/projects/<id>[?user=<name>]  remove the record and the folder
 *
 * Another user's project answers 404, never 403, so ids do not leak; invalid ids answer 400
 * before any store or Kubernetes call; an admin's `?user=` must name a user the hub has
 * (auth/target-user.ts). Writes go through `app.requireUser`, which checks CSRF on non-GET
 * methods (server/src/app.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import * as z from "zod/mini";

import {
  DeleteProjectResponseSchema,
  LaunchProjectRequestSchema,
  LaunchProjectResponseSchema,
  ProjectIdSchema,
  ProjectLimitErrorSchema,
  ProjectListResponseSchema,
} from "../../../contract/projects.ts";
import { signedIn, targetUser, type UserExists } from "../auth/target-user.ts";
import { HttpError, parseOr400, serialize } from "../errors.ts";
import { ProjectLimitHttpError, type ProjectService } from "./service.ts";

const IdParamsSchema = z.object({ id: ProjectIdSchema });

export interface ProjectRoutesOptions {
  service: ProjectService;
  userExists: UserExists;
}

function parseId(request: FastifyRequest): string {
  const params = IdParamsSchema.safeParse(request.params);
  if (!params.success)
    throw new HttpError(
      400,
      "Invalid project id: lower-case letters, digits and '-' only, at most 80.",
    );
  return params.data.id;
}

export function projectRoutes(options: ProjectRoutesOptions) {
  const { service, userExists } = options;
  return function projectRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.get("/api/projects", { preHandler: [app.requireUser] }, async (request) => {
      const user = await targetUser(request, "No such user.", userExists);
      return serialize(ProjectListResponseSchema, await service.list(user));
    });

    app.post(
      "/api/projects/:id/launch",
      { preHandler: [app.requireUser] },
      async (request, reply: FastifyReply) => {
        const id = parseId(request);
        // An admin spawning for someone else records the project under that user.
        const user = await targetUser(request, "No such user.", userExists);
        const body = parseOr400(LaunchProjectRequestSchema, request.body, "launch request");
        try {
          const result = await service.launch(user, id, body);
          reply.code(result.created ? 201 : 200);
          return serialize(LaunchProjectResponseSchema, result);
        } catch (error) {
          if (!(error instanceof ProjectLimitHttpError)) throw error;
          reply.code(409);
          return serialize(ProjectLimitErrorSchema, {
            status: 409,
            message: error.message,
            reason: "project-limit",
            limit: error.limit,
            used: error.used,
          });
        }
      },
    );

    app.delete(
      "/api/projects/:id",
      { preHandler: [app.requireUser] },
      async (request, reply: FastifyReply) => {
        const id = parseId(request);
        const me = signedIn(request);
        const user = await targetUser(request, `No project ${id}.`, userExists);
        const outcome = await service.delete(user, id, me.name);
        if (outcome.state === "removed")
          return serialize(DeleteProjectResponseSchema, { id, state: "removed" });
        reply.code(202);
        return serialize(DeleteProjectResponseSchema, {
          id,
          state: "deleting",
          project: outcome.project,
        });
      },
    );
    return Promise.resolve();
  };
}
