import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { beforeEach, describe, expect, it } from "vitest";
import * as z from "zod/mini";

import { ProviderSchema } from "../../../contract/build.ts";
import {
  ProjectDeletionSchema,
  ProjectIdSchema,
  ProjectStateSchema,
  ProjectStorageSchema,
} from "../../../contract/projects.ts";
import { describeProjectStore, project, unlaunchedProject } from "./store-cases.ts";
import { FileProjectStore, userKey } from "./store.ts";

// The ConfigMap store runs against the real API server: store.kube.test.ts.
let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "projects-store-"));
});

describeProjectStore("FileProjectStore", () => [new FileProjectStore(dataDir)]);

/**
 * A user's document as Launchpad 0.1.0 parses it (contract/projects.ts and projects/store.ts
 * before 1474f55), written out here: `last_launched_at` is required, unknown keys are dropped.
 * Replicas of that version still run during a rolling upgrade (docs/upgrading.md).
 */
const DOCUMENT_0_1_0 = z.object({
  version: z.literal(1),
  user: z.string(),
  projects: z.array(
    z.object({
      id: ProjectIdSchema,
      provider: ProviderSchema,
      repository: z.string(),
      ref: z.string(),
      resolved_commit: z.optional(z.string()),
      image: z.string(),
      profile_slug: z.string(),
      display_name: z.string(),
      created_at: z.iso.datetime(),
      last_launched_at: z.iso.datetime(),
      state: ProjectStateSchema,
      storage: z.optional(ProjectStorageSchema),
      deletion: z.optional(ProjectDeletionSchema),
    }),
  ),
});

describe("a document a replica of 0.1.0 reads during a rolling upgrade", () => {
  it("parses with a project no server has run on yet, which it sees as launched at creation", async () => {
    const store = new FileProjectStore(dataDir);
    const unlaunched = unlaunchedProject("new", { created_at: "2026-03-04T05:06:07.000Z" });
    await store.upsert("frank", "new", () => unlaunched, { limit: 0 });
    await store.upsert("frank", "old", () => project("old"), { limit: 0 });
    const text = readFileSync(join(dataDir, "projects", `${userKey("frank")}.json`), "utf8");
    const old = DOCUMENT_0_1_0.safeParse(JSON.parse(text));
    expect(old.success, old.error?.message).toBe(true);
    expect(old.data?.projects.map((p) => [p.id, p.last_launched_at])).toEqual([
      ["new", "2026-03-04T05:06:07.000Z"],
      ["old", "2026-01-01T00:00:00.000Z"],
    ]);
  });
});
