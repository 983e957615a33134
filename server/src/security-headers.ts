/**
 * Response headers for everything the companion answers, from helmet (@fastify/helmet): a
 * Content-Security-Policy, `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
 * frame restrictions (`frame-ancestors 'none'`, `X-Frame-Options: DENY`), and `no-store` on JSON.
 *
 * The companion's own HTML (sign-in and error pages) runs no script and loads nothing, so the
 * policy every answer carries allows nothing at all. Local mode's demo spawn page and the profile
 * editor's page (`admin/`) are the pages of ours that run a bundle: they get `applyPagePolicy`,
 * allowing only the companion's static files.
 * On a hub, the spawn page is the hub's and carries the hub's own headers.
 */
import { createHash } from "node:crypto";
import helmet from "@fastify/helmet";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

type Directives = Record<string, string[]>;

const NOTHING: Directives = {
  "default-src": ["'none'"],
  "base-uri": ["'none'"],
  "form-action": ["'none'"],
  "frame-ancestors": ["'none'"],
};

export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: NOTHING },
    // Strict-Transport-Security is the hub's to set for its host: a service under the hub's
    // prefix must not pin the whole domain (and its subdomains) to HTTPS for a year.
    strictTransportSecurity: false,
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
  });
  // JSON answers name users, projects and tokens for writes: never kept by a browser or proxy.
  app.addHook("onSend", (_request, reply, payload, done) => {
    const type = reply.getHeader("content-type");
    if (
      typeof type === "string" &&
      type.startsWith("application/json") &&
      !reply.hasHeader("cache-control")
    ) {
      reply.header("cache-control", "no-store");
    }
    done(null, payload);
  });
}

/** The CSP source of an inline script: `'sha256-…'` of its exact text (CSP3 §8.3, hash-source). */
export function scriptHashSource(script: string): string {
  return `'sha256-${createHash("sha256").update(script, "utf8").digest("base64")}'`;
}

/**
 * Applies the policy of a page that runs the bundle: scripts only from `{servicePrefix}static/` on
 * this origin plus the page's own inline scripts by hash; styles from there and inline, since the
 * page and xterm inject `<style>` elements (xterm's DomRenderer makes them without a nonce);
 * requests (API, event streams) and the form post to this origin only. `styleSources`: the
 * stylesheets of the page around the bundle (the local demo's stand-in for the hub's own).
 */
export function applyPagePolicy(
  request: FastifyRequest,
  reply: FastifyReply,
  servicePrefix: string,
  inlineScripts: readonly string[],
  styleSources: readonly string[] = [],
): void {
  const staticFiles = `${request.protocol}://${request.host}${servicePrefix}static/`;
  // helmet's middleware sets the headers before it returns (its `next` is a no-op here).
  reply.helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        ...NOTHING,
        "script-src": [staticFiles, ...inlineScripts.map(scriptHashSource)],
        "style-src": [staticFiles, ...styleSources, "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": [staticFiles],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
      },
    },
  });
}
