import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { CSRF_HEADER, MeSchema } from "../../../contract/api.ts";
import { projectId, ProjectListResponseSchema } from "../../../contract/projects.ts";
import { SpawnPageDataSchema } from "../../../contract/spawn-page.ts";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { cookiePair } from "../testing/test-app.ts";
import { SAMPLE_PROFILES } from "./sample-profiles.ts";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function localApp(env: Record<string, string> = {}): Promise<FastifyInstance> {
  app = await buildApp(
    loadConfig({
      env: {
        LAUNCHPAD_STATIC_DIR: "/nonexistent-launchpad-static",
        LAUNCHPAD_LOCAL_DATA_DIR: mkdtempSync(join(tmpdir(), "launchpad-local-")),
        ...env,
      },
      argv: ["--local"],
    }),
  );
  return app;
}

function spawnData(html: string): unknown {
  const match = /<script type="application\/json" id="launchpad-spawn-data">([^]*?)<\/script>/.exec(
    html,
  );
  if (!match?.[1]) throw new Error("no spawn data element");
  return JSON.parse(match[1]);
}

function multipart(fields: [string, string][]): {
  payload: string;
  headers: Record<string, string>;
} {
  const boundary = "----launchpadtest";
  const parts = fields.map(
    ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
  );
  return {
    payload: `${parts.join("")}--${boundary}--\r\n`,
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

describe("local mode demo hub", () => {
  it("redirects / to the spawn page and keeps the service prefix as the health check", async () => {
    const local = await localApp();
    const root = await local.inject({ url: "/" });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe("/hub/spawn");
    expect((await local.inject({ url: "/services/launchpad/" })).json()).toEqual({ status: "ok" });
  });

  it("renders a spawn page like JupyterHub's, with valid spawn data, and a session for the demo user", async () => {
    const local = await localApp();
    const page = await local.inject({ url: "/hub/spawn" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('window.jhdata = {"base_url":"/hub/","prefix":"/","user":"demo"');
    expect(page.body).toContain('"xsrf_token":"local"');
    expect(page.body).toContain(
      '<form enctype="multipart/form-data" id="spawn_form" action="/hub/spawn?_xsrf=local" method="post"',
    );
    expect(page.body).toContain('<div id="launchpad-root" class="launchpad"');
    expect(page.body).toContain(
      '<script type="module" src="/services/launchpad/static/launchpad.js"></script>',
    );
    expect(page.body).toContain('<div class="feedback-container"><button type="submit"');
    const data = SpawnPageDataSchema.parse(spawnData(page.body));
    expect(data.profiles.map((p) => p.slug)).toEqual(["python", "r", "gpu"]);

    const me = await local.inject({
      url: "/services/launchpad/api/me",
      headers: { cookie: cookiePair(page, "service-launchpad") },
    });
    expect(MeSchema.parse(me.json())).toMatchObject({ name: "demo", admin: true });
  });

  it("logs in through oauth_login without a hub and runs the same session and CSRF paths", async () => {
    const local = await localApp();
    await local.register((scoped, _options, done) => {
      scoped.post(
        "/services/launchpad/api/ping",
        { preHandler: [local.requireUser] },
        (_request, reply) => reply.send({ ok: true }),
      );
      done();
    });
    const login = await local.inject({
      url: "/services/launchpad/oauth_login?next=%2Fhub%2Fspawn%3Fx%3D1",
    });
    expect(login.statusCode).toBe(302);
    expect(login.headers.location).toBe("/hub/spawn?x=1");
    const cookie = cookiePair(login, "service-launchpad");
    const me = MeSchema.parse(
      (await local.inject({ url: "/services/launchpad/api/me", headers: { cookie } })).json(),
    );
    const refused = await local.inject({
      method: "POST",
      url: "/services/launchpad/api/ping",
      headers: { cookie },
    });
    expect(refused.statusCode).toBe(403);
    const allowed = await local.inject({
      method: "POST",
      url: "/services/launchpad/api/ping",
      headers: { cookie, "x-launchpad-csrf": me.csrf_token },
    });
    expect(allowed.json()).toEqual({ ok: true });
    expect((await local.inject({ url: "/services/launchpad/api/me" })).statusCode).toBe(401);
  });

  it("wires the local projects store and builds, through the simulator or a configured BinderHub", async () => {
    const withoutBinderHub = await localApp();
    const page = await withoutBinderHub.inject({ url: "/hub/spawn" });
    const cookie = cookiePair(page, "service-launchpad");
    const me = await withoutBinderHub.inject({
      url: "/services/launchpad/api/me",
      headers: { cookie },
    });
    expect(MeSchema.parse(me.json()).features).toEqual({ build: true, projects: true });
    expect(page.body).toContain("launchpad-demo/failing-build");
    const projects = await withoutBinderHub.inject({
      url: "/services/launchpad/api/projects",
      headers: { cookie },
    });
    expect(projects.statusCode).toBe(200);
    expect(
      (await withoutBinderHub.inject({ url: "/services/launchpad/api/projects" })).statusCode,
    ).toBe(401);
    await withoutBinderHub.close();

    const withBinderHub = await localApp({
      LAUNCHPAD_BINDERHUB_URL: "http://127.0.0.1:9/",
      LAUNCHPAD_BUILD_PROVIDERS: "gh",
    });
    const cookie2 = cookiePair(
      await withBinderHub.inject({ url: "/hub/spawn" }),
      "service-launchpad",
    );
    const me2 = await withBinderHub.inject({
      url: "/services/launchpad/api/me",
      headers: { cookie: cookie2 },
    });
    expect(MeSchema.parse(me2.json()).features).toEqual({ build: true, projects: true });
    // A real BinderHub has no demo scenarios to offer.
    expect(await withBinderHub.inject({ url: "/hub/spawn" }).then((r) => r.body)).not.toContain(
      "launchpad-demo/",
    );
    // The build route is mounted behind the same auth: an unknown provider is refused before upstream.
    const refused = await withBinderHub.inject({
      url: "/services/launchpad/api/builds/gl/group%2Frepo/HEAD",
      headers: { cookie: cookie2, "sec-fetch-site": "same-origin" },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ message: string }>().message).toMatch(/not enabled/);
    const crossSite = await withBinderHub.inject({
      url: "/services/launchpad/api/builds/gh/a/b/HEAD",
      headers: { cookie: cookie2, "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.statusCode).toBe(403);
  });

  it("escapes the spawn data so an admin's description cannot end the script element", async () => {
    const python = SAMPLE_PROFILES[0];
    if (!python) throw new Error("no sample profile");
    const original = python.description;
    python.description = "</script><script>alert(1)</script> & <!-- \u2028";
    try {
      const page = await (await localApp()).inject({ url: "/hub/spawn" });
      const element =
        /<script type="application\/json" id="launchpad-spawn-data">([^]*?)<\/script>/.exec(
          page.body,
        )?.[1] ?? "";
      expect(element).not.toMatch(/[<>&\u2028]/);
      expect(element).toContain("\\u003c/script\\u003e");
      expect(SpawnPageDataSchema.parse(JSON.parse(element)).profiles[0]?.description).toBe(
        python.description,
      );
    } finally {
      python.description = original;
    }
  });

  it("follows the system's theme and JupyterHub 5's data-bs-theme, and says what the demo is", async () => {
    const page = (await (await localApp()).inject({ url: "/hub/spawn" })).body;
    expect(page).toContain('<meta name="color-scheme" content="light dark">');
    expect(page).toContain(":root[data-bs-theme=dark]{color-scheme:dark}");
    expect(page).toContain("background:light-dark(#fff,#212529)");
    expect(page).toContain("localStorage.getItem(k)"); // the key JupyterHub 5's darkmode.js uses
    expect(page).toContain('"jupyterhub-bs-theme"');
    expect(page).toContain('id="dark-theme-toggle"');
    expect(page).toContain("2 builds at once, 100 builds an hour, 20 projects");
    expect(page).toMatch(
      /Projects and their folders live in <code>\/[^<]*launchpad-local-[^<]*<\/code>/,
    );
  });

  it("links the hub's stylesheet as JupyterHub's page does: Bootstrap 5.3 and the hub's Start, allowed by the page policy", async () => {
    const local = await localApp();
    const page = await local.inject({ url: "/hub/spawn" });
    expect(page.body).toContain('<link rel="stylesheet" href="/hub/static/css/style.min.css">');
    expect(page.headers["content-security-policy"]).toMatch(
      /style-src [^;]*http:\/\/localhost(:\d+)?\/hub\/static\/css\/style\.min\.css/,
    );
    const css = await local.inject({ url: "/hub/static/css/style.min.css" });
    expect(css.statusCode).toBe(200);
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(css.body).toContain("Bootstrap  v5.3.8");
    expect(css.body).toContain(".btn-jupyter{--bs-btn-color:#fff;--bs-btn-bg:#f37524");
  });

  it("shows the limits it was configured with", async () => {
    const page = await (
      await localApp({
        LAUNCHPAD_BUILDS_PER_HOUR_PER_USER: "7",
        LAUNCHPAD_PROJECT_LIMIT_PER_USER: "3",
      })
    ).inject({ url: "/hub/spawn" });
    expect(page.body).toContain("2 builds at once, 7 builds an hour, 3 projects");
  });

  it("shows the user_options KubeSpawner would receive from a multipart form post", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "launchpad-local-"));
    const local = await localApp({ LAUNCHPAD_LOCAL_DATA_DIR: dataDir });
    const form = multipart([
      ["profile", "python"],
      ["profile", "r"],
      ["profile-option-python--image--unlisted-choice", "quay.io/me/analysis:2025"],
      ["profile-option-python--resources", "medium"],
      ["profile-option-python--launchpad-project", "github-me-analysis-1a2b3c"],
      ["profile-option-r--image", "r-4-4"],
      ["_xsrf", "local"],
    ]);
    const response = await local.inject({ method: "POST", url: "/hub/spawn?_xsrf=local", ...form });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(
      "In a real hub, KubeSpawner would now start a server with these options",
    );
    expect(response.body).toContain('<code id="option-image">quay.io/me/analysis:2025</code>');
    expect(response.body).toContain(
      '<code id="option-resources">Medium: 2 CPU, 8 GB RAM (medium)</code>',
    );
    // The project folder is created where local mode keeps it, as the glue's seed would.
    const folder = join(dataDir, "homes", "demo", "projects", "github-me-analysis-1a2b3c");
    expect(response.body).toContain(`<code id="project-folder">${folder}</code>`);
    expect(statSync(folder).isDirectory()).toBe(true);
    const shown = /<pre id="user-options">([^]*?)<\/pre>/.exec(response.body)?.[1] ?? "";
    expect(JSON.parse(shown.replace(/&#34;/g, '"'))).toEqual({
      profile: "python",
      "image--unlisted-choice": "quay.io/me/analysis:2025",
      resources: "medium",
      "launchpad-project": "github-me-analysis-1a2b3c",
    });
    // The next spawn page preselects them, as the hub's saved user_options do.
    const next = await local.inject({ url: "/hub/spawn" });
    expect(SpawnPageDataSchema.parse(spawnData(next.body)).user_options).toMatchObject({
      resources: "medium",
    });
  });

  it("a start the demo accepts on a project is its launch; a refused start is not", async () => {
    const local = await localApp();
    const cookie = cookiePair(await local.inject({ url: "/hub/spawn" }), "service-launchpad");
    const me = MeSchema.parse(
      (await local.inject({ url: "/services/launchpad/api/me", headers: { cookie } })).json(),
    );
    const image = "quay.io/me/analysis:2025";
    const id = projectId("gh", "me/analysis");
    const recorded = await local.inject({
      method: "POST",
      url: `/services/launchpad/api/projects/${id}/launch`,
      headers: { cookie, [CSRF_HEADER]: me.csrf_token, "sec-fetch-site": "same-origin" },
      payload: {
        provider: "gh",
        repository: "me/analysis",
        ref: "main",
        image,
        profile_slug: "python",
        display_name: "me/analysis",
      },
    });
    expect(recorded.statusCode).toBe(201);
    const list = async () =>
      ProjectListResponseSchema.parse(
        (
          await local.inject({ url: "/services/launchpad/api/projects", headers: { cookie } })
        ).json(),
      );
    const post = (resources: string) =>
      local.inject({
        method: "POST",
        url: "/hub/spawn?_xsrf=local",
        ...multipart([
          ["profile", "python"],
          ["profile-option-python--image--unlisted-choice", image],
          ["profile-option-python--resources", resources],
          ["profile-option-python--launchpad-project", id],
        ]),
      });
    expect((await list()).projects[0]).toMatchObject({ pending_launch: { image } });
    expect((await list()).projects[0]?.last_launched_at).toBeUndefined();

    expect((await post("huge")).statusCode).toBe(400);
    expect((await list()).projects[0]?.last_launched_at).toBeUndefined();

    expect((await post("medium")).statusCode).toBe(200);
    const [project] = (await list()).projects;
    expect(project?.last_launched_at).toBeDefined();
    expect(project?.pending_launch).toBeUndefined();
    expect(project).toMatchObject({ image, ref: "main" });
  });

  it("parses urlencoded posts the same way and lists every validation problem", async () => {
    const local = await localApp();
    const body = new URLSearchParams([
      ["profile", "python"],
      ["profile-option-python--image--unlisted-choice", "docker.io/evil/<b>x</b>:1"],
      ["profile-option-python--resources", "huge"],
    ]).toString();
    const response = await local.inject({
      method: "POST",
      url: "/hub/spawn?_xsrf=local",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: body,
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(
      "Received unlisted_choice for image that failed validation regex.",
    );
    expect(response.body).toContain("resources: no such choice huge");
    expect(response.body).not.toContain("<b>x</b>");
    expect(response.body).toContain("&#60;b&#62;x&#60;/b&#62;");
  });

  it("refuses a post without the hub's _xsrf, as JupyterHub 4.1+ does", async () => {
    const local = await localApp();
    const response = await local.inject({
      method: "POST",
      url: "/hub/spawn",
      ...multipart([["profile", "python"]]),
    });
    expect(response.statusCode).toBe(403);
  });
});
