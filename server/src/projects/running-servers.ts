/**
 * Which projects a user's servers are running on, and where their files live, read from the
 * user's pods: KubeSpawner 7.1 labels them `component=singleuser-server` and
 * `hub.jupyter.org/username=<safe_slug(name)>` and annotates `hub.jupyter.org/username=<name>`
 * (`_build_common_labels`, `_build_pod_labels`, `_build_common_annotations`:
 * https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L2219-L2253, and the
 * component label, #L650-L651 there); the hub glue adds the POD_ANNOTATIONS of kubernetes/metadata.ts.
 */
import {
  ProjectStorageSchema,
  PROJECT_ID_PATTERN,
  type ProjectStorage,
} from "../../../contract/projects.ts";
import type { KubernetesClient, Pod } from "../kubernetes/client.ts";
import { isValidLabelValue, POD_ANNOTATIONS } from "../kubernetes/metadata.ts";

export interface ServerOnProject {
  user: string;
  projectId: string;
  /** Undefined when the glue's annotations are missing or not valid. */
  storage: ProjectStorage | undefined;
}

export interface RunningServers {
  /** The user's servers (every named server) that run on a project. */
  forUser(user: string): Promise<ServerOnProject[]>;
  /** Every server on a project, for the background sweep that records storage. */
  all(): Promise<ServerOnProject[]>;
}

export const KUBESPAWNER_USER_ANNOTATION = "hub.jupyter.org/username";
export const KUBESPAWNER_USER_LABEL = "hub.jupyter.org/username";
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

function serverOf(pod: Pod): ServerOnProject | undefined {
  const annotations = pod.metadata?.annotations ?? {};
  const user = annotations[KUBESPAWNER_USER_ANNOTATION];
  const projectId = annotations[POD_ANNOTATIONS.projectId];
  if (user === undefined || projectId === undefined || !PROJECT_ID_PATTERN.test(projectId))
    return undefined;
  // A finished pod no longer holds the folder.
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return undefined;
  return { user, projectId, storage: storageFromPod(pod) };
}

export class KubernetesRunningServers implements RunningServers {
  private readonly kube: KubernetesClient;
  private readonly namespace: string;

  constructor(kube: KubernetesClient, namespace: string) {
    this.kube = kube;
    this.namespace = namespace;
  }

  async forUser(user: string): Promise<ServerOnProject[]> {
    const pods = await userPods(this.kube, this.namespace, user);
    return pods.flatMap((pod) => serverOf(pod) ?? []);
  }

  async all(): Promise<ServerOnProject[]> {
    const pods = await this.kube.listPods(this.namespace, SINGLEUSER_SELECTOR);
    return pods.flatMap((pod) => serverOf(pod) ?? []);
  }
}

/**
 * The user's server pods, whatever they run on (KubeSpawner's labels, then the exact name).
 * KubeSpawner's `safe_slug(name, is_valid=is_valid_label)` keeps a name that already is a valid
 * label value (kubespawner/slugs.py `is_valid_label`); other names are slugged and hashed, and we
 * then select on the component only and filter by the exact annotation.
 */
async function userPods(kube: KubernetesClient, namespace: string, user: string): Promise<Pod[]> {
  const selector = isValidLabelValue(user)
    ? `${SINGLEUSER_SELECTOR},${KUBESPAWNER_USER_LABEL}=${user}`
    : SINGLEUSER_SELECTOR;
  const pods = await kube.listPods(namespace, selector);
  return pods.filter((pod) => pod.metadata?.annotations?.[KUBESPAWNER_USER_ANNOTATION] === user);
}

/**
 * The nodes the user's live servers run on. A ReadWriteOnce home volume is attached to that node,
 * and a second pod (the removal Job) can mount it only there.
 */
export async function nodesOfRunningServers(
  kube: KubernetesClient,
  namespace: string,
  user: string,
): Promise<string[]> {
  const pods = await userPods(kube, namespace, user);
  const nodes = pods
    .filter((pod) => pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed")
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
