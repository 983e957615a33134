/**
 * Launch links (docs/launch-links.md):
 *
 *   GET launch?<query>      check the link, sign in through the hub if needed (the link rides in
 *                           the login's own state cookie, oauth-routes.ts), hand it over, and
 *                           send the browser to the hub's spawn page, which starts nothing
 *   GET api/launch-link     the page takes the link handed to this session (once)
 *   GET badge.svg           the image of a "launch" badge for READMEs
 *
 * The only redirect targets are built here from the configuration (the hub's spawn page, the
 * companion's login with this route as `next`): nothing in the link chooses where a browser goes.
 */
import type { FastifyInstance } from "fastify";
import {
  LAUNCH_PATH,
  LaunchHandoffResponseSchema,
  launchQuery,
  parseLaunchQuery,
} from "../../../contract/launch-link.ts";
import type { CookieSettings } from "../auth/session.ts";
import { messagePage, serialize } from "../errors.ts";
import { setHandoff, takeHandoff } from "./handoff.ts";

export interface LaunchRouteOptions extends CookieSettings {
  hubBaseUrl: string;
  now: () => number;
}

/** 20 px high, as Binder's and shields.io's flat badges are. */
const BADGE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="138" height="20" role="img" aria-label="launch: Launchpad"><title>launch: Launchpad</title><rect width="52" height="20" fill="#555"/><rect x="52" width="86" height="20" fill="#f37726"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle"><text x="26" y="14">launch</text><text x="95" y="14">Launchpad</text></g></svg>`;

export function launchRoutes(options: LaunchRouteOptions) {
  const spawnPage = `${options.hubBaseUrl}hub/spawn`;
  return function launchRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.get(
      `/${LAUNCH_PATH}`,
      { preHandler: [app.identify], config: { errorPage: true } },
      (request, reply) => {
        reply.header("cache-control", "no-store");
        const url = request.raw.url ?? "";
        const at = url.indexOf("?");
        const parsed = parseLaunchQuery(at === -1 ? "" : url.slice(at + 1));
        if (!parsed.ok) {
          return reply
            .code(400)
            .type("text/html; charset=utf-8")
            .send(
              messagePage(
                "This launch link is not valid",
                `${parsed.problems.join(" ")} Nothing was started. Ask whoever shared the link for a new one, or choose on the spawn page.`,
                { href: spawnPage, text: "Open the spawn page" },
              ),
            );
        }
        if (request.auth?.kind !== "cookie" || !request.user) {
          // Only the canonical query travels: what the login's state cookie keeps is exactly
          // what was checked, and plain ASCII, as redirectTarget requires of `next`.
          const query = launchQuery(parsed.link);
          const next = `${options.servicePrefix}${LAUNCH_PATH}${query ? `?${query}` : ""}`;
          return reply.redirect(
            `${options.servicePrefix}oauth_login?next=${encodeURIComponent(next)}`,
            302,
          );
        }
        setHandoff(request, reply, options, {
          user: request.user.name,
          link: parsed.link,
          nowMs: options.now(),
        });
        return reply.redirect(spawnPage, 302);
      },
    );

    app.get(
      "/api/launch-link",
      { preHandler: [app.requireSameOrigin, app.requireUser] },
      (request, reply) => {
        reply.header("cache-control", "no-store");
        const link = request.user
          ? takeHandoff(request, reply, options, request.user.name, options.now())
          : null;
        return serialize(LaunchHandoffResponseSchema, { link });
      },
    );

    app.get("/badge.svg", (_request, reply) =>
      reply.header("cache-control", "public, max-age=86400").type("image/svg+xml").send(BADGE_SVG),
    );
    return Promise.resolve();
  };
}
