/**
 * The simulator through the companion's own BinderHub client (builds/binderhub-client.ts), as local
 * mode uses it: the names it gives images, the recorded log it replays, its failure scenarios.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BuildEvent } from "../../../contract/build.ts";
import { toSpec } from "../../../contract/providers/spec.ts";
import { compilePythonRegex } from "../../../contract/python-regex.ts";
import { VECTORS } from "../../test-support/binderhub-naming/vectors.ts";
import type { BinderHubClientConfig } from "../builds/binderhub-client.ts";
import { buildEvents, collectBuild } from "../../test-support/read-build.ts";
import {
  createBinderHubSimulator,
  DEMO_SCENARIOS,
  SIMULATOR_IMAGE_PREFIX,
  simulatedImageName,
  simulatedResolution,
  type SimulatorOptions,
} from "./binderhub-simulator.ts";
import { fullBuildPayloads } from "./recorded-build.ts";
import { SAMPLE_PROFILES } from "./sample-profiles.ts";

const simulator = (options: Partial<SimulatorOptions> = {}) =>
  createBinderHubSimulator({ token: "t", eventDelayMs: 0, slowEventDelayMs: 0, ...options });

async function build(
  spec: string,
  provider = "gh",
  config: BinderHubClientConfig = simulator(),
): Promise<BuildEvent[]> {
  return buildEvents((await collectBuild(config, provider, spec)).items);
}

const demoImageRule = compilePythonRegex(
  SAMPLE_PROFILES[0]!.profile_options[0]!.unlisted_choice.validation_regex!,
);

describe("the BinderHub simulator", () => {
  it("replays the recorded log, announced as such, and names the image after this repository", async () => {
    const events = await build("binder-examples/requirements/HEAD");
    const recorded = fullBuildPayloads()
      .slice(1)
      .map((p) => JSON.parse(p) as BuildEvent)
      .filter((e) => !["built", "launching", "ready"].includes(e.phase ?? ""));
    expect(events[0]).toEqual({ phase: "waiting", message: "Waiting for build to start...\n" });
    expect(events[1]?.message).toMatch(/recorded build of binder-examples\/octave/);
    expect(events.slice(2, -1).map((e) => e.message)).toEqual(recorded.map((e) => e.message));
    const { ref } = simulatedResolution("gh", "binder-examples/requirements/HEAD");
    expect(ref).toMatch(/^[0-9a-f]{40}$/);
    expect(events.at(-1)).toEqual({
      phase: "ready",
      message: "Done! Image built\n",
      imageName: `${SIMULATOR_IMAGE_PREFIX}binder-2dexamples-2drequirements-55ab5c:${ref}`,
    });
  });

  it.each(VECTORS.map((v) => [`${v.provider} ${JSON.stringify(v.spec)}`, v] as const))(
    "names %s as BinderHub's own functions did, given what they resolved",
    (_name, vector) => {
      const resolution = {
        ref: vector.ref,
        record: { recordId: vector.resolved.record_id, identifier: vector.resolved.identifier },
      };
      for (const [prefix, name] of Object.entries(vector.image_names))
        expect(simulatedImageName(vector.provider, vector.spec, resolution, prefix)).toBe(name);
    },
  );

  it("tags per resolved ref: a commit stays itself, other refs get their own made-up commit", async () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    const image = async (spec: string) => (await build(spec)).at(-1)?.imageName;
    expect(await image(`binder-examples/requirements/${sha}`)).toBe(
      `${SIMULATOR_IMAGE_PREFIX}binder-2dexamples-2drequirements-55ab5c:${sha}`,
    );
    const main = await image("binder-examples/requirements/main");
    expect(main).not.toBe(await image("binder-examples/requirements/HEAD"));
    expect(main).toBe(await image("binder-examples/requirements/main"));
  });

  it.each([
    ["gh", "binder-examples/requirements", "HEAD"],
    ["gl", "my-group/sub_group/project", "main"],
    ["git", "https://example.org/Some_Repo.git", "v1.0"],
    ["gist", "ada/0123456789abcdef0123", ""],
    ["zenodo", "10.5281/zenodo.3242074", ""],
    ["figshare", "10.6084/m9.figshare.9782777.v1", ""],
    ["dataverse", "10.7910/DVN/TJCLKP", ""],
    ["hydroshare", "b8f6eae9d89241cf8b5904033460af61", ""],
    ["ckan", "https://demo.ckan.org/dataset/sample_Data", ""],
  ] as const)(
    "builds %s %s into an image the demo profile accepts",
    async (provider, repo, ref) => {
      const imageName =
        (await build(toSpec(provider, repo, ref), provider)).at(-1)?.imageName ?? "";
      expect(imageName.startsWith(SIMULATOR_IMAGE_PREFIX)).toBe(true);
      expect(demoImageRule.exact && demoImageRule.test(imageName)).toBe(true);
    },
  );

  it("refuses what BinderHub refuses, inside the stream", async () => {
    expect(
      (await build("a/b/HEAD", "gh", { ...simulator(), token: "wrong" })).at(-1),
    ).toMatchObject({ phase: "failed", status_code: 403 });
    expect((await build("a/b/HEAD", "svn")).at(-1)).toMatchObject({ status_code: 404 });
  });

  it("stops when the companion leaves", async () => {
    const config = simulator({ eventDelayMs: 5 });
    const read = await collectBuild(config, "gh", "a/b/HEAD", (_item, items, stop) => {
      if (buildEvents(items).length >= 10) stop();
    });
    const afterLeaving = read.afterStop;
    const events = buildEvents(read.items);
    expect(afterLeaving).toBe(0);
    expect(events.length).toBeGreaterThanOrEqual(10);
    expect(events.at(-1)?.phase).not.toBe("ready");
  });
});

describe("the failure scenarios", () => {
  const spec = (name: string) => `${DEMO_SCENARIOS.find((s) => s.name === name)!.repository}/HEAD`;

  it.each(DEMO_SCENARIOS.filter((s) => !["rate-limited", "cached"].includes(s.name)))(
    "$name says in the log which scenario it is, and whether the recording is replayed",
    async (scenario) => {
      const events = await build(`${scenario.repository}/HEAD`, "gh", {
        ...simulator(),
        idleTimeoutMs: 50,
      });
      const first = events[1]?.message ?? "";
      expect(first).toContain(`Scenario ${scenario.repository}: ${scenario.description}.`);
      expect(first.includes("recorded build")).toBe(!["failing", "silent"].includes(scenario.name));
    },
  );

  it("fails a build with repo2docker's error", async () => {
    expect((await build(spec("failing"))).at(-1)).toMatchObject({
      phase: "failed",
      message: expect.stringContaining("pip install nosuchpackage") as string,
    });
  });

  it("refuses with BinderHub's rate limit", async () => {
    expect(await build(spec("rate-limited"))).toEqual([
      expect.objectContaining({ phase: "failed", status_code: 429 }),
    ]);
  });

  it("has the image already", async () => {
    expect(await build(spec("cached"))).toEqual([
      expect.objectContaining({ phase: "ready", message: "Done! Found built image\n" }),
    ]);
  });

  it("replays the whole recording slowly", async () => {
    expect((await build(spec("slow"))).at(-1)?.phase).toBe("ready");
  });

  it("breaks the connection half-way", async () => {
    const events = await build(spec("dropped"));
    expect(events.length).toBeGreaterThan(100);
    expect(events.at(-1)).toMatchObject({
      phase: "failed",
      message: expect.stringContaining("The connection to BinderHub broke") as string,
    });
  });

  it("goes silent until the companion's idle watchdog gives up", async () => {
    const events = await build(spec("silent"), "gh", { ...simulator(), idleTimeoutMs: 200 });
    expect(events.at(-1)).toMatchObject({
      phase: "failed",
      message: expect.stringContaining("Lost contact with BinderHub") as string,
    });
  });

  it("are all listed in the README", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../../README.md"), "utf8");
    for (const scenario of DEMO_SCENARIOS)
      expect(readme).toContain(`| \`${scenario.repository}\` | ${scenario.description} |`);
  });
});
