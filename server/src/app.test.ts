import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { ApiErrorSchema } from "../../contract/api.ts";
import { HttpError, parseOr400, serialize } from "./app.ts";
import { hubTestApp, type HubTestContext } from "./testing/test-app.ts";

let ctx: HubTestContext | undefined;
afterEach(async () => {
  await ctx?.app.close();
  ctx = undefined;
});

describe("health", () => {
  it("answers the hub's health check at the prefix and the probe at api/health without auth or hub calls", async () => {
    ctx = await hubTestApp({ JUPYTERHUB_BASE_URL: "/jh/" });
    for (const url of [
      "/jh/services/launchpad/",
      "/jh/services/launchpad",
      "/jh/services/launchpad/api/health",
    ]) {
      const response = await ctx.app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: "ok" });
    }
    expect(ctx.hub.calls.user).toBe(0);
  });
});

describe("errors", () => {
  const ThingSchema = z.object({ id: z.string().regex(/^[a-z]+$/) });
  const ThingReplySchema = z.object({ id: z.string() });

  async function withRoutes(logged: unknown[]): Promise<HubTestContext> {
    return hubTestApp(
      {},
      {
        logger: {
          level: "error",
          stream: { write: (line: string) => logged.push(JSON.parse(line)) },
        },
        extraRoutes: [
          async (app) => {
            app.get("/api/things/:id", (request, reply) => {
              const { id } = parseOr400(ThingSchema, request.params, "thing id");
              if (id === "gone") throw new HttpError(410, "That thing is gone.");
              if (id === "broken") throw new Error("secret internal detail: password=hunter2");
              return reply.send(serialize(ThingReplySchema, { id, internal: "not for browsers" }));
            });
            return Promise.resolve();
          },
        ],
      },
    );
  }

  it("serialises responses through their schema, dropping extra fields", async () => {
    ctx = await withRoutes([]);
    expect((await ctx.app.inject({ url: "/services/launchpad/api/things/abc" })).json()).toEqual({
      id: "abc",
    });
  });

  it("passes 4xx through in JupyterHub's {status, message} shape", async () => {
    ctx = await withRoutes([]);
    const invalid = await ctx.app.inject({ url: "/services/launchpad/api/things/ABC" });
    expect(invalid.statusCode).toBe(400);
    expect(ApiErrorSchema.parse(invalid.json()).message).toMatch(/^Invalid thing id: id: /);
    const gone = await ctx.app.inject({ url: "/services/launchpad/api/things/gone" });
    expect(gone.json()).toEqual({ status: 410, message: "That thing is gone." });
  });

  it("masks 5xx and logs them with the request", async () => {
    const logged: unknown[] = [];
    ctx = await withRoutes(logged);
    const response = await ctx.app.inject({ url: "/services/launchpad/api/things/broken" });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("hunter2");
    expect(ApiErrorSchema.parse(response.json()).status).toBe(500);
    const entry = logged.find(
      (line) => (line as { url?: string }).url === "/services/launchpad/api/things/broken",
    ) as { method: string; err: { message: string } } | undefined;
    expect(entry?.method).toBe("GET");
    // The detail stays in the log, where operators can read it.
    expect(entry?.err.message).toContain("hunter2");
  });

  it("answers unknown API routes with 404 JSON", async () => {
    ctx = await hubTestApp();
    const response = await ctx.app.inject({ url: "/services/launchpad/api/nothing-here?x=1" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      status: 404,
      message: "No such Launchpad endpoint: GET /services/launchpad/api/nothing-here",
    });
  });

  it("answers a malformed JSON body with 400 in the same shape", async () => {
    ctx = await hubTestApp(
      {},
      {
        extraRoutes: [
          (app) =>
            Promise.resolve(
              void app.post("/api/echo", (request, reply) => reply.send(request.body)),
            ),
        ],
      },
    );
    const response = await ctx.app.inject({
      method: "POST",
      url: "/services/launchpad/api/echo",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(response.statusCode).toBe(400);
    expect(ApiErrorSchema.parse(response.json()).status).toBe(400);
  });
});

describe("schemas", () => {
  it("refuses a route that brings a Fastify JSON schema instead of zod, naming the route", async () => {
    const { app } = await hubTestApp(
      {},
      {
        extraRoutes: [
          (app) =>
            Promise.resolve(
              void app.post(
                "/api/things",
                { schema: { body: { type: "object", properties: { id: { type: "string" } } } } },
                (_request, reply) => reply.send({}),
              ),
            ),
        ],
      },
    );
    await expect(app.ready()).rejects.toThrow(
      "POST /services/launchpad/api/things has a JSON schema; Launchpad's routes validate with zod (parseOr400)",
    );
  });
});
