/**
 * What every ProjectStore promises, run against each: the file store (store.test.ts) and the
 * ConfigMap store on the real API server (store.kube.test.ts). `make` gives one or several
 * instances over the same records: several instances are several companion replicas, which only
 * the store's own concurrency control keeps apart.
 */
import { describe, expect, it } from "vitest";

import type { Project } from "../../../contract/projects.ts";
import { ProjectLimitError, type ProjectStore } from "./store.ts";

export function project(id: string, extra: Partial<Project> = {}): Project {
  return {
    id,
    provider: "gh",
    repository: `https://github.com/o/${id}`,
    ref: "main",
    image: "registry/img:1",
    profile_slug: "default",
    display_name: id,
    created_at: "2026-01-01T00:00:00.000Z",
    last_launched_at: "2026-01-01T00:00:00.000Z",
    state: "ready",
    ...extra,
  };
}

/** A project no server has run on yet (no `last_launched_at`). */
export function unlaunchedProject(id: string, extra: Partial<Project> = {}): Project {
  const unlaunched = project(id, extra);
  delete unlaunched.last_launched_at;
  return unlaunched;
}

export function describeProjectStore(name: string, make: () => ProjectStore[]): void {
  describe(name, () => {
    it("keeps all of 50 concurrent upserts to one user's projects (no lost write)", async () => {
      const instances = make();
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          instances[i % instances.length]!.upsert("alice", `p${i}`, () => project(`p${i}`), {
            limit: 0,
          }),
        ),
      );
      const ids = (await instances[0]!.list("alice")).map((p) => p.id).sort();
      expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `p${i}`).sort());
    });

    it("never lets concurrent new projects overshoot the limit", async () => {
      const instances = make();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          instances[i % instances.length]!.upsert("bob", `q${i}`, () => project(`q${i}`), {
            limit: 4,
          }),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
      for (const r of results)
        if (r.status === "rejected") expect(r.reason).toBeInstanceOf(ProjectLimitError);
      expect(await instances[0]!.list("bob")).toHaveLength(4);
    });

    it("updates an existing project at the limit, and does not count deleting ones", async () => {
      const [store] = make();
      await store!.upsert("carol", "a", () => project("a"), { limit: 1 });
      await expect(
        store!.upsert("carol", "b", () => project("b"), { limit: 1 }),
      ).rejects.toBeInstanceOf(ProjectLimitError);
      const { previous } = await store!.upsert("carol", "a", () => project("a", { ref: "dev" }), {
        limit: 1,
      });
      expect(previous?.ref).toBe("main");
      await store!.update("carol", "a", (p) => ({
        ...p,
        state: "deleting",
        deletion: { requested_at: "2026-01-02T00:00:00.000Z", requested_by: "carol" },
      }));
      await store!.upsert("carol", "b", () => project("b"), { limit: 1 });
      expect((await store!.list("carol")).map((p) => [p.id, p.state])).toEqual([
        ["a", "deleting"],
        ["b", "ready"],
      ]);
    });

    it("keeps users apart, removes conditionally and reads every user's records at once", async () => {
      const [store] = make();
      await store!.upsert("dave", "x", () => project("x"), { limit: 0 });
      await store!.upsert("Dave", "y", () => project("y"), { limit: 0 });
      expect((await store!.list("dave")).map((p) => p.id)).toEqual(["x"]);
      expect((await store!.list("Dave")).map((p) => p.id)).toEqual(["y"]);
      expect(await store!.remove("dave", "x", (p) => p.state === "deleting")).toBe(false);
      expect(await store!.remove("dave", "x")).toBe(true);
      expect(await store!.remove("dave", "x")).toBe(false);
      await store!.upsert("dave", "z", () => project("z"), { limit: 0 });
      const all = await store!.all();
      expect([...all.keys()].sort()).toEqual(["Dave", "dave"]);
      expect(all.get("dave")?.map((p) => p.id)).toEqual(["z"]);
      expect(all.get("Dave")?.map((p) => p.id)).toEqual(["y"]);
    });

    it("reads a project no server has run on yet back as such, and its launch once recorded", async () => {
      const [store] = make();
      const unlaunched = unlaunchedProject("new");
      await store!.upsert("erin", "new", () => unlaunched, { limit: 0 });
      expect(await store!.get("erin", "new")).toEqual(unlaunched);
      const launchedAt = "2026-01-02T00:00:00.000Z";
      await store!.update("erin", "new", (p) => ({ ...p, last_launched_at: launchedAt }));
      expect((await store!.get("erin", "new"))?.last_launched_at).toBe(launchedAt);
    });
  });
}
