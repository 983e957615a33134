/**
 * Whose things a request is about: the signed-in user's own, or with `?user=<name>` another
 * user's — for hub admins only, as when an admin starts a server for someone at
 * `/hub/spawn/<name>` (the page then sends `?user=`). To anyone else another user's things answer
 * 404, never 403, so names and ids do not leak.
 */
import type { FastifyRequest } from "fastify";
import * as z from "zod/mini";

import { HttpError, parseOr400 } from "../errors.ts";

const UserQuerySchema = z.object({
  user: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
});

export function signedIn(request: FastifyRequest): { name: string; admin: boolean } {
  const user = request.user;
  if (!user) throw new HttpError(401, "Sign in first.");
  return user;
}

export function targetUser(request: FastifyRequest, notFound: string): string {
  const me = signedIn(request);
  const { user } = parseOr400(UserQuerySchema, request.query, "query");
  if (user === undefined || user === me.name) return me.name;
  if (!me.admin) throw new HttpError(404, notFound);
  return user;
}
