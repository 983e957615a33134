/**
 * Log hygiene: the OAuth callback's `code` and `state` (and a `token` someone puts in a URL) must
 * not land in logs, though the code is single-use and bound to its PKCE verifier.
 */
import type { FastifyServerOptions } from "fastify";

const SECRET_PARAMS = new Set(["code", "state", "token", "access_token"]);

export function redactUrl(url: string): string {
  const queryStart = url.indexOf("?");
  if (queryStart === -1) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  let changed = false;
  for (const key of [...params.keys()]) {
    if (SECRET_PARAMS.has(key)) {
      params.set(key, "[redacted]");
      changed = true;
    }
  }
  return changed ? `${url.slice(0, queryStart)}?${params.toString()}` : url;
}

export function loggerOptions(level: string): FastifyServerOptions["logger"] {
  return {
    level,
    // Tokens travel in the Authorization header and the session cookie: never log them.
    redact: ["req.headers.authorization", "req.headers.cookie", 'res.headers["set-cookie"]'],
    serializers: {
      req(request: { method: string; url: string; host?: string; ip?: string }) {
        return {
          method: request.method,
          url: redactUrl(request.url),
          host: request.host,
          remoteAddress: request.ip,
        };
      },
    },
  };
}
