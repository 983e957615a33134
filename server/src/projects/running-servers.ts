/**
 * Which projects a user's servers run on, whether they have started (or finished without), and
 * where their files live, read from users' pods.
 *
 * Project pods are found by the labels the hub glue puts on every pod it narrows to a project
 * (`projectPodSelector` in kubernetes/metadata.ts), after the admin's hooks — never by
 * KubeSpawner's `hub.jupyter.org/username` label, which KubeSpawner 6 escaped
 * (https://github.com/jupyterhub/kubespawner/blob/6.2.0/kubespawner/spawner.py#L1853-L1863), 7.1
 * slugs and hashes (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L2219-L2229)
 * and admins' hooks change or drop. The glue's annotations (POD_ANNOTATIONS) say whose pod it is
 * and where the files are.
 *
 * Servers a glue of Launchpad 0.1.0 started (before the hub was restarted onto this release's glue)
 * have the annotations but not the labels; a delete looks for them too (`withLegacy`), by
 * KubeSpawner's component label and the user's name in its annotation, as 0.1.0 did.
 */
import {
  ProjectStorageSchema,
  PROJECT_ID_PATTERN,
  type ProjectStorage,
} from "../../../contract/projects.ts";
import type { KubernetesClient, Pod } from "../kubernetes/client.ts";
import {
  isValidLabelValue,
  labelHash,
  LABELS,
  POD_ANNOTATIONS,
  projectPodSelector,
} from "../kubernetes/metadata.ts";

export interface ServerOnProject {
  user: string;
  projectId: string;
  /** Undefined when the glue's annotations are missing or not valid. */
  storage: ProjectStorage | undefined;
  /**
   * "started": the pod runs and is ready, the user's server has started on the project;
   * "starting": not yet; "finished": the pod has Succeeded or Failed (a start that never became
   * ready, or a server that exited). Both phases are terminal
   * (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase): the pod holds
   * no folder and never runs again, although KubeSpawner 7.1 waits out its start_timeout on it
   * before the hub's stop deletes it
   * (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3348-L3354).
   */
  state: "starting" | "started" | "finished";
  /** When it became ready (its Ready condition's transition), when it has. */
  startedAt: string | undefined;
  /** When the pod was created (the API server's clock). */
  createdAt: string | undefined;
  /** The notebook container's image. */
  image: string | undefined;
}

export interface RunningServers {
  /**
   * The user's servers (every named server) on a project, finished pods included (`isLive` tells
   * them apart). `withLegacy` adds those a glue of Launchpad 0.1.0 started, for the checks that
   * must not miss one (delete). Throws when the pods cannot be read.
   */
  forUser(user: string, options?: { withLegacy?: boolean }): Promise<ServerOnProject[]>;
  /** Every server on a project, finished pods included, for the background sweep. */
  all(): Promise<ServerOnProject[]>;
}

/** The server's pod has not finished: it holds the project's folder. */
export function isLive(server: ServerOnProject): boolean {
  return server.state !== "finished";
}

/** KubeSpawner's annotation with the user's exact name (spawner.py#L2244-L2246 at 7.1.0). */
export const KUBESPAWNER_USER_ANNOTATION = "hub.jupyter.org/username";
/** KubeSpawner's pod labels (spawner.py#L2219-L2242 at 7.1.0): what Launchpad 0.1.0 selected on. */
const KUBESPAWNER_USER_LABEL = "hub.jupyter.org/username";
const SINGLEUSER_SELECTOR = "component=singleuser-server";

export function storageFromPod(pod: Pod): ProjectStorage | undefined {
  const annotations = pod.metadata?.annotations ?? {};
  const volumeText = annotations[POD_ANNOTATIONS.homeVolume];
  const subPath = annotations[POD_ANNOTATIONS.homeSubPath];
  const mountPath = annotations[POD_ANNOTATIONS.homeMountPath];
  if (volumeText === undefined || subPath === undefined || mountPath === undefined)
    return undefined;
  let volume: unknown;
  try {
    volume = JSON.parse(volumeText);
  } catch {
    return undefined;
  }
  const id = (key: string): number | undefined => {
    const text = annotations[key];
    return text !== undefined && /^\d{1,10}$/.test(text) ? Number(text) : undefined;
  };
  const uid = id(POD_ANNOTATIONS.runAsUid);
  const gid = id(POD_ANNOTATIONS.runAsGid);
  const parsed = ProjectStorageSchema.safeParse({
    volume,
    sub_path: subPath,
    mount_path: mountPath,
    ...(uid === undefined ? {} : { run_as_uid: uid }),
    ...(gid === undefined ? {} : { run_as_gid: gid }),
  });
  return parsed.success ? parsed.data : undefined;
}

/** A finished pod no longer holds the folder. */
function isLivePod(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

function timeOf(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** `user`: whose server it is, as the pod says (the glue's annotation, or KubeSpawner's for 0.1.0). */
function serverOf(pod: Pod, user: string): ServerOnProject | undefined {
  const projectId = pod.metadata?.annotations?.[POD_ANNOTATIONS.projectId];
  if (projectId === undefined || !PROJECT_ID_PATTERN.test(projectId)) return undefined;
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
  const started = pod.status?.phase === "Running" && ready?.status === "True";
  return {
    user,
    projectId,
    storage: storageFromPod(pod),
    state: started ? "started" : isLivePod(pod) ? "starting" : "finished",
    startedAt: started ? timeOf(ready.lastTransitionTime) : undefined,
    createdAt: timeOf(pod.metadata?.creationTimestamp),
    image: pod.spec?.containers[0]?.image,
  };
}

/** The user a labelled project pod belongs to: its annotation, if the label agrees. */
function labelledUser(pod: Pod): string | undefined {
  const user = pod.metadata?.annotations?.[POD_ANNOTATIONS.user];
  return user !== undefined && pod.metadata?.labels?.[LABELS.user] === labelHash(user)
    ? user
    : undefined;
}

/** KubeSpawner's selector for the user's server pods (exact when the name is a label value). */
function kubespawnerSelector(user: string): string {
  return isValidLabelValue(user)
    ? `${SINGLEUSER_SELECTOR},${KUBESPAWNER_USER_LABEL}=${user}`
    : SINGLEUSER_SELECTOR;
}

function kubespawnerUserPods(pods: Pod[], user: string): Pod[] {
  return pods.filter((pod) => pod.metadata?.annotations?.[KUBESPAWNER_USER_ANNOTATION] === user);
}

export class KubernetesRunningServers implements RunningServers {
  private readonly kube: KubernetesClient;
  private readonly namespace: string;

  constructor(kube: KubernetesClient, namespace: string) {
    this.kube = kube;
    this.namespace = namespace;
  }

  async forUser(user: string, options: { withLegacy?: boolean } = {}): Promise<ServerOnProject[]> {
    const [labelled, legacy] = await Promise.all([
      this.kube.listPods(this.namespace, projectPodSelector(user)),
      options.withLegacy
        ? this.kube.listPods(this.namespace, kubespawnerSelector(user))
        : Promise.resolve([]),
    ]);
    const servers = labelled.flatMap((pod) =>
      labelledUser(pod) === user ? (serverOf(pod, user) ?? []) : [],
    );
    const unlabelled = kubespawnerUserPods(legacy, user).filter(
      (pod) => pod.metadata?.labels?.[LABELS.user] === undefined,
    );
    return [...servers, ...unlabelled.flatMap((pod) => serverOf(pod, user) ?? [])];
  }

  async all(): Promise<ServerOnProject[]> {
    const pods = await this.kube.listPods(this.namespace, projectPodSelector());
    return pods.flatMap((pod) => {
      const user = labelledUser(pod);
      return user === undefined ? [] : (serverOf(pod, user) ?? []);
    });
  }
}

/**
 * The nodes the user's live servers run on, on a project or not. A ReadWriteOnce home volume is
 * attached to that node, and a second pod (the removal Job) can mount it only there. Servers not
 * on a project carry only KubeSpawner's labels, so those are read too.
 */
export async function nodesOfRunningServers(
  kube: KubernetesClient,
  namespace: string,
  user: string,
): Promise<string[]> {
  const [labelled, kubespawner] = await Promise.all([
    kube.listPods(namespace, projectPodSelector(user)),
    kube.listPods(namespace, kubespawnerSelector(user)),
  ]);
  const pods = [
    ...labelled.filter((pod) => labelledUser(pod) === user),
    ...kubespawnerUserPods(kubespawner, user),
  ];
  const nodes = pods
    .filter(isLivePod)
    .flatMap((pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []));
  return [...new Set(nodes)];
}

/** Local mode has no pods; the demo hub starts nothing that holds a folder open. */
export class NoRunningServers implements RunningServers {
  forUser(): Promise<ServerOnProject[]> {
    return Promise.resolve([]);
  }
  all(): Promise<ServerOnProject[]> {
    return Promise.resolve([]);
  }
}
