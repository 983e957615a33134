/**
 * The page bundle at `{prefix}static/`, public (no auth: it holds no user data). Vite writes a
 * stable entry `launchpad.js` (the hub glue's loader imports it by name) and content-hashed files
 * under `chunks/` and `assets/` (vite.config.ts); scripts/compress-static.ts writes `.br`/`.gz`
 * siblings, served by `preCompressed`.
 */
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { existsSync } from "node:fs";
import { resolve, sep } from "node:path";

export const IMMUTABLE = "public, max-age=31536000, immutable";
/** The stable entry must be revalidated (ETag) on every load, or a deploy would not reach users. */
export const REVALIDATE = "no-cache";

export function cacheControlFor(root: string, filePath: string): string {
  const relative = filePath.slice(root.length).split(sep).join("/").replace(/^\/+/, "");
  // The spawn page's hashed files, and the profile editor's under admin/ (vite.config.ts).
  return /^(?:admin\/)?(?:chunks|assets)\//.test(relative) ? IMMUTABLE : REVALIDATE;
}

export async function registerStatic(
  app: FastifyInstance,
  options: { staticDir: string; servicePrefix: string },
): Promise<void> {
  const root = resolve(options.staticDir);
  if (!existsSync(root)) {
    app.log.warn(
      { root },
      "static directory is missing: run `vite build` (npm start does); the page bundle will 404",
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: `${options.servicePrefix}static/`,
    preCompressed: true,
    cacheControl: false,
    etag: true,
    lastModified: true,
    index: false,
    list: false,
    setHeaders(reply: FastifyReply, filePath: string) {
      reply.header("cache-control", cacheControlFor(root, filePath));
      reply.header("x-content-type-options", "nosniff");
    },
  });
}
