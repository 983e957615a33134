import { http, HttpResponse } from "msw";
import * as z from "zod/mini";
import { describe, expect, it } from "vitest";
import { CSRF_HEADER } from "../../../contract/api.ts";
import { server } from "../testing/server.ts";
import { ApiRequestError, apiRequest } from "./api-client.ts";

const base = "/prefix/services/launchpad/";
const Thing = z.object({ id: z.string() });

describe("apiRequest", () => {
  it("parses a response with the schema and sends same-origin credentials", async () => {
    let credentials: string | undefined;
    server.use(
      http.get("*/services/launchpad/api/thing", ({ request }) => {
        credentials = request.credentials;
        return HttpResponse.json({ id: "a", extra: "dropped" });
      }),
    );
    await expect(apiRequest(base, "api/thing", Thing)).resolves.toEqual({ id: "a" });
    expect(credentials).toBe("same-origin");
  });

  it("sends the CSRF token and JSON body on writes only", async () => {
    const seen: Array<[string, string | null, unknown]> = [];
    server.use(
      http.all("*/services/launchpad/api/thing", async ({ request }) => {
        seen.push([
          request.method,
          request.headers.get(CSRF_HEADER),
          request.method === "GET" ? null : await request.json(),
        ]);
        return HttpResponse.json({ id: "b" });
      }),
    );
    await apiRequest(base, "api/thing", Thing, { csrfToken: "t" });
    await apiRequest(base, "api/thing", Thing, { method: "POST", body: { x: 1 }, csrfToken: "t" });
    expect(seen).toEqual([
      ["GET", null, null],
      ["POST", "t", { x: 1 }],
    ]);
  });

  it("turns {status, message} errors into ApiRequestError with login_url", async () => {
    server.use(
      http.get("*/services/launchpad/api/thing", () =>
        HttpResponse.json(
          { status: 401, message: "Sign in", login_url: "/login" },
          { status: 401 },
        ),
      ),
    );
    const error = await apiRequest(base, "api/thing", Thing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error).toMatchObject({ status: 401, message: "Sign in", loginUrl: "/login" });
  });

  it("reports non-JSON errors, unexpected bodies and network failures", async () => {
    server.use(
      http.get(
        "*/services/launchpad/api/html",
        () => new HttpResponse("<h1>Bad gateway</h1>", { status: 502 }),
      ),
    );
    await expect(apiRequest(base, "api/html", Thing)).rejects.toMatchObject({ status: 502 });
    server.use(http.get("*/services/launchpad/api/odd", () => HttpResponse.json({ id: 1 })));
    await expect(apiRequest(base, "api/odd", Thing)).rejects.toMatchObject({
      status: 200,
      message: /does not understand/,
    });
    server.use(http.get("*/services/launchpad/api/down", () => HttpResponse.error()));
    await expect(apiRequest(base, "api/down", Thing)).rejects.toMatchObject({ status: 0 });
  });
});
