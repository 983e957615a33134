/**
 * Builds the companion for running: server/src/server.ts and what it imports (with contract/) as
 * JavaScript in dist/server/, npm packages left as imports. Node runs the TypeScript sources
 * directly too (`npm run dev`, the tests), but type stripping keeps a TypeScript parser in memory
 * for the life of the process (about 20 MB of the companion's resident memory at start); the image
 * and `npm start` run this build instead. Lazy imports stay lazy: each is its own chunk
 * (`splitting`), so local mode never loads what only hub mode needs.
 *
 * Usage: node scripts/build-server.ts [outdir]   (default dist/server)
 */
import { build, type Metafile } from "esbuild";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const SERVER_ENTRY = fileURLToPath(new URL("../server/src/server.ts", import.meta.url));
export const BUILT_SERVER_DIR = fileURLToPath(new URL("../dist/server", import.meta.url));

/** Builds into `outdir`; answers what esbuild wrote and what each output imports. */
export async function buildServer(outdir = BUILT_SERVER_DIR): Promise<Metafile> {
  await rm(outdir, { recursive: true, force: true });
  const { metafile } = await build({
    entryPoints: { server: SERVER_ENTRY },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    packages: "external",
    // `node --enable-source-maps` maps stack traces back to the sources.
    sourcemap: "linked",
    logLevel: "warning",
    metafile: true,
  });
  return metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outputs = Object.keys((await buildServer(process.argv[2])).outputs);
  console.log(
    outputs
      .filter((file) => file.endsWith(".js"))
      .map((file) => resolve(file))
      .join("\n"),
  );
}
