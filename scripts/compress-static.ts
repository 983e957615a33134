/**
 * Writes `.gz` (level 9) and `.br` (quality 11) next to every .js/.css/.svg/.json file of the built
 * page, so @fastify/static (`preCompressed`) serves them without compressing per request.
 * Run by scripts/start-local.sh after `vite build`; the container image runs it at build time.
 *
 * Usage: node scripts/compress-static.ts [dir]   (default dist/static)
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);
const COMPRESSIBLE = /\.(?:js|mjs|css|svg|json|map)$/;

export async function compressStatic(dir: string): Promise<string[]> {
  const written: string[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const data = await readFile(path);
    const [gz, br] = await Promise.all([
      gzipAsync(data, { level: 9 }),
      brotliAsync(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      }),
    ]);
    await writeFile(`${path}.gz`, gz);
    await writeFile(`${path}.br`, br);
    written.push(path);
  }
  return written;
}

if (import.meta.filename === process.argv[1]) {
  const dir = process.argv[2] ?? "dist/static";
  const written = await compressStatic(dir);
  process.stdout.write(
    `compress-static: ${written.length} files in ${dir} have .gz and .br siblings\n`,
  );
}
