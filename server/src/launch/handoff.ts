/**
 * The hand-over of a launch link from the companion's `launch` route to the spawn page.
 *
 * Not in `/hub/spawn`'s query string (any argument there but `next` starts the server at once:
 * contract/launch-link.ts), and not in its fragment: a fragment does not survive a login form
 * or an external identity provider (jupyterhub-fancy-profiles#123), which the hub may still put
 * between this redirect and the form (its own login cookie can end before ours). A signed cookie
 * scoped to the service prefix reaches the companion from the page's fetch whatever happened on
 * the way, needs no store that a second replica would not see, and carries nothing secret.
 *
 * It is bound to the user who followed the link (a browser shared by two people hands one
 * person's link to nobody else), lives 10 minutes, and is cleared when the page takes it. Not to
 * the session: a new sign-in in between (local mode's demo hub hands out a session with every
 * spawn page) would lose the link for the very person who followed it.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import * as z from "zod/mini";
import { type LaunchLink, parseLaunchQuery, launchQuery } from "../../../contract/launch-link.ts";
import { cookieOptions, readSignedCookie, type CookieSettings } from "../auth/session.ts";

export const HANDOFF_MAX_AGE_SECONDS = 600;

const HandoffCookieSchema = z.object({
  v: z.literal(1),
  /** The hub user who followed the link. */
  user: z.string(),
  /** Seconds since the epoch after which the page no longer takes it. */
  exp: z.number(),
  /** The link's canonical query, parsed again when taken. */
  q: z.string(),
});

export function handoffCookieName(settings: CookieSettings): string {
  return `${settings.clientId}-launch`;
}

/** Base64url JSON, so that cookie encoding cannot grow it past what MAX_LAUNCH_QUERY_LENGTH allows for. */
export function setHandoff(
  request: FastifyRequest,
  reply: FastifyReply,
  settings: CookieSettings,
  handoff: { user: string; link: LaunchLink; nowMs: number },
): void {
  const value = Buffer.from(
    JSON.stringify({
      v: 1,
      user: handoff.user,
      exp: Math.floor(handoff.nowMs / 1000) + HANDOFF_MAX_AGE_SECONDS,
      q: launchQuery(handoff.link),
    }),
  ).toString("base64url");
  reply.setCookie(
    handoffCookieName(settings),
    value,
    cookieOptions(request, settings, HANDOFF_MAX_AGE_SECONDS),
  );
}

/**
 * The link handed to `user`, or null (none, tampered, expired, another user's); the
 * cookie is cleared whenever there is one, so a link is taken once.
 */
export function takeHandoff(
  request: FastifyRequest,
  reply: FastifyReply,
  settings: CookieSettings,
  user: string,
  nowMs: number,
): LaunchLink | null {
  const name = handoffCookieName(settings);
  if (request.cookies[name] === undefined) return null;
  reply.clearCookie(name, { path: settings.servicePrefix });
  const raw = readSignedCookie(request, name);
  if (raw === null) return null;
  let parsed;
  try {
    parsed = HandoffCookieSchema.safeParse(JSON.parse(Buffer.from(raw, "base64url").toString()));
  } catch {
    return null;
  }
  if (!parsed.success || parsed.data.user !== user || parsed.data.exp * 1000 <= nowMs) return null;
  const link = parseLaunchQuery(parsed.data.q);
  return link.ok ? link.link : null;
}
