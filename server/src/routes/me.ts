import type { FastifyInstance } from "fastify";
import { MeSchema, type Features } from "../../../contract/api.ts";
import { csrfTokenFor } from "../auth/session.ts";
import { serialize } from "../errors.ts";
import type { HubUser } from "../hub/hub-client.ts";

export interface MeRouteOptions {
  cookieSecret: string;
  features: Features;
  /** Whether the user may edit the profile list (the spawn page links to the editor). */
  mayEditProfiles?: (user: HubUser) => boolean;
}

/** `GET {prefix}api/me`: who the companion thinks you are, and the CSRF token for writes. */
export function meRoutes(options: MeRouteOptions) {
  return function routes(app: FastifyInstance): Promise<void> {
    app.get("/api/me", { preHandler: [app.requireUser] }, (request, reply) => {
      const user = request.user;
      const auth = request.auth;
      if (!user || !auth) throw new Error("requireUser let a request through without a user");
      reply.header("cache-control", "no-store");
      return serialize(MeSchema, {
        name: user.name,
        admin: user.admin,
        csrf_token: csrfTokenFor(options.cookieSecret, auth.token),
        features: options.features,
        profile_editor: options.mayEditProfiles?.(user) ?? false,
      });
    });
    return Promise.resolve();
  };
}
