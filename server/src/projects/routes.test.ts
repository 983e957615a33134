import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import {
  DeleteProjectResponseSchema,
  LaunchProjectResponseSchema,
  ProjectLimitErrorSchema,
  ProjectListResponseSchema,
  projectId,
  type LaunchProjectRequest,
} from "../../../contract/projects.ts";
import { launchBody, localHarness, PREFIX, type ProjectsHarness } from "./test-harness.ts";

// Cluster mode runs against the real API server: routes.kube.test.ts.
let harness: Awaited<ReturnType<typeof localHarness>> | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function as(user: string, admin = false) {
  return {
    "x-test-user": user,
    ...(admin ? { "x-test-admin": "1" } : {}),
    "x-launchpad-csrf": "ok",
  };
}

async function launch(h: ProjectsHarness, user: string, repository: string, ref = "main") {
  const id = projectId("gh", repository);
  const response = await h.app.inject({
    method: "POST",
    url: `${PREFIX}/api/projects/${id}/launch`,
    headers: as(user),
    payload: launchBody(repository, ref),
  });
  return { id, response };
}

async function list(h: ProjectsHarness, user: string, query = "", admin = false) {
  return h.app.inject({
    method: "GET",
    url: `${PREFIX}/api/projects${query}`,
    headers: as(user, admin),
  });
}

describe("projects API, local mode", () => {
  it("records a launch, lists it with limit/used, and keeps one project per repository across refs", async () => {
    harness = await localHarness({ limit: 3 });
    const first = await launch(harness, "alice", "Owner/Repo");
    expect(first.response.statusCode).toBe(201);
    const created = LaunchProjectResponseSchema.parse(first.response.json());
    expect(created).toMatchObject({
      created: true,
      ref_changed: false,
      project: { id: first.id, repository: "https://github.com/owner/repo", state: "ready" },
    });

    const again = await launch(harness, "alice", "https://github.com/owner/repo.git", "v2");
    expect(again.response.statusCode).toBe(200);
    expect(LaunchProjectResponseSchema.parse(again.response.json())).toMatchObject({
      created: false,
      ref_changed: true,
      previous_ref: "main",
      // Until a server runs with it, the start is pending; the record keeps what last ran.
      project: {
        id: first.id,
        ref: "main",
        image: "registry.example.org/img:main",
        pending_launch: { ref: "v2", image: "registry.example.org/img:v2" },
        created_at: created.project.created_at,
      },
    });

    const listed = ProjectListResponseSchema.parse((await list(harness, "alice")).json());
    expect(listed).toMatchObject({ user: "alice", limit: 3, used: 1 });
    expect(listed.projects.map((p) => p.id)).toEqual([first.id]);
  });

  it("refuses a new project over the limit with 409 and the figures, but relaunches existing ones", async () => {
    harness = await localHarness({ limit: 2 });
    await launch(harness, "alice", "o/a");
    await launch(harness, "alice", "o/b");
    const over = await launch(harness, "alice", "o/c");
    expect(over.response.statusCode).toBe(409);
    const body = ProjectLimitErrorSchema.parse(over.response.json());
    expect(body).toMatchObject({ reason: "project-limit", limit: 2, used: 2 });
    expect(body.message).toMatch(/Delete a project/);
    expect((await launch(harness, "alice", "o/a", "dev")).response.statusCode).toBe(200);
  });

  it("refuses an id that is not the one derived from the repository, and invalid bodies", async () => {
    harness = await localHarness();
    const wrong = await harness.app.inject({
      method: "POST",
      url: `${PREFIX}/api/projects/some-other-id/launch`,
      headers: as("alice"),
      payload: launchBody("o/r"),
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json<{ message: string }>().message).toContain(projectId("gh", "o/r"));
    const bad = await harness.app.inject({
      method: "POST",
      url: `${PREFIX}/api/projects/x-1/launch`,
      headers: as("alice"),
      payload: { provider: "svn" },
    });
    expect(bad.statusCode).toBe(400);
    const badRepo = await harness.app.inject({
      method: "POST",
      url: `${PREFIX}/api/projects/x-1/launch`,
      headers: as("alice"),
      payload: launchBody("not a repo"),
    });
    expect(badRepo.statusCode).toBe(400);
  });

  it.each([
    ["..", "/api/projects/../launch"],
    ["%2F", "/api/projects/a%2Fb"],
    ["encoded dots", "/api/projects/%2E%2E"],
    ["uppercase", "/api/projects/Owner-repo"],
    ["too long", `/api/projects/${"a".repeat(81)}`],
    ["trailing dash", "/api/projects/a-"],
  ])(
    "answers 400 (or 404 for no route) to a traversal id: %s, before touching the store",
    async (_name, path) => {
      harness = await localHarness();
      const response = await harness.app.inject({
        method: "DELETE",
        url: `${PREFIX}${path}`,
        headers: as("alice"),
      });
      expect([400, 404]).toContain(response.statusCode);
      if (response.statusCode === 404)
        expect(response.json<{ message: string }>().message).toMatch(/No such Launchpad endpoint/);
      expect(existsSync(join(harness.dataDir, "projects"))).toBe(false);
    },
  );

  it("hides other users' projects (404), lets admins list and delete them", async () => {
    harness = await localHarness();
    const { id } = await launch(harness, "alice", "o/r");
    expect((await list(harness, "bob", "?user=alice")).statusCode).toBe(404);
    const del = await harness.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}?user=alice`,
      headers: as("bob"),
    });
    expect(del.statusCode).toBe(404);
    const own = await harness.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}`,
      headers: as("bob"),
    });
    expect(own.statusCode).toBe(404);

    const adminList = ProjectListResponseSchema.parse(
      (await list(harness, "root", "?user=alice", true)).json(),
    );
    expect(adminList.projects.map((p) => p.id)).toEqual([id]);
    const adminDelete = await harness.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}?user=alice`,
      headers: as("root", true),
    });
    expect(adminDelete.statusCode).toBe(200);
    expect(ProjectListResponseSchema.parse((await list(harness, "alice")).json()).projects).toEqual(
      [],
    );
  });

  it("takes an admin's ?user= only for a user the hub has: listing, recording and deleting", async () => {
    harness = await localHarness({ hubUsers: ["alice"] });
    const id = projectId("gh", "o/r");
    const noSuchUser = { status: 404, message: "The hub has no user of that name." };
    const listed = await list(harness, "root", "?user=ghost", true);
    expect([listed.statusCode, listed.json()]).toEqual([404, noSuchUser]);
    const recorded = await harness.app.inject({
      method: "POST",
      url: `${PREFIX}/api/projects/${id}/launch?user=ghost`,
      headers: as("root", true),
      payload: launchBody("o/r"),
    });
    expect([recorded.statusCode, recorded.json()]).toEqual([404, noSuchUser]);
    const deleted = await harness.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}?user=ghost`,
      headers: as("root", true),
    });
    expect([deleted.statusCode, deleted.json()]).toEqual([404, noSuchUser]);
    expect(existsSync(join(harness.dataDir, "projects"))).toBe(false);
    expect((await list(harness, "root", "?user=alice", true)).statusCode).toBe(200);
  });

  it.each<[string, Partial<LaunchProjectRequest>, string]>([
    ["a path as the ref", { ref: "../../etc" }, "ref"],
    ["a command in the image", { image: "busybox\n$(id)" }, "image"],
    ["a lone surrogate in the display name", { display_name: "o/r\uD800" }, "display_name"],
  ])("refuses to record %s (400), storing nothing", async (_name, patch, field) => {
    harness = await localHarness();
    const response = await harness.app.inject({
      method: "POST",
      url: `${PREFIX}/api/projects/${projectId("gh", "o/r")}/launch`,
      headers: as("alice"),
      payload: { ...launchBody("o/r"), ...patch },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ message: string }>().message).toMatch(
      new RegExp(`^Invalid launch request: ${field}: `),
    );
    expect(ProjectListResponseSchema.parse((await list(harness, "alice")).json()).projects).toEqual(
      [],
    );
  });

  it("deletes the project folder and record, only that folder, idempotently", async () => {
    harness = await localHarness();
    const { id } = await launch(harness, "alice", "o/r");
    const { id: other } = await launch(harness, "alice", "o/s");
    const home = join(harness.dataDir, "homes", "alice");
    mkdirSync(join(home, "projects", id, "sub"), { recursive: true });
    writeFileSync(join(home, "projects", id, "sub", "work.py"), "print(1)");
    mkdirSync(join(home, "projects", other), { recursive: true });
    const response = await harness.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}`,
      headers: as("alice"),
    });
    expect(response.statusCode).toBe(200);
    expect(DeleteProjectResponseSchema.parse(response.json())).toEqual({ id, state: "removed" });
    expect(existsSync(join(home, "projects", id))).toBe(false);
    expect(existsSync(join(home, "projects", other))).toBe(true);
    const again = await harness.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}`,
      headers: as("alice"),
    });
    expect(again.statusCode).toBe(404);
  });

  it("lets an admin spawning for someone else record the project under that user, nobody else", async () => {
    harness = await localHarness();
    const id = projectId("gh", "o/r");
    const post = (user: string, admin: boolean) =>
      harness!.app.inject({
        method: "POST",
        url: `${PREFIX}/api/projects/${id}/launch?user=bob`,
        headers: as(user, admin),
        payload: launchBody("o/r"),
      });
    expect((await post("mallory", false)).statusCode).toBe(404);
    expect((await post("admin", true)).statusCode).toBe(201);
    const bobs = ProjectListResponseSchema.parse((await list(harness, "bob")).json());
    expect(bobs.projects.map((p) => p.id)).toEqual([id]);
    expect(ProjectListResponseSchema.parse((await list(harness, "admin")).json()).projects).toEqual(
      [],
    );
  });

  it("refuses a build of a new repository at the limit, never one of an existing project", async () => {
    harness = await localHarness({ limit: 1 });
    const gh = (repo: string) => ({ provider: "gh" as const, repo });
    expect(await harness.service.buildRefusal("alice", gh("o/a"))).toBeNull();
    await launch(harness, "alice", "o/a");
    expect(await harness.service.buildRefusal("alice", gh("O/A"))).toBeNull();
    expect(await harness.service.buildRefusal("alice", gh("o/b"))).toMatch(
      /You have 1 of 1 projects\. Delete one in Your Projects/,
    );
    expect(await harness.service.buildRefusal("bob", gh("o/b"))).toBeNull();
  });

  it("needs a signed-in user and the CSRF header for writes", async () => {
    harness = await localHarness();
    expect(
      (await harness.app.inject({ method: "GET", url: `${PREFIX}/api/projects` })).statusCode,
    ).toBe(401);
    const noCsrf = await harness.app.inject({
      method: "POST",
      url: `${PREFIX}/api/projects/${projectId("gh", "o/r")}/launch`,
      headers: { "x-test-user": "alice" },
      payload: launchBody("o/r"),
    });
    expect(noCsrf.statusCode).toBe(403);
  });
});
