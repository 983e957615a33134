/**
 * Where published profile lists and drafts live (DESIGN.md "Admin editor").
 *
 * - Each version is its own object, written once and never changed: a ConfigMap marked
 *   `immutable` in the cluster (a file locally), named with a random suffix so that a publish that
 *   loses a race leaves nothing anyone reads.
 * - One **pointer** object names the current version and the retained history, newest first.
 *   Publishing writes the version first, then replaces the pointer with the `resourceVersion` it
 *   read: when another admin published in between, the apiserver answers 409 Conflict and nothing
 *   is lost (the loser's version object is deleted again).
 * - Each admin has a **draft** object of their own.
 *
 * A ConfigMap holds at most 1 MiB (`data` plus `binaryData`; apimachinery validation,
 * `MaxSecretSize`-sized, https://kubernetes.io/docs/concepts/configuration/configmap/): versions
 * bigger than VERSION_SIZE_LIMIT are refused before they are written.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import * as z from "zod/mini";

import {
  ProfileDraftSchema,
  ProfileVersionMetaSchema,
  ProfileVersionSchema,
  type ProfileDraft,
  type ProfileVersionMeta,
} from "../../../contract/profile-editor/schema.ts";
import { isKubernetesError, type ConfigMap, type KubernetesClient } from "../kubernetes/client.ts";
import {
  ANNOTATIONS,
  COMPONENTS,
  launchpadLabels,
  launchpadSelector,
} from "../kubernetes/metadata.ts";
import { KeyedMutex, userKey } from "../projects/store.ts";

/** Leaves room for the ConfigMap's metadata within the apiserver's 1 MiB. */
export const VERSION_SIZE_LIMIT = 1024 * 1024 - 16 * 1024;

/** A version as stored: the API's shape plus the KubeSpawner list generated when it was published. */
export const StoredVersionSchema = z.extend(ProfileVersionSchema, {
  profile_list: z.array(z.record(z.string(), z.unknown())),
});
export type StoredVersion = z.infer<typeof StoredVersionSchema>;

export const PointerEntrySchema = z.extend(ProfileVersionMetaSchema, {
  /** The version object's name (ConfigMap or file). */
  object: z.string(),
});
export type PointerEntry = ProfileVersionMeta & { object: string };

export const PointerSchema = z.object({
  format: z.literal(1),
  current: z.nullable(z.int()),
  /** Newest first; at most the retention. */
  versions: z.array(PointerEntrySchema),
});
export type Pointer = z.infer<typeof PointerSchema>;

export const EMPTY_POINTER: Pointer = { format: 1, current: null, versions: [] };

/** The version is larger than a ConfigMap can hold. */
export class VersionTooLargeError extends Error {
  readonly bytes: number;
  constructor(bytes: number) {
    super(
      `This profile list is ${Math.ceil(bytes / 1024)} KiB as stored; Kubernetes keeps at most ${Math.floor(VERSION_SIZE_LIMIT / 1024)} KiB in one object. Shorten descriptions or split the list.`,
    );
    this.name = "VersionTooLargeError";
    this.bytes = bytes;
  }
}

export interface ProfileStore {
  /** The pointer and an opaque revision to swap it with; an absent pointer reads as empty. */
  readPointer(): Promise<{ pointer: Pointer; revision: string | null }>;
  /** Replaces the pointer if it is still at `revision` (null: it must not exist yet); false if not. */
  swapPointer(pointer: Pointer, revision: string | null): Promise<boolean>;
  /** Writes a new version object and returns its name. */
  createVersion(version: StoredVersion): Promise<string>;
  readVersion(object: string): Promise<StoredVersion>;
  deleteVersion(object: string): Promise<void>;
  /** Every version object, referenced by the pointer or not (for clean-up). */
  listVersions(): Promise<{ object: string; created: string }[]>;
  readDraft(user: string): Promise<ProfileDraft | null>;
  writeDraft(user: string, draft: ProfileDraft): Promise<void>;
  deleteDraft(user: string): Promise<void>;
}

function serialise(version: StoredVersion): string {
  const text = JSON.stringify(version);
  const bytes = Buffer.byteLength(text);
  if (bytes > VERSION_SIZE_LIMIT) throw new VersionTooLargeError(bytes);
  return text;
}

function parseOrThrow<T>(schema: z.ZodMiniType<T>, text: string, where: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new Error(`${where} does not hold what Launchpad wrote there`);
  return result.data;
}

function versionObjectName(number: number): string {
  return `launchpad-profiles-v${number}-${randomBytes(3).toString("hex")}`;
}

// ---------------------------------------------------------------------------------------------
// Cluster: ConfigMaps in the hub's namespace
// ---------------------------------------------------------------------------------------------

export const POINTER_CONFIG_MAP = "launchpad-profiles";
const DATA_KEY = "profiles.json";

export function draftConfigMapName(user: string): string {
  return `launchpad-profiles-draft-${userKey(user)}`;
}

export class ConfigMapProfileStore implements ProfileStore {
  private readonly kube: KubernetesClient;
  private readonly namespace: string;

  constructor(options: { kube: KubernetesClient; namespace: string }) {
    this.kube = options.kube;
    this.namespace = options.namespace;
  }

  private async read(name: string): Promise<ConfigMap | null> {
    try {
      return await this.kube.readConfigMap(this.namespace, name);
    } catch (error) {
      if (isKubernetesError(error, 404)) return null;
      throw error;
    }
  }

  async readPointer(): Promise<{ pointer: Pointer; revision: string | null }> {
    const configMap = await this.read(POINTER_CONFIG_MAP);
    const text = configMap?.data?.[DATA_KEY];
    if (!configMap || text === undefined) return { pointer: EMPTY_POINTER, revision: null };
    return {
      pointer: parseOrThrow(PointerSchema, text, `ConfigMap ${POINTER_CONFIG_MAP}`),
      revision: configMap.metadata?.resourceVersion ?? null,
    };
  }

  async swapPointer(pointer: Pointer, revision: string | null): Promise<boolean> {
    const body: ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: POINTER_CONFIG_MAP,
        namespace: this.namespace,
        labels: launchpadLabels(COMPONENTS.profilePointer),
        ...(revision === null ? {} : { resourceVersion: revision }),
      },
      data: { [DATA_KEY]: JSON.stringify(pointer) },
    };
    try {
      if (revision === null) await this.kube.createConfigMap(this.namespace, body);
      else await this.kube.replaceConfigMap(this.namespace, body);
      return true;
    } catch (error) {
      // Conflict (stale resourceVersion) or AlreadyExists (another first publish): someone else won.
      if (isKubernetesError(error, 409)) return false;
      throw error;
    }
  }

  async createVersion(version: StoredVersion): Promise<string> {
    const text = serialise(version);
    const name = versionObjectName(version.number);
    await this.kube.createConfigMap(this.namespace, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name,
        namespace: this.namespace,
        labels: launchpadLabels(COMPONENTS.profileVersion),
        annotations: {
          [ANNOTATIONS.profileVersion]: String(version.number),
          [ANNOTATIONS.user]: version.author,
        },
      },
      // A published version never changes (https://kubernetes.io/docs/concepts/configuration/configmap/#configmap-immutable).
      immutable: true,
      data: { [DATA_KEY]: text },
    });
    return name;
  }

  async readVersion(object: string): Promise<StoredVersion> {
    const configMap = await this.kube.readConfigMap(this.namespace, object);
    const text = configMap.data?.[DATA_KEY];
    if (text === undefined) throw new Error(`ConfigMap ${object} holds no profile list`);
    return parseOrThrow(StoredVersionSchema, text, `ConfigMap ${object}`);
  }

  async deleteVersion(object: string): Promise<void> {
    try {
      await this.kube.deleteConfigMap(this.namespace, object);
    } catch (error) {
      if (!isKubernetesError(error, 404)) throw error;
    }
  }

  async listVersions(): Promise<{ object: string; created: string }[]> {
    const items = await this.kube.listConfigMaps(
      this.namespace,
      launchpadSelector(COMPONENTS.profileVersion),
    );
    return items.flatMap((item) => {
      const name = item.metadata?.name;
      const created = item.metadata?.creationTimestamp;
      return name
        ? [{ object: name, created: created ? new Date(created).toISOString() : "" }]
        : [];
    });
  }

  async readDraft(user: string): Promise<ProfileDraft | null> {
    const configMap = await this.read(draftConfigMapName(user));
    const text = configMap?.data?.[DATA_KEY];
    if (!configMap || text === undefined) return null;
    if (configMap.metadata?.annotations?.[ANNOTATIONS.user] !== user)
      throw new Error(`ConfigMap ${draftConfigMapName(user)} belongs to another user`);
    return parseOrThrow(ProfileDraftSchema, text, `ConfigMap ${draftConfigMapName(user)}`);
  }

  async writeDraft(user: string, draft: ProfileDraft): Promise<void> {
    const name = draftConfigMapName(user);
    const text = JSON.stringify(draft);
    if (Buffer.byteLength(text) > VERSION_SIZE_LIMIT)
      throw new VersionTooLargeError(Buffer.byteLength(text));
    // A draft is one admin's own: the last save wins, so retry on a race with their other tab.
    for (let attempt = 0; ; attempt++) {
      const existing = await this.read(name);
      const body: ConfigMap = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name,
          namespace: this.namespace,
          labels: launchpadLabels(COMPONENTS.profileDraft, { user }),
          annotations: { [ANNOTATIONS.user]: user },
          ...(existing?.metadata?.resourceVersion
            ? { resourceVersion: existing.metadata.resourceVersion }
            : {}),
        },
        data: { [DATA_KEY]: text },
      };
      try {
        if (existing) await this.kube.replaceConfigMap(this.namespace, body);
        else await this.kube.createConfigMap(this.namespace, body);
        return;
      } catch (error) {
        if (!(isKubernetesError(error, 409) || isKubernetesError(error, 404)) || attempt >= 5)
          throw error;
      }
    }
  }

  async deleteDraft(user: string): Promise<void> {
    try {
      await this.kube.deleteConfigMap(this.namespace, draftConfigMapName(user));
    } catch (error) {
      if (!isKubernetesError(error, 404)) throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Local mode: files under <dataDir>/profiles
// ---------------------------------------------------------------------------------------------

/**
 * The same objects as files, written to a temporary name and renamed (atomic on POSIX). The
 * pointer carries a revision counter; one process writes, so a mutex makes the swap atomic.
 */
export class FileProfileStore implements ProfileStore {
  private readonly dir: string;
  private readonly mutex = new KeyedMutex();

  constructor(dataDir: string) {
    this.dir = join(dataDir, "profiles");
  }

  private path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  private async readText(file: string): Promise<string | null> {
    try {
      return await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  private async writeAtomically(file: string, text: string): Promise<void> {
    await mkdir(join(file, ".."), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async readPointer(): Promise<{ pointer: Pointer; revision: string | null }> {
    const text = await this.readText(this.path("pointer.json"));
    if (text === null) return { pointer: EMPTY_POINTER, revision: null };
    const stored = parseOrThrow(
      z.object({ revision: z.int(), pointer: PointerSchema }),
      text,
      this.path("pointer.json"),
    );
    return { pointer: stored.pointer, revision: String(stored.revision) };
  }

  swapPointer(pointer: Pointer, revision: string | null): Promise<boolean> {
    return this.mutex.run("pointer", async () => {
      const current = await this.readPointer();
      if (current.revision !== revision) return false;
      const next = revision === null ? 1 : Number(revision) + 1;
      await this.writeAtomically(
        this.path("pointer.json"),
        JSON.stringify({ revision: next, pointer }),
      );
      return true;
    });
  }

  async createVersion(version: StoredVersion): Promise<string> {
    const name = versionObjectName(version.number);
    await this.writeAtomically(this.path("versions", `${name}.json`), serialise(version));
    return name;
  }

  async readVersion(object: string): Promise<StoredVersion> {
    if (!/^[a-z0-9-]+$/.test(object)) throw new Error(`invalid version object name ${object}`);
    const file = this.path("versions", `${object}.json`);
    const text = await this.readText(file);
    if (text === null) throw new Error(`${file} is missing`);
    return parseOrThrow(StoredVersionSchema, text, file);
  }

  async deleteVersion(object: string): Promise<void> {
    if (!/^[a-z0-9-]+$/.test(object)) return;
    await rm(this.path("versions", `${object}.json`), { force: true });
  }

  async listVersions(): Promise<{ object: string; created: string }[]> {
    let names: string[];
    try {
      names = await readdir(this.path("versions"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const out: { object: string; created: string }[] = [];
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      const object = name.slice(0, -".json".length);
      try {
        out.push({ object, created: (await this.readVersion(object)).created });
      } catch {
        // half-written or foreign files are not versions
      }
    }
    return out;
  }

  async readDraft(user: string): Promise<ProfileDraft | null> {
    const text = await this.readText(this.path("drafts", `${userKey(user)}.json`));
    if (text === null) return null;
    const stored = parseOrThrow(
      z.object({ user: z.string(), draft: ProfileDraftSchema }),
      text,
      "draft",
    );
    if (stored.user !== user) throw new Error("the draft file belongs to another user");
    return stored.draft;
  }

  async writeDraft(user: string, draft: ProfileDraft): Promise<void> {
    await this.writeAtomically(
      this.path("drafts", `${userKey(user)}.json`),
      JSON.stringify({ user, draft }),
    );
  }

  async deleteDraft(user: string): Promise<void> {
    await rm(this.path("drafts", `${userKey(user)}.json`), { force: true });
  }
}
