import { readFileSync } from "node:fs";
import path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import { kubespawnerHarness } from "../../server/test-support/kubespawner-harness.ts";
import { previewProfiles } from "./preview.ts";
import { toKubeSpawnerProfileList, unlistedImageRegex } from "./kubespawner.ts";
import { validateProfileDocument } from "./rules.ts";
import { SAMPLE_BOUNDS, SAMPLE_DOCUMENT } from "./sample.ts";
import { OVERRIDE_KEYS, type KubeSpawnerProfile } from "./schema.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

interface HarnessReply {
  spawns: ({ traits: Record<string, unknown> } | { error: string })[];
  public: unknown;
  override_keys: string[];
}

/** The real KubeSpawner 7.1 and the real glue. */
function kubespawner(
  profileList: KubeSpawnerProfile[],
  spawns: Record<string, string>[],
  base: Record<string, unknown> = {},
): HarnessReply {
  return kubespawnerHarness<HarnessReply>({ profile_list: profileList, spawns, base });
}

const GIB = 1024 ** 3;

const HUB_BASE = {
  node_selector: { "hub.jupyter.org/node-purpose": "user" },
  tolerations: [
    { key: "hub.jupyter.org/dedicated", operator: "Equal", value: "user", effect: "NoSchedule" },
  ],
};
const SPAWNS: Record<string, string>[] = [
  {},
  { profile: "python", image: "pangeo", memory: "mem_16" },
  { profile: "python", "image--unlisted-choice": "quay.io/jupyter/base-notebook:2025-06-02" },
  { profile: "gpu" },
  { profile: "python", "image--unlisted-choice": "docker.io/evil/miner:latest" },
  { profile: "python", "image--unlisted-choice": "quay.io/jupyterhub/k8s-hub:4.2.0" },
  { profile: "python", "image--unlisted-choice": "quay.io/jupyter/base-notebook:1\n$(id)" },
  { profile: "python", "image--unlisted-choice": "quay.io/jupyter/base notebook" },
  { profile: "python", "image--unlisted-choice": "quay.io/jupyter:1" },
];

describe("the generated profile_list, read by the real KubeSpawner", () => {
  const list = toKubeSpawnerProfileList(SAMPLE_DOCUMENT, SAMPLE_BOUNDS);
  let reply: HarnessReply;
  // One Python process for every case: importing KubeSpawner takes seconds.
  beforeAll(() => {
    reply = kubespawner(list, SPAWNS, HUB_BASE);
  }, 120_000);

  it("uses only the override keys the glue accepts in a published list, and the glue knows each", () => {
    expect(reply.override_keys).toEqual([...OVERRIDE_KEYS].sort());
  });

  it("is a document the rules accept", () => {
    expect(
      validateProfileDocument(SAMPLE_DOCUMENT, SAMPLE_BOUNDS).filter((i) => i.severity === "error"),
    ).toEqual([]);
  });

  it("sets image, resources, node selector, tolerations and GPUs as the editor shows them", () => {
    const [defaults, bigger, freeText, gpu] = reply.spawns;
    expect(defaults).toEqual({
      traits: {
        image: "quay.io/jupyter/scipy-notebook:2025-06-02",
        cpu_guarantee: 0.5,
        cpu_limit: null,
        mem_guarantee: 2 * GIB,
        mem_limit: 4 * GIB,
        // A dict override merges into the hub's own node_selector (recursive_update).
        node_selector: {
          "hub.jupyter.org/node-purpose": "user",
          "node.kubernetes.io/instance-type": "n2-highmem-4",
        },
        // The standard group has no tolerations: the hub's own stay.
        tolerations: [
          {
            key: "hub.jupyter.org/dedicated",
            operator: "Equal",
            value: "user",
            effect: "NoSchedule",
          },
        ],
        extra_resource_guarantees: {},
        extra_resource_limits: {},
      },
    });
    expect(bigger).toMatchObject({
      traits: {
        image: "quay.io/pangeo/pangeo-notebook:2025.06.02",
        cpu_limit: 2,
        mem_limit: 16 * GIB,
      },
    });
    expect(freeText).toMatchObject({
      traits: { image: "quay.io/jupyter/base-notebook:2025-06-02" },
    });
    expect(gpu).toEqual({
      traits: {
        image: "quay.io/jupyter/pytorch-notebook:cuda12-2025-06-02",
        cpu_guarantee: null,
        cpu_limit: 7,
        mem_guarantee: null,
        mem_limit: 24 * GIB,
        node_selector: {
          "hub.jupyter.org/node-purpose": "user",
          "node.kubernetes.io/instance-type": "n1-standard-8",
          "cloud.google.com/gke-accelerator": "nvidia-tesla-t4",
        },
        tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
        extra_resource_guarantees: { "nvidia.com/gpu": "1" },
        extra_resource_limits: { "nvidia.com/gpu": "1" },
      },
    });
  });

  it("refuses free text outside the allowed images, with spaces, or on a second line", () => {
    expect(reply.spawns.slice(4, 8)).toEqual(
      new Array(4).fill({
        error: "ValueError: Received unlisted_choice for image that failed validation regex.",
      }),
    );
    expect(reply.spawns[8]).toMatchObject({ traits: { image: "quay.io/jupyter:1" } });
  });

  it("gives the spawn page what the preview shows (the glue's own public_profiles)", () => {
    const everyone = previewProfiles(SAMPLE_DOCUMENT, SAMPLE_BOUNDS, ["gpu-users"]);
    expect(reply.public).toEqual(everyone);
  });
});

describe("the glue's test fixture", () => {
  it("is what the companion publishes for the sample (chart/tests/glue/published-sample.json)", () => {
    const fixture: unknown = JSON.parse(
      readFileSync(path.join(ROOT, "chart", "tests", "glue", "published-sample.json"), "utf8"),
    );
    expect(fixture).toEqual(toKubeSpawnerProfileList(SAMPLE_DOCUMENT, SAMPLE_BOUNDS));
  });
});

describe("unlistedImageRegex", () => {
  it("keeps Python's leading global flags at the start", () => {
    expect(unlistedImageRegex("(?i)^quay", ["quay.io"])).toBe(
      "(?i)(?=[A-Za-z0-9._/:@+\\[\\]-]+\\Z)(?=quay\\.io/)(?:^quay)",
    );
  });

  it("lets nothing through when no allowed entry is valid, and anything under *", () => {
    expect(unlistedImageRegex(undefined, ["not a host"])).toContain("(?!)");
    expect(unlistedImageRegex(undefined, ["*"])).toBe("(?=[A-Za-z0-9._/:@+\\[\\]-]+\\Z)");
  });
});
