import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { compressStatic } from "../../scripts/compress-static.ts";
import { hubTestApp } from "./testing/test-app.ts";

const ENTRY = `export const page = "${"launchpad ".repeat(200)}";\n`;
let dir: string;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "launchpad-static-"));
  mkdirSync(join(dir, "chunks"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "launchpad.js"), ENTRY);
  writeFileSync(
    join(dir, "chunks", "terminal-abc123.js"),
    `export const t = "${"x".repeat(500)}";\n`,
  );
  writeFileSync(join(dir, "assets", "launchpad-def456.css"), `.launchpad{color:red}\n`.repeat(30));
  mkdirSync(join(dir, "admin", "chunks"), { recursive: true });
  writeFileSync(join(dir, "admin", "admin.js"), ENTRY);
  writeFileSync(join(dir, "admin", "chunks", "sanitize-0a1b2c.js"), ENTRY);
  await compressStatic(dir);
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("compress-static", () => {
  it("writes .gz and .br siblings that decompress to the original", () => {
    const original = readFileSync(join(dir, "launchpad.js"));
    expect(gunzipSync(readFileSync(join(dir, "launchpad.js.gz")))).toEqual(original);
    expect(brotliDecompressSync(readFileSync(join(dir, "launchpad.js.br")))).toEqual(original);
  });
});

describe("static files", () => {
  it("serves the stable entry without auth, revalidated by ETag, as brotli when accepted", async () => {
    ({ app } = await hubTestApp({ LAUNCHPAD_STATIC_DIR: dir }));
    const response = await app.inject({
      url: "/services/launchpad/static/launchpad.js",
      headers: { "accept-encoding": "gzip, br" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-cache");
    expect(response.headers["content-encoding"]).toBe("br");
    expect(response.headers["content-type"]).toMatch(/javascript/);
    expect(String(response.headers.vary)).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(response.rawPayload).toString()).toBe(ENTRY);

    const etag = String(response.headers.etag);
    const again = await app.inject({
      url: "/services/launchpad/static/launchpad.js",
      headers: { "accept-encoding": "gzip, br", "if-none-match": etag },
    });
    expect(again.statusCode).toBe(304);
  });

  it("serves gzip to clients without brotli, and identity to clients without either", async () => {
    ({ app } = await hubTestApp({ LAUNCHPAD_STATIC_DIR: dir }));
    const gz = await app.inject({
      url: "/services/launchpad/static/launchpad.js",
      headers: { "accept-encoding": "gzip" },
    });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.rawPayload).toString()).toBe(ENTRY);
    const plain = await app.inject({
      url: "/services/launchpad/static/launchpad.js",
      headers: { "accept-encoding": "identity" },
    });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toBe(ENTRY);
  });

  it.each([
    "chunks/terminal-abc123.js",
    "assets/launchpad-def456.css",
    "admin/chunks/sanitize-0a1b2c.js",
  ])("caches hashed %s for a year, immutable", async (file) => {
    ({ app } = await hubTestApp({ LAUNCHPAD_STATIC_DIR: dir }));
    const response = await app.inject({
      url: `/services/launchpad/static/${file}`,
      headers: { "accept-encoding": "br" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(response.headers["content-encoding"]).toBe("br");
  });

  it("revalidates the profile editor's entry, like the spawn page's", async () => {
    ({ app } = await hubTestApp({ LAUNCHPAD_STATIC_DIR: dir }));
    const response = await app.inject({ url: "/services/launchpad/static/admin/admin.js" });
    expect(response.headers["cache-control"]).toBe("no-cache");
  });

  it("answers 404 JSON for a missing file and refuses to leave the static root", async () => {
    ({ app } = await hubTestApp({ LAUNCHPAD_STATIC_DIR: dir }));
    const missing = await app.inject({ url: "/services/launchpad/static/nope.js" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ status: 404 });
    const escape = await app.inject({ url: "/services/launchpad/static/..%2f..%2fpackage.json" });
    expect([403, 404]).toContain(escape.statusCode);
  });
});
