import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";

import { MeSchema } from "../../../contract/api.ts";
import { SAMPLE_BOUNDS, SAMPLE_DOCUMENT } from "../../../contract/profile-editor/sample.ts";
import {
  ProfileEditorStateSchema,
  PublishConflictSchema,
  PublishRefusedSchema,
  type ProfileDocument,
} from "../../../contract/profile-editor/schema.ts";
import { KubernetesDouble } from "../../test-support/kubernetes-double.ts";
import { createKubernetesClient, loadConnection } from "../kubernetes/rest-client.ts";
import { hubTestApp, logIn, type HubTestContext } from "../testing/test-app.ts";
import type { FakeHubUser } from "../testing/fake-hub.ts";

const PREFIX = "/services/launchpad/";
const LIST_TOKEN = "profile-list-token-for-tests-0123456789";

const ADMIN: FakeHubUser = {
  name: "root",
  admin: true,
  scopes: ["access:services!service=launchpad"],
};
const EDITOR: FakeHubUser = {
  name: "eve",
  groups: ["profile-editors"],
  scopes: ["access:services!service=launchpad"],
};
const USER: FakeHubUser = {
  name: "alice",
  groups: ["physics"],
  scopes: ["access:services!service=launchpad"],
};

/** Registries that have every image except `*:missing`: HEAD answers as distribution does. */
const registryFetch: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : input.toString();
  if (url.endsWith(":missing") || url.endsWith("/manifests/missing"))
    return Promise.resolve(
      init?.method === "HEAD"
        ? new Response(null, { status: 404 })
        : Response.json({ errors: [{ code: "MANIFEST_UNKNOWN" }] }, { status: 404 }),
    );
  return Promise.resolve(
    new Response(null, { status: 200, headers: { "docker-content-digest": "sha256:abc" } }),
  );
};

function chartBounds() {
  return {
    editors: { admins: true, groups: ["profile-editors"] },
    allowedImages: SAMPLE_BOUNDS.allowed_images,
    nodeGroups: SAMPLE_BOUNDS.node_groups.map((g) => ({
      name: g.name,
      displayName: g.display_name,
      nodeSelector: g.node_selector,
      tolerations: g.tolerations,
      maxCpu: g.max_cpu,
      maxMemory: g.max_memory,
      maxGpu: g.max_gpu,
    })),
    retention: 10,
  };
}

describe("the profile editor's API", () => {
  let ctx: HubTestContext;
  let double: KubernetesDouble;

  beforeEach(async () => {
    double = await new KubernetesDouble().start();
    const dir = mkdtempSync(join(tmpdir(), "launchpad-editor-routes-"));
    const kube = createKubernetesClient(
      loadConnection({ kubeconfigPath: double.writeKubeconfig(dir, "hub"), env: {} }),
    );
    const configFile = join(dir, "config.json");
    writeFileSync(configFile, JSON.stringify({ profileEditor: chartBounds() }));
    ctx = await hubTestApp(
      {
        LAUNCHPAD_CONFIG_FILE: configFile,
        LAUNCHPAD_PROFILE_EDITOR_ENABLED: "true",
        LAUNCHPAD_PROFILE_LIST_TOKEN: LIST_TOKEN,
        LAUNCHPAD_BUILD_ENABLED: "false",
        LAUNCHPAD_PROJECTS_ENABLED: "false",
      },
      { features: undefined, kube, registryFetch },
    );
  });
  afterEach(async () => {
    await ctx.app.close();
    await double.close();
  });

  async function session(user: FakeHubUser) {
    const { sessionCookie } = await logIn(ctx, user);
    const me = MeSchema.parse(
      (await ctx.app.inject({ url: `${PREFIX}api/me`, headers: { cookie: sessionCookie } })).json(),
    );
    const headers = { cookie: sessionCookie, "x-launchpad-csrf": me.csrf_token };
    return { me, headers, cookie: sessionCookie };
  }

  const publish = (
    headers: Record<string, string>,
    base: number | null,
    document: ProfileDocument = SAMPLE_DOCUMENT,
  ) =>
    ctx.app.inject({
      method: "POST",
      url: `${PREFIX}api/admin/profiles/versions`,
      headers,
      payload: { base_version: base, message: "test", document },
    });

  it("lets JupyterHub admins and editor-group members in, and nobody else", async () => {
    const admin = await session(ADMIN);
    const editor = await session(EDITOR);
    const user = await session(USER);
    expect([admin.me.profile_editor, editor.me.profile_editor, user.me.profile_editor]).toEqual([
      true,
      true,
      false,
    ]);
    for (const who of [admin, editor]) {
      const state = await ctx.app.inject({
        url: `${PREFIX}api/admin/profiles`,
        headers: who.headers,
      });
      expect(state.statusCode).toBe(200);
      expect(ProfileEditorStateSchema.parse(state.json())).toMatchObject({
        current: null,
        draft: null,
        retention: 10,
      });
    }
    for (const [method, url] of [
      ["GET", "api/admin/profiles"],
      ["GET", "api/admin/profiles/versions"],
      ["POST", "api/admin/profiles/versions"],
      ["PUT", "api/admin/profiles/draft"],
      ["GET", "api/admin/profiles/export"],
      ["POST", "api/admin/profiles/image-checks"],
    ] as const) {
      const response = await ctx.app.inject({
        method,
        url: `${PREFIX}${url}`,
        headers: user.headers,
        payload: method === "GET" ? undefined : {},
      });
      expect([url, response.statusCode]).toEqual([url, 403]);
      expect(response.json<{ message: string }>().message).toContain(
        "alice may not edit the profile list",
      );
    }
    const anonymous = await ctx.app.inject({ url: `${PREFIX}api/admin/profiles` });
    expect(anonymous.statusCode).toBe(401);
  });

  it("needs the CSRF header on writes", async () => {
    const admin = await session(ADMIN);
    const forged = await publish({ cookie: admin.cookie, "x-launchpad-csrf": "forged" }, null);
    expect(forged.statusCode).toBe(403);
    const none = await publish({ cookie: admin.cookie }, null);
    expect(none.statusCode).toBe(403);
    expect((await publish(admin.headers, null)).statusCode).toBe(201);
  });

  it("answers a stale publish with 409 and the version that won", async () => {
    const admin = await session(ADMIN);
    const editor = await session(EDITOR);
    expect((await publish(admin.headers, null)).statusCode).toBe(201);
    const changed = structuredClone(SAMPLE_DOCUMENT);
    changed.profiles[0]!.display_name = "Python (admin)";
    expect((await publish(admin.headers, 1, changed)).statusCode).toBe(201);
    const late = await publish(editor.headers, 1);
    expect(late.statusCode).toBe(409);
    const body = PublishConflictSchema.parse(late.json());
    expect(body).toMatchObject({
      reason: "conflict",
      base_version: 1,
      current: { number: 2, author: "root" },
    });
    expect(body.current.document.profiles[0]?.display_name).toBe("Python (admin)");
  });

  it("refuses a missing tag and an invalid list with 422 and says why", async () => {
    const admin = await session(ADMIN);
    const missing = structuredClone(SAMPLE_DOCUMENT);
    missing.profiles[0]!.options[0]!.choices[0]!.settings.image =
      "quay.io/jupyter/scipy-notebook:missing";
    const refused = await publish(admin.headers, null, missing);
    expect(refused.statusCode).toBe(422);
    expect(PublishRefusedSchema.parse(refused.json())).toMatchObject({
      reason: "images",
      image_checks: expect.arrayContaining([
        expect.objectContaining({
          status: "missing",
          message: expect.stringContaining("has no tag missing"),
        }),
      ]),
    });
    const invalid = structuredClone(SAMPLE_DOCUMENT);
    invalid.profiles[0]!.slug = "Not A Slug";
    const bad = await publish(admin.headers, null, invalid);
    expect(bad.statusCode).toBe(422);
    expect(PublishRefusedSchema.parse(bad.json()).issues[0]?.path).toEqual(["profiles", 0, "slug"]);
    const malformed = await ctx.app.inject({
      method: "POST",
      url: `${PREFIX}api/admin/profiles/versions`,
      headers: admin.headers,
      payload: { document: "x" },
    });
    expect(malformed.statusCode).toBe(400);
  });

  it("serves the published list to the hub glue with the shared token only", async () => {
    const admin = await session(ADMIN);
    await publish(admin.headers, null);
    const url = `${PREFIX}api/hub/profile-list`;
    expect((await ctx.app.inject({ url })).statusCode).toBe(403);
    expect(
      (await ctx.app.inject({ url, headers: { authorization: "token wrong" } })).statusCode,
    ).toBe(403);
    // A user's own session is no way in.
    expect((await ctx.app.inject({ url, headers: { cookie: admin.cookie } })).statusCode).toBe(403);
    const list = await ctx.app.inject({ url, headers: { authorization: `token ${LIST_TOKEN}` } });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({
      format: 1,
      version: 1,
      profile_list: [{ slug: "python" }, { slug: "gpu", launchpad_groups: ["gpu-users"] }],
    });
  });

  it("exports z2jh values YAML that imports back to the same document", async () => {
    const admin = await session(ADMIN);
    await publish(admin.headers, null);
    const exported = await ctx.app.inject({
      url: `${PREFIX}api/admin/profiles/export`,
      headers: admin.headers,
    });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers["content-disposition"]).toBe(
      'attachment; filename="profile-list-v1.yaml"',
    );
    const values = parse(exported.body) as { singleuser: { profileList: unknown[] } };
    expect(values.singleuser.profileList).toHaveLength(2);
    const imported = await ctx.app.inject({
      method: "POST",
      url: `${PREFIX}api/admin/profiles/import`,
      headers: admin.headers,
      payload: { yaml: exported.body },
    });
    expect(imported.statusCode).toBe(200);
    expect(imported.json()).toEqual({ document: SAMPLE_DOCUMENT, notes: [] });
    const broken = await ctx.app.inject({
      method: "POST",
      url: `${PREFIX}api/admin/profiles/import`,
      headers: admin.headers,
      payload: { yaml: "singleuser: {" },
    });
    expect(broken.statusCode).toBe(422);
  });

  it("serves the editor page to editors, sends others to sign in, and refuses users", async () => {
    const anonymous = await ctx.app.inject({ url: `${PREFIX}admin/` });
    expect(anonymous.statusCode).toBe(302);
    expect(anonymous.headers.location).toBe(
      `${PREFIX}oauth_login?next=${encodeURIComponent(`${PREFIX}admin/`)}`,
    );
    const admin = await session(ADMIN);
    const page = await ctx.app.inject({
      url: `${PREFIX}admin/`,
      headers: { cookie: admin.cookie },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain(
      `<script type="module" src="${PREFIX}static/admin/admin.js"></script>`,
    );
    // The bundle runs from the companion's static files and nothing else does (no inline script).
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toMatch(new RegExp(`script-src http://localhost(:\\d+)?${PREFIX}static/(;|$)`));
    expect(csp).toContain("default-src 'none'");
    const user = await session(USER);
    const refused = await ctx.app.inject({
      url: `${PREFIX}admin/`,
      headers: { cookie: user.cookie },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers["content-type"]).toContain("text/html");
    expect(refused.headers["content-security-policy"]).not.toContain("script-src");
  });

  it("saves, returns and discards a draft", async () => {
    const admin = await session(ADMIN);
    const saved = await ctx.app.inject({
      method: "PUT",
      url: `${PREFIX}api/admin/profiles/draft`,
      headers: admin.headers,
      payload: { base_version: null, document: SAMPLE_DOCUMENT },
    });
    expect(saved.statusCode).toBe(200);
    const state = ProfileEditorStateSchema.parse(
      (await ctx.app.inject({ url: `${PREFIX}api/admin/profiles`, headers: admin.headers })).json(),
    );
    expect(state.draft?.document).toEqual(SAMPLE_DOCUMENT);
    const discarded = await ctx.app.inject({
      method: "DELETE",
      url: `${PREFIX}api/admin/profiles/draft`,
      headers: admin.headers,
    });
    expect(discarded.statusCode).toBe(204);
  });
});
