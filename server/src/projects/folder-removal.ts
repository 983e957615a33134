/**
 * Removing a project's folder: a Kubernetes Job in the cluster, a direct `rm` in local mode. Both
 * are idempotent and keep their progress outside the process (the Job, the folder itself), so a
 * companion restarted half-way picks up where it was.
 */
import { lstat, mkdir, realpath, rm } from "node:fs/promises";
import { join, relative, sep, isAbsolute } from "node:path";

import { PROJECT_ID_PATTERN, type Project } from "../../../contract/projects.ts";
import { isKubernetesError, type Job, type KubernetesClient } from "../kubernetes/client.ts";
import { ANNOTATIONS } from "../kubernetes/metadata.ts";
import { nodesOfRunningServers } from "./running-servers.ts";
import {
  buildRemovalJob,
  removalJobName,
  RemovalJobError,
  type RemovalJobSettings,
} from "./removal-job.ts";

export type RemovalStatus =
  | { state: "running" }
  | { state: "succeeded" }
  | { state: "failed"; message: string }
  /** No removal under way for this deletion request (never started, or its Job expired). */
  | { state: "missing" };

export interface ProjectFolderRemover {
  /** Whether a removal needs the recorded storage (the cluster does; local mode knows its folder). */
  readonly needsStorage: boolean;
  /** Starts removing `projects/<id>` for the project's current deletion request; idempotent. */
  start(user: string, project: Project): Promise<{ jobName?: string }>;
  status(user: string, project: Project): Promise<RemovalStatus>;
  /** Cleans up after the record is gone (so a later project with the same id starts afresh). */
  finish(user: string, project: Project): Promise<void>;
}

export class KubernetesFolderRemover implements ProjectFolderRemover {
  readonly needsStorage = true;
  private readonly kube: KubernetesClient;
  private readonly settings: RemovalJobSettings;

  constructor(kube: KubernetesClient, settings: RemovalJobSettings) {
    this.kube = kube;
    this.settings = settings;
  }

  private async manifest(user: string, project: Project): Promise<Job> {
    if (project.storage === undefined)
      throw new RemovalJobError("where this project's files live is not known yet");
    const nodes = await nodesOfRunningServers(this.kube, this.settings.namespace, user);
    const job = buildRemovalJob(
      user,
      project.id,
      project.storage,
      this.settings,
      nodes.length === 1 ? nodes[0] : undefined,
    );
    const requestedAt = project.deletion?.requested_at ?? "";
    job.metadata!.annotations = {
      ...job.metadata!.annotations,
      [ANNOTATIONS.deletionRequestedAt]: requestedAt,
    };
    return job;
  }

  async start(user: string, project: Project): Promise<{ jobName?: string }> {
    const job = await this.manifest(user, project);
    const name = job.metadata!.name!;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.kube.createJob(this.settings.namespace, job);
        return { jobName: name };
      } catch (error) {
        if (!isKubernetesError(error, 409)) throw error;
      }
      // AlreadyExists: ours (a retried request, or a restart half-way) unless it is a finished
      // Job of an earlier deletion of a project with the same id — then replace it.
      let existing: Job;
      try {
        existing = await this.kube.readJob(this.settings.namespace, name);
      } catch (error) {
        if (isKubernetesError(error, 404)) continue;
        throw error;
      }
      const sameRequest =
        existing.metadata?.annotations?.[ANNOTATIONS.deletionRequestedAt] ===
        project.deletion?.requested_at;
      if (sameRequest || jobOutcome(existing) === undefined) return { jobName: name };
      await this.deleteJob(name);
    }
    throw new RemovalJobError(`could not create removal Job ${name}`);
  }

  async status(user: string, project: Project): Promise<RemovalStatus> {
    let job: Job;
    try {
      job = await this.kube.readJob(this.settings.namespace, removalJobName(user, project.id));
    } catch (error) {
      if (isKubernetesError(error, 404)) return { state: "missing" };
      throw error;
    }
    const outcome = jobOutcome(job);
    const sameRequest =
      job.metadata?.annotations?.[ANNOTATIONS.deletionRequestedAt] ===
      project.deletion?.requested_at;
    if (!sameRequest) return outcome === undefined ? { state: "running" } : { state: "missing" };
    return outcome ?? { state: "running" };
  }

  async finish(user: string, project: Project): Promise<void> {
    await this.deleteJob(removalJobName(user, project.id));
  }

  private async deleteJob(name: string): Promise<void> {
    try {
      await this.kube.deleteJob(this.settings.namespace, name);
    } catch (error) {
      if (!isKubernetesError(error, 404)) throw error;
    }
  }
}

/** A Job's end state from its conditions (batch/v1 JobCondition `Complete` / `Failed`). */
export function jobOutcome(
  job: Job,
): { state: "succeeded" } | { state: "failed"; message: string } | undefined {
  const conditions = job.status?.conditions ?? [];
  if (
    conditions.some((c) => c.type === "Complete" && c.status === "True") ||
    (job.status?.succeeded ?? 0) > 0
  ) {
    return { state: "succeeded" };
  }
  const failed = conditions.find((c) => c.type === "Failed" && c.status === "True");
  if (failed)
    return {
      state: "failed",
      message: failed.message ?? failed.reason ?? "the removal Job failed",
    };
  return undefined;
}

/** A user name usable as one path segment of the local homes folder. */
const LOCAL_USER_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9._@-]{1,128}$/;

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/**
 * Local mode's folder for a project's files, `<localDataDir>/homes/<user>/projects/<id>`: the
 * demo hub mounts it, LocalFolderRemover removes it.
 */
export function localProjectDir(localDataDir: string, user: string, id: string): string {
  if (!LOCAL_USER_SEGMENT.test(user))
    throw new RemovalJobError("this user name cannot name a local folder");
  if (!PROJECT_ID_PATTERN.test(id))
    throw new RemovalJobError(`invalid project id ${JSON.stringify(id)}`);
  return join(localDataDir, "homes", user, "projects", id);
}

/**
 * Local mode: `<localDataDir>/homes/<user>/projects/<id>` is removed in place, after the same id
 * check and a realpath check that `projects` really is inside the user's home (a symlinked
 * `projects` is refused; a symlinked project folder is removed as a link, never followed).
 */
export class LocalFolderRemover implements ProjectFolderRemover {
  readonly needsStorage = false;
  private readonly localDataDir: string;
  private readonly homesDir: string;

  constructor(localDataDir: string) {
    this.localDataDir = localDataDir;
    this.homesDir = join(localDataDir, "homes");
  }

  async start(user: string, project: Project): Promise<{ jobName?: string }> {
    await this.removeProjectFolder(user, project.id);
    return {};
  }

  async removeProjectFolder(user: string, id: string): Promise<void> {
    const target = localProjectDir(this.localDataDir, user, id);
    const home = join(this.homesDir, user);
    const projects = join(home, "projects");
    let projectsStat;
    try {
      projectsStat = await lstat(projects);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    if (projectsStat.isSymbolicLink() || !projectsStat.isDirectory()) {
      throw new RemovalJobError(
        `${projects} is not a plain directory; refusing to remove anything`,
      );
    }
    const [realHome, realProjects] = await Promise.all([realpath(home), realpath(projects)]);
    if (!isInside(realHome, realProjects))
      throw new RemovalJobError(`${projects} leads outside the user's home`);
    // rm does not follow a symlink at `target`: it removes the link itself.
    await rm(target, { recursive: true, force: true });
  }

  async status(user: string, project: Project): Promise<RemovalStatus> {
    try {
      await lstat(localProjectDir(this.localDataDir, user, project.id));
      return { state: "missing" };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { state: "succeeded" };
      throw error;
    }
  }

  async finish(): Promise<void> {}
}

/** Creates a project's local folder: the demo hub's stand-in for the glue's seed init container. */
export async function createLocalProjectFolder(
  localDataDir: string,
  user: string,
  id: string,
): Promise<string> {
  const dir = localProjectDir(localDataDir, user, id);
  await mkdir(dir, { recursive: true });
  return dir;
}
