/**
 * What the projects API does, apart from HTTP: record starts under the per-user limit, learn from
 * users' pods which starts really happened (and where the files live), delete (never the project a
 * running server uses, and never when the pods cannot be read), and reconcile deletions from the
 * removal's real state — lazily when a user lists, and in a background sweep — so a restart
 * half-way loses nothing.
 *
 * Launched means launched: a start is recorded as `pending_launch` when the user submits the spawn
 * form; `last_launched_at`, ref, image and profile change only when the companion sees a server of
 * the user running and ready on the project with that image. A start the page or the hub refused,
 * or one that failed, leaves the record as it was; a start whose pod finished without becoming
 * ready (Failed: an image that does not run, an eviction) is over, and no longer "starting".
 */
import {
  projectId,
  projectIdOf,
  projectRepository,
  type LaunchProjectRequest,
  type LaunchProjectResponse,
  type PendingLaunch,
  type Project,
  type ProjectListResponse,
  type ProjectStorage,
} from "../../../contract/projects.ts";
import type { BuildSource } from "../../../contract/providers/catalog.ts";
import { HttpError } from "../errors.ts";
import type { Metrics } from "../metrics.ts";
import type { ProjectFolderRemover } from "./folder-removal.ts";
import { RemovalJobError } from "./removal-job.ts";
import { isLive, type RunningServers, type ServerOnProject } from "./running-servers.ts";
import { ProjectLimitError, usedOf, type ProjectStore } from "./store.ts";

/** How far the API server's clock (pods' creation) may be behind the companion's (requests). */
const CLOCK_SKEW_MS = 60_000;
/**
 * A pending start is this start only if its pod was created within this time of the request
 * (longer than the hub's start timeouts: KubeSpawner's 300 s default, basehub's 600 s); a later
 * pod with the same image is another start, not a confirmation of an abandoned one.
 */
const LAUNCH_WINDOW_MS = 15 * 60_000;
/**
 * How long after the request a start with no pod yet counts as "starting": the hub creates the
 * pod within seconds of the submit (after the options and the claim), and a refused start never.
 */
const NO_POD_GRACE_MS = 2 * 60_000;

function sameStorage(a: ProjectStorage | undefined, b: ProjectStorage): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function isPodOf(pending: PendingLaunch, server: ServerOnProject): boolean {
  if (server.createdAt === undefined) return false;
  const created = Date.parse(server.createdAt);
  const asked = Date.parse(pending.requested_at);
  return created >= asked - CLOCK_SKEW_MS && created <= asked + LAUNCH_WINDOW_MS;
}

/** The pods of the start `pending` asked for: on its project, created within its window. */
function podsOf(
  pending: PendingLaunch,
  project: Project,
  servers: readonly ServerOnProject[],
): ServerOnProject[] {
  return servers.filter((s) => s.projectId === project.id && isPodOf(pending, s));
}

/**
 * The record after seeing `servers` (the user's, on any project, finished pods included): storage,
 * starts, confirmations, and pending starts whose pods finished without starting.
 */
export function observed(project: Project, servers: readonly ServerOnProject[]): Project {
  let next = project;
  for (const server of servers) {
    if (server.projectId !== project.id || !isLive(server)) continue;
    if (server.storage !== undefined && !sameStorage(next.storage, server.storage))
      next = { ...next, storage: server.storage };
    if (server.state !== "started") continue;
    const at = server.startedAt ?? server.createdAt;
    if (
      at !== undefined &&
      (next.last_launched_at === undefined || Date.parse(at) > Date.parse(next.last_launched_at))
    )
      next = { ...next, last_launched_at: at };
    const pending = next.pending_launch;
    if (pending !== undefined && server.image === pending.image && isPodOf(pending, server)) {
      const confirmed: Project = { ...next };
      delete confirmed.pending_launch;
      delete confirmed.resolved_commit; // the previous start's
      next = {
        ...confirmed,
        ref: pending.ref,
        image: pending.image,
        profile_slug: pending.profile_slug,
        ...(pending.resolved_commit === undefined
          ? {}
          : { resolved_commit: pending.resolved_commit }),
      };
    }
  }
  const pending = next.pending_launch;
  if (pending !== undefined) {
    const pods = podsOf(pending, project, servers);
    if (pods.length > 0 && !pods.some(isLive)) {
      // The start's pod finished without starting: the start is over, the record as it was.
      const ended: Project = { ...next };
      delete ended.pending_launch;
      next = ended;
    }
  }
  return next;
}

/**
 * Whether a start is under way: its pod exists and has not started, or it is too early for one
 * (and no pod of it has finished).
 */
function isStarting(project: Project, servers: readonly ServerOnProject[], now: number): boolean {
  const pending = project.pending_launch;
  if (pending === undefined) return false;
  const pods = podsOf(pending, project, servers);
  if (pods.length > 0) return pods.some((s) => s.state === "starting");
  return now - Date.parse(pending.requested_at) < NO_POD_GRACE_MS;
}

export interface ProjectServiceOptions {
  store: ProjectStore;
  remover: ProjectFolderRemover;
  running: RunningServers;
  /** Most projects per user; 0 = no limit. */
  limit: number;
  now?: () => Date;
  /** Where reconcile problems are reported (they never fail a request). */
  onError?: (error: unknown, context: { user: string; id?: string }) => void;
  /** Counts launches and deletions (metrics.ts). */
  metrics?: Metrics | undefined;
}

/** A refusal the user can act on (4xx) or a failure of ours, for the metrics' outcome label. */
function failureOutcome(error: unknown): "refused" | "failed" {
  return error instanceof HttpError && error.statusCode < 500 ? "refused" : "failed";
}

/** Whose round of the sweep it is (a Lease in the cluster: kubernetes/leader-lease.ts). */
export interface SweepTurn {
  claim(): Promise<boolean>;
  release(): Promise<void>;
}

const EVERY_ROUND: SweepTurn = {
  claim: () => Promise.resolve(true),
  release: () => Promise.resolve(),
};

export type DeleteOutcome = { state: "deleting"; project: Project } | { state: "removed" };

export class ProjectService {
  readonly limit: number;
  private readonly store: ProjectStore;
  private readonly remover: ProjectFolderRemover;
  private readonly running: RunningServers;
  private readonly now: () => Date;
  private readonly onError: NonNullable<ProjectServiceOptions["onError"]>;
  private readonly metrics: Metrics | undefined;

  constructor(options: ProjectServiceOptions) {
    this.store = options.store;
    this.remover = options.remover;
    this.running = options.running;
    this.limit = options.limit;
    this.now = options.now ?? (() => new Date());
    this.onError = options.onError ?? (() => {});
    this.metrics = options.metrics;
  }

  async list(user: string): Promise<ProjectListResponse> {
    const [stored, servers] = await Promise.all([this.store.list(user), this.serversQuietly(user)]);
    let projects = stored;
    if (servers !== undefined && stored.some((p) => observed(p, servers) !== p)) {
      // What the pods say, as soon as the page looks (the sweep does it too).
      await this.observe(user, servers).catch((error: unknown) => this.onError(error, { user }));
      projects = await this.store.list(user);
    }
    if (projects.some((project) => project.state === "deleting")) {
      await Promise.all(
        projects.filter((p) => p.state === "deleting").map((p) => this.reconcileQuietly(user, p)),
      );
      projects = await this.store.list(user);
    }
    const now = this.now().getTime();
    return {
      user,
      projects,
      limit: this.limit,
      used: usedOf(projects),
      ...(servers
        ? {
            running_project_ids: [...new Set(servers.filter(isLive).map((s) => s.projectId))],
            starting_project_ids: projects
              .filter((p) => isStarting(p, servers, now))
              .map((p) => p.id),
          }
        : {}),
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

  /** Records a start the user asked for (see the header): the record, and `pending_launch`. */
  async launch(
    user: string,
    id: string,
    request: LaunchProjectRequest,
  ): Promise<LaunchProjectResponse> {
    try {
      const response = await this.record(user, id, request);
      this.metrics?.projectLaunches.inc({ outcome: "recorded" });
      return response;
    } catch (error) {
      this.metrics?.projectLaunches.inc({ outcome: failureOutcome(error) });
      throw error;
    }
  }

  private async record(
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
    const pending: PendingLaunch = {
      requested_at: now,
      ref: request.ref,
      ...(request.resolved_commit === undefined
        ? {}
        : { resolved_commit: request.resolved_commit }),
      image: request.image,
      profile_slug: request.profile_slug,
    };
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
          if (existing !== undefined) {
            // A failed deletion is given up: the user is back on the project.
            const kept: Project = { ...existing, state: "ready", pending_launch: pending };
            delete kept.deletion;
            return kept;
          }
          return {
            id,
            provider: normalised.provider,
            repository: normalised.repository,
            ref: pending.ref,
            ...(pending.resolved_commit === undefined
              ? {}
              : { resolved_commit: pending.resolved_commit }),
            image: pending.image,
            profile_slug: pending.profile_slug,
            display_name: request.display_name,
            created_at: now,
            pending_launch: pending,
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
    try {
      const outcome = await this.startDeleting(user, id, actor);
      this.metrics?.projectDeletions.inc({ outcome: outcome.state });
      return outcome;
    } catch (error) {
      this.metrics?.projectDeletions.inc({ outcome: failureOutcome(error) });
      throw error;
    }
  }

  private async startDeleting(user: string, id: string, actor: string): Promise<DeleteOutcome> {
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
    await this.observe(user, servers);
    if (servers.some((server) => server.projectId === id && isLive(server))) {
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

  /**
   * Writes what the user's pods say into the records that it changes (see `observed`); `projects`
   * is the user's records when the caller has just listed them.
   */
  private async observe(
    user: string,
    servers: readonly ServerOnProject[],
    projects?: readonly Project[],
  ): Promise<void> {
    for (const project of projects ?? (await this.store.list(user))) {
      if (observed(project, servers) === project) continue;
      await this.store.update(user, project.id, (current) => observed(current, servers));
    }
  }

  /**
   * Local mode: its demo hub accepted a start on the project. It runs no server, so there is no pod
   * to see; the accepted form stands for a server that started now on `image`.
   */
  async recordDemoStart(user: string, projectId: string, image: string | undefined): Promise<void> {
    const at = this.now().toISOString();
    const server: ServerOnProject = {
      user,
      projectId,
      storage: undefined,
      state: "started",
      startedAt: at,
      createdAt: at,
      image,
    };
    await this.observe(user, [server]);
  }

  /**
   * One background pass: what every project pod says, then every deletion moved on. Two lists
   * (pods, records) and writes only where something changed.
   */
  async sweep(): Promise<void> {
    const [servers, records] = await Promise.all([this.running.all(), this.store.all()]);
    const byUser = new Map<string, ServerOnProject[]>();
    for (const server of servers)
      byUser.set(server.user, [...(byUser.get(server.user) ?? []), server]);
    for (const [user, userServers] of byUser) {
      try {
        await this.observe(user, userServers, records.get(user) ?? []);
      } catch (error) {
        this.onError(error, { user });
      }
    }
    for (const [user, projects] of records) {
      for (const project of projects.filter((p) => p.state === "deleting"))
        await this.reconcileQuietly(user, project);
    }
  }

  /**
   * Runs `sweep` every `intervalMs`, on the rounds `turn` says are this replica's (one replica
   * sweeps), until the returned function is called; it gives the turn up.
   */
  startSweeping(intervalMs: number, turn: SweepTurn = EVERY_ROUND): () => Promise<void> {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      turn
        .claim()
        .then((mine) => (mine ? this.sweep() : undefined))
        .catch((error: unknown) => this.onError(error, { user: "*" }))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await turn.release().catch((error: unknown) => this.onError(error, { user: "*" }));
    };
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
