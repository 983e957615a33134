import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { cookiePair, hubTestApp, type HubTestContext } from "./testing/test-app.ts";

let ctx: HubTestContext | undefined;
let local: FastifyInstance | undefined;
afterEach(async () => {
  await ctx?.app.close();
  await local?.close();
  ctx = local = undefined;
});

/** `directive → sources` of a Content-Security-Policy header. */
function csp(response: LightMyRequestResponse): Record<string, string[]> {
  const header = String(response.headers["content-security-policy"] ?? "");
  return Object.fromEntries(
    header
      .split(";")
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name = "", ...sources]) => [name, sources]),
  );
}

function expectCommonHeaders(response: LightMyRequestResponse): void {
  expect(response.headers["x-content-type-options"]).toBe("nosniff");
  expect(response.headers["referrer-policy"]).toBe("no-referrer");
  expect(response.headers["x-frame-options"]).toBe("DENY");
  expect(csp(response)["frame-ancestors"]).toEqual(["'none'"]);
  // The hub decides HSTS for its host, not a service under its prefix.
  expect(response.headers["strict-transport-security"]).toBeUndefined();
}

async function localApp(): Promise<FastifyInstance> {
  local = await buildApp(
    loadConfig({
      env: {
        LAUNCHPAD_STATIC_DIR: "/nonexistent-launchpad-static",
        LAUNCHPAD_LOCAL_DATA_DIR: mkdtempSync(join(tmpdir(), "launchpad-headers-")),
      },
      argv: ["--local"],
    }),
  );
  return local;
}

describe("the companion's own HTML", () => {
  it("an error page allows no script, style, frame or form at all", async () => {
    ctx = await hubTestApp();
    const response = await ctx.app.inject({
      url: "/services/launchpad/oauth_callback?code=a&state=b",
    });
    expect(response.headers["content-type"]).toMatch(/^text\/html/);
    expectCommonHeaders(response);
    expect(csp(response)).toEqual({
      "default-src": ["'none'"],
      "base-uri": ["'none'"],
      "form-action": ["'none'"],
      "frame-ancestors": ["'none'"],
    });
  });

  it("local mode's demo page may run only the companion's static files and its own two inline scripts", async () => {
    const app = await localApp();
    const response = await app.inject({ url: "/hub/spawn", headers: { host: "127.0.0.1:8000" } });
    expectCommonHeaders(response);
    // The theme (as JupyterHub 5's darkmode.js sets data-bs-theme), then window.jhdata.
    const inline = [...response.body.matchAll(/<script>([^<]*)<\/script>/g)].map((m) => m[1] ?? "");
    expect(inline).toHaveLength(2);
    expect(inline[0]).toContain("data-bs-theme");
    expect(inline[1]).toContain("window.jhdata");
    const hashes = inline.map((s) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`);
    const policy = csp(response);
    expect(policy["script-src"]).toEqual([
      "http://127.0.0.1:8000/services/launchpad/static/",
      ...hashes,
    ]);
    expect(policy["default-src"]).toEqual(["'none'"]);
    expect(policy["connect-src"]).toEqual(["'self'"]);
    expect(policy["form-action"]).toEqual(["'self'"]);
    expect(policy["base-uri"]).toEqual(["'none'"]);
    // The bundle it loads is under the static path the policy names.
    expect(response.body).toContain('src="/services/launchpad/static/launchpad.js"');
  });
});

describe("JSON answers", () => {
  it("are no-store, errors included", async () => {
    ctx = await hubTestApp();
    const response = await ctx.app.inject({ url: "/services/launchpad/api/me" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("the projects list, which names a user's repositories, is no-store", async () => {
    const app = await localApp();
    const spawn = await app.inject({ url: "/hub/spawn" });
    const response = await app.inject({
      url: "/services/launchpad/api/projects",
      headers: { cookie: cookiePair(spawn, "service-launchpad") },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
  });
});
