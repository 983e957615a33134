import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { SAMPLE_BOUNDS, SAMPLE_DOCUMENT } from "../../../contract/profile-editor/sample.ts";
import type { ImageCheckResult, ProfileDocument } from "../../../contract/profile-editor/schema.ts";
import { KubernetesDouble } from "../../test-support/kubernetes-double.ts";
import { createKubernetesClient, loadConnection } from "../kubernetes/rest-client.ts";
import { RegistryChecker } from "./registry-checker.ts";
import {
  ProfileEditorService,
  PublishConflictError,
  PublishRefusedError,
  VersionNotFoundError,
} from "./service.ts";
import {
  ConfigMapProfileStore,
  FileProfileStore,
  POINTER_CONFIG_MAP,
  VERSION_SIZE_LIMIT,
  VersionTooLargeError,
  type ProfileStore,
} from "./store.ts";

/** A registry checker whose registry knows `present` and is down for `down` (by image text). */
class StubChecker extends RegistryChecker {
  private readonly answers: Record<string, ImageCheckResult["status"]>;
  constructor(answers: Record<string, ImageCheckResult["status"]> = {}) {
    super();
    this.answers = answers;
  }
  override check(images: readonly string[]): Promise<ImageCheckResult[]> {
    return Promise.resolve(
      images.map((image) => ({
        image,
        status: this.answers[image] ?? "ok",
        message: `stub: ${this.answers[image] ?? "ok"}`,
        checked_at: "2026-12-01T00:00:00.000Z",
      })),
    );
  }
}

function withImage(document: ProfileDocument, image: string): ProfileDocument {
  const copy = structuredClone(document);
  const choice = copy.profiles[0]?.options[0]?.choices[0];
  if (!choice) throw new Error("sample changed");
  choice.settings.image = image;
  return copy;
}

const SCIPY_2 = "quay.io/jupyter/scipy-notebook:2025-07-01";
const SCIPY_3 = "quay.io/jupyter/scipy-notebook:2025-08-01";

interface Backend {
  name: string;
  make(): Promise<{ store: ProfileStore; close(): Promise<void>; double?: KubernetesDouble }>;
}

const BACKENDS: Backend[] = [
  {
    name: "files (local mode)",
    make: () =>
      Promise.resolve({
        store: new FileProfileStore(mkdtempSync(join(tmpdir(), "launchpad-profiles-"))),
        close: () => Promise.resolve(),
      }),
  },
  {
    name: "ConfigMaps (Kubernetes double)",
    async make() {
      const double = await new KubernetesDouble().start();
      const dir = mkdtempSync(join(tmpdir(), "launchpad-profiles-"));
      const kube = createKubernetesClient(
        loadConnection({ kubeconfigPath: double.writeKubeconfig(dir, "hub"), env: {} }),
      );
      return {
        store: new ConfigMapProfileStore({ kube, namespace: "hub" }),
        close: () => double.close(),
        double,
      };
    },
  },
];

describe.each(BACKENDS)("ProfileEditorService on $name", (backend) => {
  let close: () => Promise<void> = () => Promise.resolve();
  afterEach(() => close());

  async function setUp(
    options: { retention?: number; answers?: Record<string, ImageCheckResult["status"]> } = {},
  ) {
    const made = await backend.make();
    close = () => made.close();
    // Real time: the apiserver stamps creationTimestamp with its own clock.
    let tick = Date.now();
    const service = new ProfileEditorService({
      store: made.store,
      checker: new StubChecker(options.answers),
      bounds: SAMPLE_BOUNDS,
      retention: options.retention ?? 50,
      hubCacheSeconds: 10,
      now: () => new Date((tick += 1000)),
    });
    return { service, store: made.store, double: made.double };
  }

  const publish = (
    service: ProfileEditorService,
    user: string,
    base: number | null,
    document: ProfileDocument,
    extra: { accept?: string[] } = {},
  ) =>
    service.publish(user, {
      baseVersion: base,
      message: `by ${user}`,
      document,
      acceptUnreachable: extra.accept ?? [],
    });

  it("serves nothing until the first publish, then the generated KubeSpawner list", async () => {
    const { service } = await setUp();
    expect(await service.publishedList()).toEqual({ format: 1, version: null, profile_list: [] });
    const meta = await publish(service, "ada", null, SAMPLE_DOCUMENT);
    expect(meta).toMatchObject({
      number: 1,
      author: "ada",
      message: "by ada",
      unreachable_accepted: [],
    });
    const list = await service.publishedList();
    expect(list.version).toBe(1);
    expect(list.profile_list.map((p) => [p.slug, p.launchpad_groups])).toEqual([
      ["python", undefined],
      ["gpu", ["gpu-users"]],
    ]);
    expect(
      list.profile_list[0]?.profile_options.image?.choices.scipy?.kubespawner_override,
    ).toEqual({
      image: "quay.io/jupyter/scipy-notebook:2025-06-02",
    });
  });

  it("refuses the second of two publishes from the same version (409), showing the winner, losing nothing", async () => {
    const { service, store } = await setUp();
    await publish(service, "ada", null, SAMPLE_DOCUMENT);
    const [first, second] = await Promise.allSettled([
      publish(service, "ada", 1, withImage(SAMPLE_DOCUMENT, SCIPY_2)),
      publish(service, "bob", 1, withImage(SAMPLE_DOCUMENT, SCIPY_3)),
    ]);
    const outcomes = [first, second].map((r) => r.status);
    expect(outcomes.sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = [first, second].find((r) => r.status === "rejected");
    const error = (rejected as PromiseRejectedResult).reason as PublishConflictError;
    expect(error).toBeInstanceOf(PublishConflictError);
    expect(error.current.number).toBe(2);
    expect(error.baseVersion).toBe(1);
    // The loser's version object was removed again: only the two published remain.
    expect((await store.listVersions()).length).toBe(2);
    expect((await service.versionList()).versions.map((v) => v.number)).toEqual([2, 1]);
  });

  it("refuses a publish from an old base even when nobody is publishing right now", async () => {
    const { service } = await setUp();
    await publish(service, "ada", null, SAMPLE_DOCUMENT);
    await publish(service, "ada", 1, withImage(SAMPLE_DOCUMENT, SCIPY_2));
    await expect(publish(service, "bob", 1, withImage(SAMPLE_DOCUMENT, SCIPY_3))).rejects.toThrow(
      "Version 2 was published by ada since you started from version 1",
    );
  });

  it("rolls back by publishing the old list as a new version", async () => {
    const { service } = await setUp();
    await publish(service, "ada", null, SAMPLE_DOCUMENT);
    await publish(service, "ada", 1, withImage(SAMPLE_DOCUMENT, SCIPY_2));
    const meta = await service.rollback("bob", 1, { baseVersion: 2, acceptUnreachable: [] });
    expect(meta).toMatchObject({
      number: 3,
      rollback_of: 1,
      author: "bob",
      message: "Roll back to version 1",
    });
    const list = await service.publishedList();
    expect(list.version).toBe(3);
    expect(
      list.profile_list[0]?.profile_options.image?.choices.scipy?.kubespawner_override.image,
    ).toBe("quay.io/jupyter/scipy-notebook:2025-06-02");
    expect((await service.version(3)).document).toEqual(SAMPLE_DOCUMENT);
  });

  it("keeps the configured number of versions and deletes the objects of older ones", async () => {
    const { service, store } = await setUp({ retention: 2 });
    await publish(service, "ada", null, SAMPLE_DOCUMENT);
    await publish(service, "ada", 1, withImage(SAMPLE_DOCUMENT, SCIPY_2));
    await publish(service, "ada", 2, withImage(SAMPLE_DOCUMENT, SCIPY_3));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await service.versionList()).versions.map((v) => v.number)).toEqual([3, 2]);
    expect((await store.listVersions()).length).toBe(2);
    await expect(service.version(1)).rejects.toBeInstanceOf(VersionNotFoundError);
  });

  it("refuses an invalid document and missing images, and records unreachable registries it was told to accept", async () => {
    const { service } = await setUp({
      answers: { [SCIPY_2]: "missing", [SCIPY_3]: "unreachable" },
    });
    const broken = structuredClone(SAMPLE_DOCUMENT);
    (broken.profiles[1] as { slug: string }).slug = "python";
    await expect(publish(service, "ada", null, broken)).rejects.toMatchObject({
      reason: "invalid",
    });
    await expect(
      publish(service, "ada", null, withImage(SAMPLE_DOCUMENT, SCIPY_2)),
    ).rejects.toMatchObject({
      reason: "images",
      imageChecks: expect.arrayContaining([
        expect.objectContaining({ image: SCIPY_2, status: "missing" }),
      ]),
    });
    const unreachable = publish(service, "ada", null, withImage(SAMPLE_DOCUMENT, SCIPY_3));
    await expect(unreachable).rejects.toBeInstanceOf(PublishRefusedError);
    const meta = await publish(service, "ada", null, withImage(SAMPLE_DOCUMENT, SCIPY_3), {
      accept: [SCIPY_3],
    });
    expect(meta.unreachable_accepted).toEqual([SCIPY_3]);
    expect((await service.version(1)).image_checks).toContainEqual(
      expect.objectContaining({ image: SCIPY_3, status: "unreachable" }),
    );
  });

  it("keeps each admin's draft apart, and drops it once published", async () => {
    const { service } = await setUp();
    await service.saveDraft("ada", {
      base_version: null,
      document: withImage(SAMPLE_DOCUMENT, SCIPY_2),
    });
    await service.saveDraft("bob", { base_version: null, document: SAMPLE_DOCUMENT });
    expect((await service.state("ada")).draft?.document).toEqual(
      withImage(SAMPLE_DOCUMENT, SCIPY_2),
    );
    expect((await service.state("bob")).draft?.author).toBe("bob");
    await publish(service, "ada", null, withImage(SAMPLE_DOCUMENT, SCIPY_2));
    expect((await service.state("ada")).draft).toBeNull();
    expect((await service.state("bob")).draft).not.toBeNull();
  });

  it("refuses a version bigger than a ConfigMap holds before writing anything", async () => {
    const { service, store } = await setUp();
    const huge = structuredClone(SAMPLE_DOCUMENT);
    for (const choice of huge.profiles[0]?.options[0]?.choices ?? [])
      choice.description = "x".repeat(5000);
    huge.profiles[0]!.description = "<p>big</p>".repeat(1000);
    for (let i = 0; i < 120; i++)
      huge.profiles.push({
        ...structuredClone(huge.profiles[0]!),
        slug: `copy-${i}`,
        default: false,
      });
    expect(JSON.stringify(huge).length).toBeGreaterThan(VERSION_SIZE_LIMIT);
    await expect(publish(service, "ada", null, huge)).rejects.toBeInstanceOf(VersionTooLargeError);
    expect(await store.listVersions()).toEqual([]);
  });

  it("sweeps version objects a crashed publish left, but not recent ones", async () => {
    const { service, store } = await setUp();
    await publish(service, "ada", null, SAMPLE_DOCUMENT);
    // A publish that wrote its version and died before swapping the pointer:
    await store.createVersion({
      ...(await service.version(1)),
      number: 2,
      profile_list: [],
    });
    expect((await store.listVersions()).length).toBe(2);
    expect(await service.sweep(60 * 60_000)).toBe(0);
    expect(await service.sweep(-60_000)).toBe(1);
    expect((await store.listVersions()).length).toBe(1);
    expect((await service.publishedList()).version).toBe(1);
  });
});

describe("ConfigMapProfileStore's objects", () => {
  let double: KubernetesDouble | undefined;
  afterEach(() => double?.close());

  it("labels versions, marks them immutable, and swaps the pointer with its resourceVersion", async () => {
    double = await new KubernetesDouble().start();
    const dir = mkdtempSync(join(tmpdir(), "launchpad-profiles-"));
    const kube = createKubernetesClient(
      loadConnection({ kubeconfigPath: double.writeKubeconfig(dir, "hub"), env: {} }),
    );
    const store = new ConfigMapProfileStore({ kube, namespace: "hub" });
    const service = new ProfileEditorService({
      store,
      checker: new StubChecker(),
      bounds: SAMPLE_BOUNDS,
      retention: 5,
      hubCacheSeconds: 10,
    });
    await service.publish("ada", {
      baseVersion: null,
      message: "first",
      document: SAMPLE_DOCUMENT,
      acceptUnreachable: [],
    });
    const configMaps = await kube.listConfigMaps("hub", "app.kubernetes.io/managed-by=launchpad");
    const version = configMaps.find(
      (c) => c.metadata?.labels?.["app.kubernetes.io/component"] === "profile-version",
    );
    expect(version).toMatchObject({
      immutable: true,
      metadata: {
        name: expect.stringMatching(/^launchpad-profiles-v1-[0-9a-f]{6}$/),
        annotations: {
          "launchpad.jupyter.org/profile-version": "1",
          "launchpad.jupyter.org/user": "ada",
        },
      },
    });
    const pointer = await kube.readConfigMap("hub", POINTER_CONFIG_MAP);
    expect(pointer.metadata?.labels?.["app.kubernetes.io/component"]).toBe("profile-pointer");
    const { revision } = await store.readPointer();
    expect(await store.swapPointer({ format: 1, current: 9, versions: [] }, "1")).toBe(false);
    expect(
      await store.swapPointer(
        { format: 1, current: 1, versions: (await store.readPointer()).pointer.versions },
        revision,
      ),
    ).toBe(true);
  });
});
