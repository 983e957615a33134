/**
 * The profile editor's policy: what a publish must pass (the document's rules, then the images in
 * their registries), optimistic concurrency between admins, rollback as a new version, retention,
 * drafts, and the list the hub glue fetches. Routes translate HTTP; the store keeps objects.
 */
import {
  imagesOf,
  hasErrors,
  validateProfileDocument,
} from "../../../contract/profile-editor/rules.ts";
import { toKubeSpawnerProfileList } from "../../../contract/profile-editor/kubespawner.ts";
import {
  PUBLISHED_PROFILE_LIST_FORMAT,
  ProfileVersionMetaSchema,
  ProfileVersionSchema,
  type ImageCheckResult,
  type ProfileBounds,
  type ProfileDocument,
  type ProfileDraft,
  type ProfileEditorState,
  type ProfileIssue,
  type ProfileVersion,
  type ProfileVersionMeta,
  type PublishedProfileList,
  type SaveDraftRequest,
  type VersionList,
} from "../../../contract/profile-editor/schema.ts";
import type { RegistryChecker } from "./registry-checker.ts";
import { type Pointer, type PointerEntry, type ProfileStore, type StoredVersion } from "./store.ts";
import { exportValuesYaml, importValuesYaml } from "./z2jh.ts";

/** Another admin published since the version this publish started from. */
export class PublishConflictError extends Error {
  readonly current: ProfileVersion;
  readonly baseVersion: number | null;
  constructor(current: ProfileVersion, baseVersion: number | null) {
    super(
      `Version ${current.number} was published by ${current.author} since you started from ${baseVersion === null ? "an empty list" : `version ${baseVersion}`}. Review what changed, then publish again.`,
    );
    this.name = "PublishConflictError";
    this.current = current;
    this.baseVersion = baseVersion;
  }
}

/** The document breaks a rule, or an image is missing, private, or (not accepted) unreachable. */
export class PublishRefusedError extends Error {
  readonly reason: "invalid" | "images";
  readonly issues: ProfileIssue[];
  readonly imageChecks: ImageCheckResult[];
  constructor(
    reason: "invalid" | "images",
    message: string,
    issues: ProfileIssue[],
    imageChecks: ImageCheckResult[],
  ) {
    super(message);
    this.name = "PublishRefusedError";
    this.reason = reason;
    this.issues = issues;
    this.imageChecks = imageChecks;
  }
}

export class VersionNotFoundError extends Error {
  constructor(number: number) {
    super(`There is no version ${number} (it may be older than the history keeps).`);
    this.name = "VersionNotFoundError";
  }
}

export interface ProfileEditorServiceOptions {
  store: ProfileStore;
  checker: RegistryChecker;
  bounds: ProfileBounds;
  /** Versions kept, the current one included. */
  retention: number;
  /** What the glue caches; shown to admins ("reaches spawn pages within …"). */
  hubCacheSeconds: number;
  /** The chart values' starting list, offered while nothing is published. */
  baseDocument?: ProfileDocument | undefined;
  now?: () => Date;
  onError?: (error: unknown, what: string) => void;
}

export interface PublishInput {
  baseVersion: number | null;
  message: string;
  document: ProfileDocument;
  acceptUnreachable: readonly string[];
  rollbackOf?: number;
}

/** A version object is never changed, so one read serves every later request. */
const VERSION_CACHE_LIMIT = 20;

export class ProfileEditorService {
  private readonly store: ProfileStore;
  private readonly checker: RegistryChecker;
  readonly bounds: ProfileBounds;
  private readonly retention: number;
  private readonly hubCacheSeconds: number;
  private readonly baseDocument: ProfileDocument | undefined;
  private readonly now: () => Date;
  private readonly onError: (error: unknown, what: string) => void;
  private readonly versions = new Map<string, StoredVersion>();

  constructor(options: ProfileEditorServiceOptions) {
    this.store = options.store;
    this.checker = options.checker;
    this.bounds = options.bounds;
    this.retention = Math.max(1, options.retention);
    this.hubCacheSeconds = options.hubCacheSeconds;
    this.baseDocument = options.baseDocument;
    this.now = options.now ?? (() => new Date());
    this.onError = options.onError ?? (() => {});
  }

  private async readVersion(entry: PointerEntry): Promise<StoredVersion> {
    const cached = this.versions.get(entry.object);
    if (cached) return cached;
    const version = await this.store.readVersion(entry.object);
    if (this.versions.size >= VERSION_CACHE_LIMIT) {
      const oldest = this.versions.keys().next().value;
      if (oldest !== undefined) this.versions.delete(oldest);
    }
    this.versions.set(entry.object, version);
    return version;
  }

  /** The API's shape: the schema drops the stored KubeSpawner list. */
  private static publicVersion(version: StoredVersion): ProfileVersion {
    return ProfileVersionSchema.parse(version);
  }

  private async current(pointer: Pointer): Promise<StoredVersion | null> {
    if (pointer.current === null) return null;
    const entry = pointer.versions.find((v) => v.number === pointer.current);
    if (!entry)
      throw new Error(`the history has no entry for the current version ${pointer.current}`);
    return this.readVersion(entry);
  }

  async state(user: string): Promise<ProfileEditorState> {
    const [{ pointer }, draft] = await Promise.all([
      this.store.readPointer(),
      this.store.readDraft(user),
    ]);
    const current = await this.current(pointer);
    return {
      bounds: this.bounds,
      current: current ? ProfileEditorService.publicVersion(current) : null,
      draft,
      base_document: this.baseDocument ?? null,
      retention: this.retention,
      hub_cache_seconds: this.hubCacheSeconds,
    };
  }

  async saveDraft(user: string, request: SaveDraftRequest): Promise<ProfileDraft> {
    const draft: ProfileDraft = {
      base_version: request.base_version,
      document: request.document,
      updated: this.now().toISOString(),
      author: user,
    };
    await this.store.writeDraft(user, draft);
    return draft;
  }

  discardDraft(user: string): Promise<void> {
    return this.store.deleteDraft(user);
  }

  checkImages(images: readonly string[]): Promise<ImageCheckResult[]> {
    return this.checker.check(images, this.bounds.allowed_images);
  }

  /** Validates, checks images, writes the version and swaps the pointer; the new version's metadata. */
  async publish(user: string, input: PublishInput): Promise<ProfileVersionMeta> {
    const issues = validateProfileDocument(input.document, this.bounds);
    if (hasErrors(issues))
      throw new PublishRefusedError(
        "invalid",
        "The profile list has problems; fix them before publishing.",
        issues,
        [],
      );
    const { pointer, revision } = await this.store.readPointer();
    if (pointer.current !== null && pointer.current !== input.baseVersion) {
      const current = await this.current(pointer);
      if (current)
        throw new PublishConflictError(
          ProfileEditorService.publicVersion(current),
          input.baseVersion,
        );
    }

    const checks = await this.checkImages(imagesOf(input.document));
    const refused = checks.filter(
      (c) => c.status === "missing" || c.status === "private" || c.status === "invalid",
    );
    const unreachable = checks.filter((c) => c.status === "unreachable");
    const notAccepted = unreachable.filter((c) => !input.acceptUnreachable.includes(c.image));
    if (refused.length > 0 || notAccepted.length > 0) {
      const message =
        refused.length === 1
          ? "An image is not in its registry as named; fix it before publishing."
          : refused.length > 1
            ? `${refused.length} images are not in their registries as named; fix them before publishing.`
            : "A registry did not answer. Check again, or publish anyway: the version records that it was not checked.";
      throw new PublishRefusedError("images", message, issues, checks);
    }

    const latest = Math.max(pointer.current ?? 0, pointer.versions[0]?.number ?? 0);
    const meta: ProfileVersionMeta = {
      number: latest + 1,
      created: this.now().toISOString(),
      author: user,
      message: input.message,
      ...(input.rollbackOf === undefined ? {} : { rollback_of: input.rollbackOf }),
      unreachable_accepted: unreachable.map((c) => c.image),
    };
    const version: StoredVersion = {
      ...meta,
      document: input.document,
      image_checks: checks,
      profile_list: toKubeSpawnerProfileList(input.document, this.bounds),
    };
    const object = await this.store.createVersion(version);
    const kept = [{ ...meta, object }, ...pointer.versions].slice(0, this.retention);
    const swapped = await this.store.swapPointer(
      { format: 1, current: meta.number, versions: kept },
      revision,
    );
    if (!swapped) {
      await this.store
        .deleteVersion(object)
        .catch((error: unknown) => this.onError(error, "delete an unpublished version"));
      const now = await this.store.readPointer();
      const current = await this.current(now.pointer);
      if (!current) throw new Error("the pointer changed but names no current version");
      throw new PublishConflictError(
        ProfileEditorService.publicVersion(current),
        input.baseVersion,
      );
    }
    this.versions.set(object, version);
    void this.forget(pointer.versions.slice(this.retention - 1));
    await this.store
      .deleteDraft(user)
      .catch((error: unknown) => this.onError(error, "delete the published draft"));
    return meta;
  }

  /** Publishes an older version's document anew, as the newest version. */
  async rollback(
    user: string,
    number: number,
    input: Omit<PublishInput, "document" | "rollbackOf" | "message"> & { message?: string },
  ): Promise<ProfileVersionMeta> {
    const old = await this.version(number);
    return this.publish(user, {
      ...input,
      document: old.document,
      message: input.message || `Roll back to version ${number}`,
      rollbackOf: number,
    });
  }

  /** Deletes version objects that fell out of the history; their ConfigMaps hold nothing anyone reads. */
  private async forget(entries: readonly PointerEntry[]): Promise<void> {
    for (const entry of entries) {
      this.versions.delete(entry.object);
      await this.store
        .deleteVersion(entry.object)
        .catch((error: unknown) => this.onError(error, "delete an old version"));
    }
  }

  /**
   * Removes version objects no pointer names (a publish that crashed between writing its version
   * and swapping the pointer), once they are older than `graceMs` so an in-flight publish of
   * another replica is never touched.
   */
  async sweep(graceMs = 10 * 60_000): Promise<number> {
    const [{ pointer }, objects] = await Promise.all([
      this.store.readPointer(),
      this.store.listVersions(),
    ]);
    const named = new Set(pointer.versions.map((v) => v.object));
    const cutoff = this.now().getTime() - graceMs;
    let removed = 0;
    for (const { object, created } of objects) {
      if (named.has(object) || !(Date.parse(created) < cutoff)) continue;
      await this.store.deleteVersion(object);
      removed++;
    }
    return removed;
  }

  async versionList(): Promise<VersionList> {
    const { pointer } = await this.store.readPointer();
    return {
      current: pointer.current,
      versions: pointer.versions.map((entry) => ProfileVersionMetaSchema.parse(entry)),
    };
  }

  private async stored(number: number): Promise<StoredVersion> {
    const { pointer } = await this.store.readPointer();
    const entry = pointer.versions.find((v) => v.number === number);
    if (!entry) throw new VersionNotFoundError(number);
    return this.readVersion(entry);
  }

  async version(number: number): Promise<ProfileVersion> {
    return ProfileEditorService.publicVersion(await this.stored(number));
  }

  /** What the glue serves to KubeSpawner; `version: null` while nothing is published. */
  async publishedList(): Promise<PublishedProfileList> {
    const { pointer } = await this.store.readPointer();
    const current = await this.current(pointer);
    return {
      format: PUBLISHED_PROFILE_LIST_FORMAT,
      version: current?.number ?? null,
      profile_list: (current?.profile_list ?? []) as PublishedProfileList["profile_list"],
    };
  }

  async exportYaml(number?: number): Promise<{ version: number | null; yaml: string }> {
    if (number !== undefined) {
      const version = await this.stored(number);
      return { version: number, yaml: exportValuesYaml(version.profile_list, number) };
    }
    const list = await this.publishedList();
    return { version: list.version, yaml: exportValuesYaml(list.profile_list, list.version) };
  }

  importYaml(yamlText: string): { document: ProfileDocument; notes: string[] } {
    return importValuesYaml(yamlText, this.bounds);
  }
}
