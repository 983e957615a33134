/**
 * What the projects API does, apart from HTTP: record launches under the per-user limit, delete
 * (never the project a running server uses, and never when the pods cannot be read), and reconcile deletions from the removal's real state
 * — lazily when a user lists, and in a background sweep — so a restart half-way loses nothing.
 */
import {
  projectId,
  projectRepository,
  projectIdOf,
  type LaunchProjectRequest,
  type LaunchProjectResponse,
  type Project,
  type ProjectListResponse,
  type ProjectStorage,
} from "../../../contract/projects.ts";
import type { BuildSource } from "../../../contract/providers/catalog.ts";
import { HttpError } from "../errors.ts";
import type { ProjectFolderRemover } from "./folder-removal.ts";
import { RemovalJobError } from "./removal-job.ts";
import type { RunningServers, ServerOnProject } from "./running-servers.ts";
import { ProjectLimitError, usedOf, type ProjectStore } from "./store.ts";

export interface ProjectServiceOptions {
  store: ProjectStore;
  remover: ProjectFolderRemover;
  running: RunningServers;
  /** Most projects per user; 0 = no limit. */
  limit: number;
  now?: () => Date;
  /** Where reconcile problems are reported (they never fail a request). */
  onError?: (error: unknown, context: { user: string; id?: string }) => void;
}

export type DeleteOutcome = { state: "deleting"; project: Project } | { state: "removed" };

function sameStorage(a: ProjectStorage | undefined, b: ProjectStorage): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

export class ProjectService {
  readonly limit: number;
  private readonly store: ProjectStore;
  private readonly remover: ProjectFolderRemover;
  private readonly running: RunningServers;
  private readonly now: () => Date;
  private readonly onError: NonNullable<ProjectServiceOptions["onError"]>;

  constructor(options: ProjectServiceOptions) {
    this.store = options.store;
    this.remover = options.remover;
    this.running = options.running;
    this.limit = options.limit;
    this.now = options.now ?? (() => new Date());
    this.onError = options.onError ?? (() => {});
  }

  async list(user: string): Promise<ProjectListResponse> {
    const [stored, servers] = await Promise.all([this.store.list(user), this.serversQuietly(user)]);
    let projects = stored;
    // Where a running project's files live, as soon as the page looks (the sweep does it too).
    const unrecorded = (servers ?? []).filter(
      (s) =>
        s.storage !== undefined &&
        !sameStorage(projects.find((p) => p.id === s.projectId)?.storage, s.storage),
    );
    if (unrecorded.length > 0) {
      await this.recordStorage(user, unrecorded).catch((error: unknown) =>
        this.onError(error, { user }),
      );
      projects = await this.store.list(user);
    }
    if (projects.some((project) => project.state === "deleting")) {
      await Promise.all(
        projects.filter((p) => p.state === "deleting").map((p) => this.reconcileQuietly(user, p)),
      );
      projects = await this.store.list(user);
    }
    return {
      user,
      projects,
      limit: this.limit,
      used: usedOf(projects),
      ...(servers ? { running_project_ids: [...new Set(servers.map((s) => s.projectId))] } : {}),
    };
  }

  /**
   * The user's servers on projects, for the page to mark them; undefined when the pods cannot be
   * read (the list still answers, and deleting is refused then).
   */
  private async serversQuietly(user: string): Promise<ServerOnProject[] | undefined> {
    try {
      return await this.running.forUser(user);
    } catch (error) {
      this.onError(error, { user });
      return undefined;
    }
  }

  /**
   * Whether `user` may build `source` now: an existing project always may (same repository,
   * another ref is the same project); a new one needs room under the limit. `source` is the
   * repository of the build's spec, which gives the same project id as what the user typed
   * (contract/project-id-agreement.test.ts checks it for every provider). Returns the refusal, or null.
   * Checked before a build starts, so nobody waits for an image they cannot start on; the start
   * is checked again under the store's concurrency control.
   */
  async buildRefusal(
    user: string,
    source: Pick<BuildSource, "provider" | "repo">,
  ): Promise<string | null> {
    if (this.limit === 0) return null;
    let id: string;
    try {
      id = projectId(source.provider, source.repo);
    } catch {
      return null; // the build route validates the repository itself
    }
    const projects = await this.store.list(user);
    if (projects.some((p) => p.id === id && p.state !== "deleting")) return null;
    const used = usedOf(projects);
    return used >= this.limit
      ? `You have ${used} of ${this.limit} projects. Delete one in Your Projects to build a new repository.`
      : null;
  }

  async launch(
    user: string,
    id: string,
    request: LaunchProjectRequest,
  ): Promise<LaunchProjectResponse> {
    const normalised = projectRepository(request.provider, request.repository);
    if (!normalised.ok) throw new HttpError(400, `Invalid repository: ${normalised.message}`);
    const expected = projectIdOf(normalised);
    if (expected !== id)
      throw new HttpError(400, `The project id for this repository is ${expected}, not ${id}.`);
    const now = this.now().toISOString();
    try {
      const { project, previous } = await this.store.upsert(
        user,
        id,
        (existing) => {
          if (existing?.state === "deleting") {
            throw new HttpError(
              409,
              "This project is being deleted; start it again once the deletion has finished.",
            );
          }
          // The commit and any deletion state belong to the previous launch.
          const kept: Partial<Project> = { ...existing };
          delete kept.resolved_commit;
          delete kept.deletion;
          return {
            ...kept,
            id,
            provider: normalised.provider,
            repository: normalised.repository,
            ref: request.ref,
            ...(request.resolved_commit === undefined
              ? {}
              : { resolved_commit: request.resolved_commit }),
            image: request.image,
            profile_slug: request.profile_slug,
            display_name: request.display_name,
            created_at: existing?.created_at ?? now,
            last_launched_at: now,
            state: "ready",
          };
        },
        { limit: this.limit },
      );
      const refChanged = previous !== undefined && previous.ref !== request.ref;
      return {
        project,
        created: previous === undefined,
        ref_changed: refChanged,
        ...(refChanged ? { previous_ref: previous.ref } : {}),
      };
    } catch (error) {
      if (error instanceof ProjectLimitError)
        throw new ProjectLimitHttpError(error.limit, error.used, error.message);
      throw error;
    }
  }

  /** `actor` is who asked (the user, or an admin deleting for them). */
  async delete(user: string, id: string, actor: string): Promise<DeleteOutcome> {
    const project = await this.store.get(user, id);
    if (project === undefined) throw new HttpError(404, `No project ${id}.`);
    if (project.state === "deleting") return this.continueDeleting(user, project);

    let servers: ServerOnProject[];
    try {
      servers = await this.running.forUser(user, { withLegacy: true });
    } catch (error) {
      // Fail closed: without the pods, nothing proves the folder is unused.
      this.onError(error, { user, id });
      throw new HttpError(
        503,
        "Launchpad cannot check right now whether one of your servers uses this project, so it was not deleted. Try again in a minute.",
      );
    }
    await this.recordStorage(user, servers);
    if (servers.some((server) => server.projectId === id)) {
      throw new HttpError(
        409,
        "This project is open in a running server. Stop the server, then delete the project.",
      );
    }
    const current = (await this.store.get(user, id)) ?? project;
    let storage = current.storage;
    if (storage === undefined && this.remover.needsStorage) {
      // The user's home is the same volume and subPath for every project they have.
      storage = (await this.store.list(user)).find((p) => p.storage !== undefined)?.storage;
    }
    if (storage === undefined && this.remover.needsStorage) {
      // No server has ever been seen on this project or any other of the user's: nothing we know of
      // was written, so the record is all there is to remove.
      await this.store.remove(user, id, (p) => p.state !== "deleting");
      return { state: "removed" };
    }
    const marked = await this.store.update(user, id, (p) => ({
      ...p,
      state: "deleting",
      ...(storage === undefined ? {} : { storage }),
      deletion: { requested_at: this.now().toISOString(), requested_by: actor },
    }));
    if (marked === undefined) return { state: "removed" };
    return this.continueDeleting(user, marked);
  }

  private async continueDeleting(user: string, project: Project): Promise<DeleteOutcome> {
    const after = await this.reconcile(user, project);
    return after === undefined ? { state: "removed" } : { state: "deleting", project: after };
  }

  /** Moves a `deleting` project on from the removal's real state; returns it, or undefined once gone. */
  async reconcile(user: string, project: Project): Promise<Project | undefined> {
    if (project.state !== "deleting") return project;
    const requestedAt = project.deletion?.requested_at;
    const sameRequest = (p: Project) =>
      p.state === "deleting" && p.deletion?.requested_at === requestedAt;
    let status = await this.remover.status(user, project);
    if (status.state === "missing") {
      try {
        const { jobName } = await this.remover.start(user, project);
        if (jobName !== undefined && project.deletion?.job_name !== jobName) {
          project =
            (await this.store.update(user, project.id, (p) =>
              sameRequest(p) && p.deletion
                ? { ...p, deletion: { ...p.deletion, job_name: jobName } }
                : p,
            )) ?? project;
        }
      } catch (error) {
        if (!(error instanceof RemovalJobError)) throw error;
        status = { state: "failed", message: error.message };
      }
      if (status.state === "missing") status = await this.remover.status(user, project);
    }
    if (status.state === "succeeded") {
      await this.store.remove(user, project.id, sameRequest);
      await this.remover.finish(user, project);
      return undefined;
    }
    if (status.state === "failed") {
      const message = `The project folder could not be removed: ${status.message}`;
      return this.store.update(user, project.id, (p) =>
        sameRequest(p) && p.deletion
          ? { ...p, state: "delete-failed", deletion: { ...p.deletion, message } }
          : p,
      );
    }
    return project;
  }

  private async reconcileQuietly(user: string, project: Project): Promise<void> {
    try {
      await this.reconcile(user, project);
    } catch (error) {
      this.onError(error, { user, id: project.id });
    }
  }

  /** Copies where a project's files live from the user's pods into its record. */
  private async recordStorage(
    user: string,
    servers: Awaited<ReturnType<RunningServers["forUser"]>>,
  ): Promise<void> {
    for (const server of servers) {
      const storage = server.storage;
      if (storage === undefined) continue;
      await this.store.update(user, server.projectId, (p) =>
        sameStorage(p.storage, storage) ? p : { ...p, storage },
      );
    }
  }

  /** One background pass: record storage from every project pod, then move every deletion on. */
  async sweep(): Promise<void> {
    const servers = await this.running.all();
    const byUser = new Map<string, typeof servers>();
    for (const server of servers)
      byUser.set(server.user, [...(byUser.get(server.user) ?? []), server]);
    for (const [user, userServers] of byUser) {
      try {
        // A record missing storage is the common case; skip the write when nothing changes.
        const projects = await this.store.list(user);
        const changed = userServers.filter((s) => {
          const record = projects.find((p) => p.id === s.projectId);
          return (
            record !== undefined &&
            s.storage !== undefined &&
            !sameStorage(record.storage, s.storage)
          );
        });
        if (changed.length > 0) await this.recordStorage(user, changed);
      } catch (error) {
        this.onError(error, { user });
      }
    }
    for (const user of await this.store.users()) {
      try {
        const deleting = (await this.store.list(user)).filter((p) => p.state === "deleting");
        for (const project of deleting) await this.reconcileQuietly(user, project);
      } catch (error) {
        this.onError(error, { user });
      }
    }
  }

  /** Runs `sweep` every `intervalMs` until the returned function is called. */
  startSweeping(intervalMs: number): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.sweep()
        .catch((error: unknown) => this.onError(error, { user: "*" }))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

export class ProjectLimitHttpError extends HttpError {
  readonly limit: number;
  readonly used: number;
  constructor(limit: number, used: number, message: string) {
    super(409, message);
    this.limit = limit;
    this.used = used;
  }
}
