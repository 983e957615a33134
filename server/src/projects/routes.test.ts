import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";
import type { V1Job } from "@kubernetes/client-node";

import {
  DeleteProjectResponseSchema,
  LaunchProjectResponseSchema,
  ProjectLimitErrorSchema,
  ProjectListResponseSchema,
  projectId,
  type LaunchProjectRequest,
} from "../../../contract/projects.ts";
import {
  CONFIG_MAP,
  JOB,
  POD,
  type KubernetesDouble,
} from "../../test-support/kubernetes-double.ts";
import { removalJobName } from "./removal-job.ts";
import {
  clusterHarness,
  localHarness,
  NAMESPACE,
  PREFIX,
  type ProjectsHarness,
} from "./test-harness.ts";

let harness: ProjectsHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function launchBody(repository: string, ref = "main"): LaunchProjectRequest {
  return {
    provider: "gh",
    repository,
    ref,
    image: `registry.example.org/img:${ref}`,
    profile_slug: "python",
    display_name: repository,
  };
}

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
      project: {
        id: first.id,
        ref: "v2",
        image: "registry.example.org/img:v2",
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
    expect(await harness.service.buildRefusal("alice", "gh", "https://github.com/o/a")).toBeNull();
    await launch(harness, "alice", "o/a");
    expect(
      await harness.service.buildRefusal("alice", "gh", "https://github.com/O/A.git"),
    ).toBeNull();
    expect(await harness.service.buildRefusal("alice", "gh", "https://github.com/o/b")).toMatch(
      /You have 1 of 1 projects\. Delete one in Your Projects/,
    );
    expect(await harness.service.buildRefusal("bob", "gh", "https://github.com/o/b")).toBeNull();
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

function userPod(
  double: KubernetesDouble,
  name: string,
  user: string,
  id: string,
  storage = true,
  nodeName?: string,
) {
  double.put(POD, NAMESPACE, {
    ...(nodeName ? { spec: { nodeName, containers: [] } } : {}),
    metadata: {
      name,
      labels: { component: "singleuser-server", "hub.jupyter.org/username": user },
      annotations: {
        "hub.jupyter.org/username": user,
        // As the hub glue writes them (chart/files/launchpad_glue.py `_apply_project`).
        "launchpad.jupyter.org/project-id": id,
        ...(storage
          ? {
              "launchpad.jupyter.org/home-volume": JSON.stringify({
                persistentVolumeClaim: { claimName: `claim-${user}` },
              }),
              "launchpad.jupyter.org/home-subpath": "",
              "launchpad.jupyter.org/home-mount-path": "/home/jovyan",
              "launchpad.jupyter.org/run-as-uid": "1000",
              "launchpad.jupyter.org/run-as-gid": "100",
            }
          : {}),
      },
    },
    status: { phase: "Running" },
  });
}

function setJobCondition(
  double: KubernetesDouble,
  name: string,
  type: "Complete" | "Failed",
  message = "",
) {
  const job = double.objects(JOB, NAMESPACE).find((j) => j.metadata.name === name);
  if (!job) throw new Error(`no job ${name}`);
  double.put(JOB, NAMESPACE, {
    ...job,
    status: {
      conditions: [{ type, status: "True", message }],
      ...(type === "Complete" ? { succeeded: 1 } : { failed: 3 }),
    },
  });
}

describe("projects API, cluster mode against the Kubernetes double", () => {
  it("refuses to delete the project the running server uses (409) and records its storage", async () => {
    const h = await clusterHarness();
    harness = h;
    const { id } = await launch(h, "alice", "o/r");
    userPod(h.double, "jupyter-alice", "alice", id);
    const refused = await h.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}`,
      headers: as("alice"),
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ message: string }>().message).toMatch(/running server/);
    expect(h.double.objects(JOB, NAMESPACE)).toEqual([]);
    const listing = ProjectListResponseSchema.parse((await list(h, "alice")).json());
    expect(listing.running_project_ids).toEqual([id]);
    const [project] = listing.projects;
    expect(project?.storage).toEqual({
      volume: { persistentVolumeClaim: { claimName: "claim-alice" } },
      sub_path: "",
      mount_path: "/home/jovyan",
      run_as_uid: 1000,
      run_as_gid: 100,
    });
    // another user's server on the same project id does not block alice
    h.double.remove(POD, NAMESPACE, "jupyter-alice");
    userPod(h.double, "jupyter-bob", "bob", id);
    expect(
      (
        await h.app.inject({
          method: "DELETE",
          url: `${PREFIX}/api/projects/${id}`,
          headers: as("alice"),
        })
      ).statusCode,
    ).toBe(202);
  });

  it("records where a running project's files live when the list is read, and marks it running", async () => {
    const h = await clusterHarness();
    harness = h;
    const { id } = await launch(h, "alice", "o/r");
    const before = ProjectListResponseSchema.parse((await list(h, "alice")).json());
    expect(before.projects[0]?.storage).toBeUndefined();
    expect(before.running_project_ids).toEqual([]);
    userPod(h.double, "jupyter-alice", "alice", id);
    const after = ProjectListResponseSchema.parse((await list(h, "alice")).json());
    expect(after.running_project_ids).toEqual([id]);
    expect(after.projects[0]?.storage).toMatchObject({
      volume: { persistentVolumeClaim: { claimName: "claim-alice" } },
      sub_path: "",
    });
  });

  it("runs the removal Job on the node of the server using another project (ReadWriteOnce)", async () => {
    const h = await clusterHarness();
    harness = h;
    const first = await launch(h, "alice", "o/first");
    const second = await launch(h, "alice", "o/second");
    userPod(h.double, "jupyter-alice", "alice", first.id, true, "node-7");
    const response = await h.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${second.id}`,
      headers: as("alice"),
    });
    expect(response.statusCode).toBe(202);
    const [job] = h.double.objects(JOB, NAMESPACE) as unknown as V1Job[];
    expect(
      job?.spec?.template.spec?.affinity?.nodeAffinity
        ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields,
    ).toEqual([{ key: "metadata.name", operator: "In", values: ["node-7"] }]);
  });

  it("creates one removal Job, survives a restart half-way, and removes the record when the Job succeeds", async () => {
    const h = await clusterHarness();
    harness = h;
    const { id } = await launch(h, "alice", "o/r");
    const { id: running } = await launch(h, "alice", "o/s");
    userPod(h.double, "jupyter-alice", "alice", running); // gives the user's storage
    const first = await h.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}`,
      headers: as("alice"),
    });
    expect(first.statusCode).toBe(202);
    expect(DeleteProjectResponseSchema.parse(first.json())).toMatchObject({
      id,
      state: "deleting",
      project: { state: "deleting" },
    });
    const jobs = h.double.objects(JOB, NAMESPACE);
    expect(jobs.map((j) => j.metadata.name)).toEqual([removalJobName("alice", id)]);
    const podSpec = (jobs[0] as unknown as { spec: { template: { spec: { volumes: unknown[] } } } })
      .spec.template.spec;
    expect(podSpec.volumes).toEqual([
      { name: "home", persistentVolumeClaim: { claimName: "claim-alice" } },
    ]);

    // Retried delete (e.g. after a restart): same Job, still deleting, and it counts no more.
    const retry = await h.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}`,
      headers: as("alice"),
    });
    expect(retry.statusCode).toBe(202);
    expect(h.double.objects(JOB, NAMESPACE)).toHaveLength(1);
    expect(ProjectListResponseSchema.parse((await list(h, "alice")).json())).toMatchObject({
      used: 1,
    });
    // Relaunching a project being deleted is refused.
    expect((await launch(h, "alice", "o/r")).response.statusCode).toBe(409);

    setJobCondition(h.double, removalJobName("alice", id), "Complete");
    const after = ProjectListResponseSchema.parse((await list(h, "alice")).json());
    expect(after.projects.map((p) => p.id)).toEqual([running]);
    expect(h.double.objects(JOB, NAMESPACE)).toEqual([]); // cleaned up, so a future delete starts afresh
  });

  it("marks delete-failed when the Job fails, and a second delete replaces the failed Job", async () => {
    let clock = Date.parse("2026-03-01T00:00:00Z");
    const h = await clusterHarness({ now: () => new Date((clock += 1000)) });
    harness = h;
    const { id } = await launch(h, "alice", "o/r");
    userPod(h.double, "jupyter-alice", "alice", id);
    await list(h, "alice"); // nothing recorded yet: list does not read pods
    await h.service.sweep(); // the background sweep records storage from the pod
    h.double.remove(POD, NAMESPACE, "jupyter-alice");
    expect(
      (
        await h.app.inject({
          method: "DELETE",
          url: `${PREFIX}/api/projects/${id}`,
          headers: as("alice"),
        })
      ).statusCode,
    ).toBe(202);
    setJobCondition(h.double, removalJobName("alice", id), "Failed", "BackoffLimitExceeded");
    const [failed] = ProjectListResponseSchema.parse((await list(h, "alice")).json()).projects;
    expect(failed?.state).toBe("delete-failed");
    expect(failed?.deletion?.message).toContain("BackoffLimitExceeded");
    expect(ProjectListResponseSchema.parse((await list(h, "alice")).json()).used).toBe(1);

    const retry = await h.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}`,
      headers: as("alice"),
    });
    expect(retry.statusCode).toBe(202);
    const [job] = h.double.objects(JOB, NAMESPACE);
    expect(job?.["status"]).toBeUndefined(); // a fresh Job, not the failed one
    setJobCondition(h.double, removalJobName("alice", id), "Complete");
    await h.service.sweep();
    expect(ProjectListResponseSchema.parse((await list(h, "alice")).json()).projects).toEqual([]);
  });

  it("re-creates a removal Job that vanished (TTL) while the record still says deleting", async () => {
    const h = await clusterHarness();
    harness = h;
    const { id } = await launch(h, "alice", "o/r");
    userPod(h.double, "jupyter-alice", "alice", id);
    await h.service.sweep();
    h.double.remove(POD, NAMESPACE, "jupyter-alice");
    await h.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}`,
      headers: as("alice"),
    });
    h.double.remove(JOB, NAMESPACE, removalJobName("alice", id));
    await h.service.sweep();
    expect(h.double.objects(JOB, NAMESPACE).map((j) => j.metadata.name)).toEqual([
      removalJobName("alice", id),
    ]);
  });

  it("removes only the record when no server of the user was ever seen (no folder known)", async () => {
    const h = await clusterHarness();
    harness = h;
    const { id } = await launch(h, "alice", "o/r");
    const response = await h.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/${id}`,
      headers: as("alice"),
    });
    expect(response.statusCode).toBe(200);
    expect(h.double.objects(JOB, NAMESPACE)).toEqual([]);
    expect(h.double.objects(CONFIG_MAP, NAMESPACE)).toHaveLength(1);
  });

  it("answers 400 to an invalid id without any Kubernetes call", async () => {
    const h = await clusterHarness();
    harness = h;
    const before = h.double.requests.length;
    const response = await h.app.inject({
      method: "DELETE",
      url: `${PREFIX}/api/projects/UPPER`,
      headers: as("alice"),
    });
    expect(response.statusCode).toBe(400);
    expect(h.double.requests.length).toBe(before);
  });
});
