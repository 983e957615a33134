/**
 * Where project records live: one document per user, changed only through `mutate`, which runs a
 * pure function over the user's list and writes the result atomically (a file rename locally, a
 * ConfigMap replace guarded by `resourceVersion` in the cluster). Every operation below is built
 * on it, so the limit check and the write are one step: no lost updates, no limit overshoot.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import * as z from "zod/mini";

import { ProjectSchema, type Project } from "../../../contract/projects.ts";
import { sha256Hex } from "../../../contract/sha256.ts";
import { isKubernetesError, type ConfigMap, type KubernetesClient } from "../kubernetes/client.ts";
import {
  COMPONENTS,
  launchpadLabels,
  launchpadSelector,
  recordAnnotations,
  userOf,
} from "../kubernetes/metadata.ts";

export class ProjectLimitError extends Error {
  readonly limit: number;
  readonly used: number;
  constructor(
    limit: number,
    used: number,
    message = `You have ${used} of ${limit} projects. Delete a project to start a new one.`,
  ) {
    super(message);
    this.name = "ProjectLimitError";
    this.limit = limit;
    this.used = used;
  }
}

/** Projects that hold a place under the limit: one being deleted is on its way out. */
export function countsTowardLimit(project: Project): boolean {
  return project.state !== "deleting";
}

export function usedOf(projects: readonly Project[]): number {
  return projects.filter(countsTowardLimit).length;
}

export interface UpsertResult {
  project: Project;
  previous: Project | undefined;
}

/** The change a mutation makes: `projects: undefined` writes nothing. */
export interface Mutation<T> {
  projects: Project[] | undefined;
  result: T;
}

export interface ProjectStore {
  list(user: string): Promise<Project[]>;
  get(user: string, id: string): Promise<Project | undefined>;
  /**
   * Creates or updates `id` with `build(existing)`. A NEW project is refused with
   * ProjectLimitError when the user already has `limit` projects (0 = no limit).
   */
  upsert(
    user: string,
    id: string,
    build: (existing: Project | undefined) => Project,
    options: { limit: number },
  ): Promise<UpsertResult>;
  /** Changes an existing project; `undefined` when there is none. */
  update(
    user: string,
    id: string,
    change: (project: Project) => Project,
  ): Promise<Project | undefined>;
  /** Removes the record (only if `expect` holds for it); false when nothing was removed. */
  remove(user: string, id: string, expect?: (project: Project) => boolean): Promise<boolean>;
  /**
   * Every user's records, from one read (the background sweep): a document that cannot be read is
   * left out, as `list` would refuse it.
   */
  all(): Promise<Map<string, Project[]>>;
}

/**
 * A record as stored. Replicas of Launchpad 0.1.0 require `last_launched_at` on every record and
 * refuse the whole document otherwise ("refusing to overwrite them"), so during a rolling upgrade
 * one project no server has run on yet would break that user's projects on every old replica.
 * Such a project is therefore written with `last_launched_at` set to its `created_at` and
 * `never_launched: true`, read back here as "no launch yet". An old replica drops the unknown key
 * (zod strips it) and sees a launch at creation, which is what it recorded itself; if it rewrites
 * the document the marker is gone and the project reads as launched at creation from then on.
 */
const StoredProjectSchema = z.extend(ProjectSchema, {
  never_launched: z.optional(z.literal(true)),
});
type StoredProject = z.infer<typeof StoredProjectSchema>;

const DocumentSchema = z.object({
  version: z.literal(1),
  user: z.string(),
  projects: z.array(StoredProjectSchema),
});
type ProjectDocument = z.infer<typeof DocumentSchema>;

function fromStored({ never_launched: neverLaunched, ...project }: StoredProject): Project {
  if (neverLaunched) delete project.last_launched_at;
  return project;
}

function toStored(project: Project): StoredProject {
  return project.last_launched_at === undefined
    ? { ...project, last_launched_at: project.created_at, never_launched: true }
    : project;
}

function parseDocument(text: string, user: string, where: string): Project[] {
  const result = DocumentSchema.safeParse(JSON.parse(text));
  if (!result.success)
    throw new Error(`project records in ${where} are not valid; refusing to overwrite them`);
  if (result.data.user !== user)
    throw new Error(`project records in ${where} belong to another user`);
  return result.data.projects.map(fromStored);
}

function serializeDocument(user: string, projects: Project[]): string {
  const document: ProjectDocument = { version: 1, user, projects: projects.map(toStored) };
  return JSON.stringify(document);
}

/** Serialises async work per key, in one process. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

abstract class DocumentProjectStore implements ProjectStore {
  protected abstract read(user: string): Promise<Project[]>;
  protected abstract mutate<T>(
    user: string,
    change: (projects: Project[]) => Mutation<T>,
  ): Promise<T>;
  abstract all(): Promise<Map<string, Project[]>>;

  list(user: string): Promise<Project[]> {
    return this.read(user);
  }

  async get(user: string, id: string): Promise<Project | undefined> {
    return (await this.read(user)).find((project) => project.id === id);
  }

  upsert(
    user: string,
    id: string,
    build: (existing: Project | undefined) => Project,
    options: { limit: number },
  ): Promise<UpsertResult> {
    return this.mutate(user, (projects) => {
      const index = projects.findIndex((project) => project.id === id);
      const previous = index === -1 ? undefined : projects[index];
      if (previous === undefined && options.limit > 0) {
        const used = usedOf(projects);
        if (used >= options.limit) throw new ProjectLimitError(options.limit, used);
      }
      const project = build(previous);
      if (project.id !== id) throw new Error("upsert changed the project id");
      const next = [...projects];
      if (index === -1) next.push(project);
      else next[index] = project;
      return { projects: next, result: { project, previous } };
    });
  }

  update(
    user: string,
    id: string,
    change: (project: Project) => Project,
  ): Promise<Project | undefined> {
    return this.mutate(user, (projects) => {
      const index = projects.findIndex((project) => project.id === id);
      const existing = projects[index];
      if (existing === undefined) return { projects: undefined, result: undefined };
      const project = change(existing);
      const next = [...projects];
      next[index] = project;
      return { projects: next, result: project };
    });
  }

  remove(
    user: string,
    id: string,
    expect: (project: Project) => boolean = () => true,
  ): Promise<boolean> {
    return this.mutate(user, (projects) => {
      const next = projects.filter((project) => project.id !== id || !expect(project));
      return next.length === projects.length
        ? { projects: undefined, result: false }
        : { projects: next, result: true };
    });
  }
}

/** A name fragment for a user: readable, `[a-z0-9-]`, bounded, plus a hash so names never collide. */
export function userKey(user: string, readableLength = 30): string {
  const readable = user
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, readableLength)
    .replace(/-+$/, "");
  const hash = sha256Hex(user).slice(0, 10);
  return readable === "" ? hash : `${readable}-${hash}`;
}

/**
 * Local mode: `<dataDir>/projects/<userKey>.json`, written to a temporary file and renamed over
 * the old one (atomic on POSIX), one writer per user at a time.
 */
export class FileProjectStore extends DocumentProjectStore {
  private readonly dir: string;
  private readonly mutex = new KeyedMutex();

  constructor(dataDir: string) {
    super();
    this.dir = join(dataDir, "projects");
  }

  private file(user: string): string {
    return join(this.dir, `${userKey(user)}.json`);
  }

  protected async read(user: string): Promise<Project[]> {
    const file = this.file(user);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return parseDocument(text, user, file);
  }

  protected mutate<T>(user: string, change: (projects: Project[]) => Mutation<T>): Promise<T> {
    return this.mutex.run(user, async () => {
      const { projects, result } = change(await this.read(user));
      if (projects === undefined) return result;
      await mkdir(this.dir, { recursive: true });
      const target = this.file(user);
      const temporary = `${target}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        await writeFile(temporary, serializeDocument(user, projects), { mode: 0o600 });
        await rename(temporary, target);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      return result;
    });
  }

  async all(): Promise<Map<string, Project[]>> {
    let names: string[];
    const records = new Map<string, Project[]>();
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return records;
      throw error;
    }
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      try {
        const parsed = DocumentSchema.safeParse(
          JSON.parse(await readFile(join(this.dir, name), "utf8")),
        );
        if (parsed.success) records.set(parsed.data.user, parsed.data.projects);
      } catch {
        // A file removed or half-visible while listing: the next sweep sees it.
      }
    }
    return records;
  }
}

export const CONFIG_MAP_DATA_KEY = "projects.json";

export function configMapName(user: string): string {
  return `launchpad-projects-${userKey(user)}`;
}

/**
 * The most a ConfigMap's data may hold: the API server refuses more with 422 "Too long"
 * (kubernetes pkg/apis/core/validation/validation.go `ValidateConfigMap`: the values' total length
 * against `core.MaxSecretSize`, 1 MiB). A launch request's fields are capped
 * (contract/projects.ts), so a record is at most about 5.4 KiB and some 190 of the longest fit.
 */
export const CONFIG_MAP_DATA_LIMIT_BYTES = 1024 * 1024;

export interface ConfigMapProjectStoreOptions {
  kube: KubernetesClient;
  namespace: string;
  /** Attempts per mutation before giving up under contention (each conflict means another writer won). */
  maxAttempts?: number;
  /** Upper bound of the jittered backoff between attempts, in milliseconds. */
  maxBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Cluster mode: one ConfigMap per user in the hub's namespace, so records survive restarts and
 * are shared by replicas. Writers read, change and replace with the `resourceVersion` they read;
 * the apiserver answers 409 Conflict when another writer got there first, and we retry from the
 * read. In one process a per-user mutex keeps replicas' conflicts the only ones.
 */
export class ConfigMapProjectStore extends DocumentProjectStore {
  private readonly kube: KubernetesClient;
  private readonly namespace: string;
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly mutex = new KeyedMutex();

  constructor(options: ConfigMapProjectStoreOptions) {
    super();
    this.kube = options.kube;
    this.namespace = options.namespace;
    this.maxAttempts = options.maxAttempts ?? 40;
    this.maxBackoffMs = options.maxBackoffMs ?? 200;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private async readConfigMap(
    user: string,
  ): Promise<{ projects: Project[]; resourceVersion: string | undefined }> {
    const name = configMapName(user);
    let configMap: ConfigMap;
    try {
      configMap = await this.kube.readConfigMap(this.namespace, name);
    } catch (error) {
      if (isKubernetesError(error, 404)) return { projects: [], resourceVersion: undefined };
      throw error;
    }
    if (userOf(configMap) !== user) throw new Error(`ConfigMap ${name} belongs to another user`);
    const text = configMap.data?.[CONFIG_MAP_DATA_KEY];
    const projects = text === undefined ? [] : parseDocument(text, user, `ConfigMap ${name}`);
    return { projects, resourceVersion: configMap.metadata?.resourceVersion };
  }

  protected async read(user: string): Promise<Project[]> {
    return (await this.readConfigMap(user)).projects;
  }

  protected mutate<T>(user: string, change: (projects: Project[]) => Mutation<T>): Promise<T> {
    return this.mutex.run(user, async () => {
      for (let attempt = 1; ; attempt++) {
        const current = await this.readConfigMap(user);
        const { projects, result } = change(current.projects);
        if (projects === undefined) return result;
        const body = this.configMap(user, projects, current.resourceVersion);
        const size = Buffer.byteLength(body.data![CONFIG_MAP_DATA_KEY]!, "utf8");
        if (size > CONFIG_MAP_DATA_LIMIT_BYTES) {
          const used = usedOf(current.projects);
          throw new ProjectLimitError(
            used,
            used,
            `Your ${used} projects fill the space Launchpad keeps for them. Delete a project to start a new one.`,
          );
        }
        try {
          if (current.resourceVersion === undefined) {
            await this.kube.createConfigMap(this.namespace, body);
          } else {
            await this.kube.replaceConfigMap(this.namespace, body);
          }
          return result;
        } catch (error) {
          // 409: another writer replaced (Conflict) or created (AlreadyExists) it first; 404: it
          // was deleted since we read it. Either way, read again and redo the change.
          const retry = isKubernetesError(error, 409) || isKubernetesError(error, 404);
          if (!retry || attempt >= this.maxAttempts) throw error;
          await this.sleep(Math.random() * Math.min(this.maxBackoffMs, 2 ** attempt));
        }
      }
    });
  }

  private configMap(
    user: string,
    projects: Project[],
    resourceVersion: string | undefined,
  ): ConfigMap {
    return {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: configMapName(user),
        namespace: this.namespace,
        labels: launchpadLabels(COMPONENTS.projectRecords, { user }),
        annotations: recordAnnotations(user),
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
      },
      data: { [CONFIG_MAP_DATA_KEY]: serializeDocument(user, projects) },
    };
  }

  /** The list answers with every ConfigMap's data: nothing is read twice. */
  async all(): Promise<Map<string, Project[]>> {
    const items = await this.kube.listConfigMaps(
      this.namespace,
      launchpadSelector(COMPONENTS.projectRecords),
    );
    const records = new Map<string, Project[]>();
    for (const item of items) {
      const user = userOf(item);
      const text = item.data?.[CONFIG_MAP_DATA_KEY];
      if (user === undefined) continue;
      try {
        records.set(
          user,
          text === undefined
            ? []
            : parseDocument(text, user, `ConfigMap ${item.metadata?.name ?? "?"}`),
        );
      } catch {
        // Not valid, or another user's: list() refuses it with the reason; the sweep leaves it.
      }
    }
    return records;
  }
}
