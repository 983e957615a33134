/**
 * Profile versions against the real API server, as the chart's ServiceAccount with exactly the
 * chart's Role for the editor alone (building and projects off): replicas publishing from the same
 * version get one version and conflicts, never a lost update; a published version's ConfigMap is
 * immutable as the API server enforces it; the size limit leaves room within the API server's own;
 * and the calls made are the ones the Role grants.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { SAMPLE_BOUNDS, SAMPLE_DOCUMENT } from "../../../contract/profile-editor/sample.ts";
import type { ProfileDocument } from "../../../contract/profile-editor/schema.ts";
import { statusOf } from "../../test-support/kube/cluster.ts";
import { testCluster } from "../../test-support/kube/test-cluster.ts";
import { createKubernetesClient } from "../kubernetes/rest-client.ts";
import { RegistryChecker } from "./registry-checker.ts";
import { ProfileEditorService, PublishConflictError } from "./service.ts";
import {
  ConfigMapProfileStore,
  POINTER_CONFIG_MAP,
  VERSION_SIZE_LIMIT,
  VersionTooLargeError,
  type StoredVersion,
} from "./store.ts";

const cluster = testCluster();
let builds: string;

beforeAll(async () => {
  builds = await cluster.namespace("builds");
});

/** Every image answers 200 to HEAD: the registry is not what these tests are about. */
const checker = new RegistryChecker({ fetch: () => Promise.resolve(new Response(null)) });

function withDescription(document: ProfileDocument, description: string): ProfileDocument {
  const copy = structuredClone(document);
  copy.profiles[0]!.description = description;
  return copy;
}

async function editorReplicas(count: number, retention = 50) {
  const namespace = await cluster.namespace("profiles");
  const companion = await cluster.installCompanion({
    namespace,
    buildNamespace: builds,
    set: ["build.enabled=false", "projects.enabled=false", "profileEditor.enabled=true"],
  });
  const replicas = Array.from({ length: count }, () => {
    const kube = createKubernetesClient(companion.connection);
    return new ProfileEditorService({
      store: new ConfigMapProfileStore({ kube, namespace }),
      checker,
      bounds: SAMPLE_BOUNDS,
      retention,
      hubCacheSeconds: 10,
    });
  });
  return { namespace, companion, replicas };
}

describe("profile versions in a real cluster", () => {
  it("three replicas publishing from the same version: one wins, the others see it, nothing is lost", async () => {
    const { namespace, companion, replicas } = await editorReplicas(3);
    await replicas[0]!.publish("ada", {
      baseVersion: null,
      message: "first",
      document: SAMPLE_DOCUMENT,
      acceptUnreachable: [],
    });
    const outcomes = await Promise.allSettled(
      replicas.map((replica, i) =>
        replica.publish(`admin-${i}`, {
          baseVersion: 1,
          message: `from ${i}`,
          document: withDescription(SAMPLE_DOCUMENT, `edit ${i}`),
          acceptUnreachable: [],
        }),
      ),
    );
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o) => o.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(2);
    for (const o of lost) expect(o.reason).toBeInstanceOf(PublishConflictError);
    const winner = (won[0] as PromiseFulfilledResult<{ author: string }>).value.author;
    for (const o of lost)
      expect((o.reason as PublishConflictError).current).toMatchObject({
        number: 2,
        author: winner,
      });

    // Any replica reads the same history and the winner's list; the losers' objects are gone.
    const history = await replicas[2]!.versionList();
    expect(history.versions.map((v) => [v.number, v.author])).toEqual([
      [2, winner],
      [1, "ada"],
    ]);
    const published = await replicas[1]!.publishedList();
    expect(published.version).toBe(2);
    const store = new ConfigMapProfileStore({
      kube: createKubernetesClient(companion.connection),
      namespace,
    });
    expect(await store.listVersions()).toHaveLength(2);

    expect(cluster.requestsBy(companion.user).filter((c) => c.code === 403)).toEqual([]);
  });

  it("a published version's ConfigMap cannot be changed, even by the admin", async () => {
    const { namespace, replicas } = await editorReplicas(1);
    await replicas[0]!.publish("ada", {
      baseVersion: null,
      message: "first",
      document: SAMPLE_DOCUMENT,
      acceptUnreachable: [],
    });
    const { items } = await cluster.core.listNamespacedConfigMap({
      namespace,
      labelSelector: "app.kubernetes.io/component=profile-version",
    });
    expect(items).toHaveLength(1);
    const version = items[0]!;
    const changed = await cluster.core
      .replaceNamespacedConfigMap({
        namespace,
        name: version.metadata!.name!,
        body: { ...version, data: { "profiles.json": "{}" } },
      })
      .catch((error: unknown) => error);
    expect(statusOf(changed)).toBe(422);
    const pointer = await cluster.core.readNamespacedConfigMap({
      namespace,
      name: POINTER_CONFIG_MAP,
    });
    expect(pointer.immutable).toBeFalsy();
  });

  it("the largest version the store writes fits in a ConfigMap; a larger one is refused before writing", async () => {
    const { namespace, companion } = await editorReplicas(1);
    const store = new ConfigMapProfileStore({
      kube: createKubernetesClient(companion.connection),
      namespace,
    });
    const version = (padding: number): StoredVersion => ({
      number: 1,
      created: new Date().toISOString(),
      author: "ada",
      message: "big",
      unreachable_accepted: [],
      document: SAMPLE_DOCUMENT,
      image_checks: [],
      profile_list: [{ padding: "x".repeat(padding) }],
    });
    const base = Buffer.byteLength(JSON.stringify(version(0)));
    const largest = version(VERSION_SIZE_LIMIT - base);
    expect(Buffer.byteLength(JSON.stringify(largest))).toBe(VERSION_SIZE_LIMIT);
    const object = await store.createVersion(largest);
    expect((await store.readVersion(object)).profile_list).toEqual(largest.profile_list);

    await expect(store.createVersion(version(VERSION_SIZE_LIMIT - base + 1))).rejects.toThrow(
      VersionTooLargeError,
    );
    expect(await store.listVersions()).toHaveLength(1);

    // The limit is the API server's: a ConfigMap holding more than 1 MiB is refused outright.
    const refused = await cluster.core
      .createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: "too-big" }, data: { a: "x".repeat(1024 * 1024 + 1) } },
      })
      .catch((error: unknown) => error);
    expect(statusOf(refused)).toBe(422);
  });
});
