/**
 * Whose things a request is about: the signed-in user's own, or with `?user=<name>` another
 * user's — for hub admins only, as when an admin starts a server for someone at
 * `/hub/spawn/<name>` (the page then sends `?user=`). To anyone else another user's things answer
 * 404, never 403, so names and ids do not leak. An admin's `?user=` must name a user the hub has
 * (asked of the hub with the narrowest scope that answers it, hub/hub-client.ts `userExists`), so
 * nothing is ever recorded or counted for a typo.
 */
import type { FastifyRequest } from "fastify";
import * as z from "zod/mini";

import { HttpError, parseOr400 } from "../errors.ts";

const UserQuerySchema = z.object({
  user: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
});

/** Whether the hub has a user of exactly this name (the hub client, or local mode's one user). */
export type UserExists = (name: string) => Promise<boolean>;

/** Takes every name as a user's: where no hub is asked (tests, benches) or the name decides nothing. */
export const ANY_NAME: UserExists = () => Promise.resolve(true);

export function signedIn(request: FastifyRequest): { name: string; admin: boolean } {
  const user = request.user;
  if (!user) throw new HttpError(401, "Sign in first.");
  return user;
}

export async function targetUser(
  request: FastifyRequest,
  notFound: string,
  userExists: UserExists,
): Promise<string> {
  const me = signedIn(request);
  const { user } = parseOr400(UserQuerySchema, request.query, "query");
  if (user === undefined || user === me.name) return me.name;
  // Only an admin's naming of someone else asks the hub: a user probing names learns nothing.
  if (!me.admin) throw new HttpError(404, notFound);
  if (!(await userExists(user))) throw new HttpError(404, "The hub has no user of that name.");
  return user;
}
