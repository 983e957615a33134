/**
 * The Kubernetes Job that removes one project folder, `<home root>/projects/<id>`, from the volume
 * and subPath a real pod of the user had (recorded by the hub glue), running as the notebook user.
 */
import type { V1Affinity, V1Job, V1Toleration } from "@kubernetes/client-node";

import { PROJECT_ID_PATTERN, type ProjectStorage } from "../../../contract/projects.ts";
import { sha256Hex } from "../../../contract/sha256.ts";
import { ANNOTATIONS, COMPONENTS, launchpadLabels } from "../kubernetes/metadata.ts";

export const HOME_ROOT = "/home-root";

export interface RemovalJobSettings {
  namespace: string;
  /** Any image with a POSIX `sh` and `rm`, e.g. a pinned busybox. */
  image: string;
  imagePullPolicy?: string;
  /** Used when the pod did not record a uid/gid (z2jh's default notebook user is 1000:100). */
  defaultUid?: number;
  defaultGid?: number;
  /** Scheduling of the user nodes, so the Job can reach node-local or zone-bound volumes. */
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
  ttlSecondsAfterFinished?: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
}

/** Deterministic, so a delete retried after a companion restart finds the same Job. */
export function removalJobName(user: string, id: string): string {
  return `launchpad-rm-${sha256Hex(`${user}\n${id}`).slice(0, 20)}`;
}

/**
 * The shell script: checks the id again (the same rule as PROJECT_ID_PATTERN, as a `case`
 * pattern), refuses when `projects` is not a plain directory (a symlink could point elsewhere),
 * then `rm -rf --` exactly one path. A symlink at `projects/<id>` is removed itself, never
 * followed (rm does not follow a symlink operand). A missing folder is success: deleting twice is
 * the same as once.
 */
export const REMOVAL_SCRIPT = `set -eu
case "$PROJECT_ID" in
  "" | -* | *- | *[!a-z0-9-]*) echo "refusing: invalid project id" >&2; exit 2 ;;
esac
if [ "\${#PROJECT_ID}" -gt 80 ]; then echo "refusing: project id too long" >&2; exit 2; fi
root="${HOME_ROOT}"
if [ ! -d "$root" ] || [ -L "$root" ]; then echo "refusing: the home root is not mounted" >&2; exit 3; fi
if [ -L "$root/projects" ]; then echo "refusing: $root/projects is a symlink" >&2; exit 3; fi
if [ ! -e "$root/projects" ]; then echo "nothing to remove"; exit 0; fi
if [ ! -d "$root/projects" ]; then echo "refusing: $root/projects is not a directory" >&2; exit 3; fi
target="$root/projects/$PROJECT_ID"
if [ ! -e "$target" ] && [ ! -L "$target" ]; then echo "nothing to remove"; exit 0; fi
rm -rf -- "$target"
echo "removed projects/$PROJECT_ID"
`;

export class RemovalJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RemovalJobError";
  }
}

/**
 * Requires the node named `node` on top of the admin's affinity: every required node selector
 * term also has to match that node's name (terms are ORed, their fields ANDed).
 */
export function pinToNode(affinity: V1Affinity | undefined, node: string): V1Affinity {
  const field = { key: "metadata.name", operator: "In", values: [node] };
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms ?? [{}];
  return {
    ...affinity,
    nodeAffinity: {
      ...affinity?.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((term) => ({
          ...term,
          matchFields: [...(term.matchFields ?? []), field],
        })),
      },
    },
  };
}

export function buildRemovalJob(
  user: string,
  id: string,
  storage: ProjectStorage,
  settings: RemovalJobSettings,
  /**
   * The node of the user's running server, when there is exactly one: a claim that is
   * ReadWriteOnce is attached there, so the Job must run there too (harmless for ReadWriteMany).
   */
  serverNode?: string,
): V1Job {
  if (!PROJECT_ID_PATTERN.test(id))
    throw new RemovalJobError(`invalid project id ${JSON.stringify(id)}`);
  const volumeKinds = Object.keys(storage.volume);
  if (volumeKinds.length !== 1 || volumeKinds[0] === "name") {
    throw new RemovalJobError("the recorded home volume must be exactly one volume source");
  }
  const uid = storage.run_as_uid ?? settings.defaultUid ?? 1000;
  const gid = storage.run_as_gid ?? settings.defaultGid ?? 100;
  if (uid === 0)
    throw new RemovalJobError("the notebook user is root; refusing to run the removal as root");
  if (storage.sub_path.split("/").includes("..") || storage.sub_path.startsWith("/")) {
    throw new RemovalJobError("the recorded subPath is not a relative path");
  }

  const name = removalJobName(user, id);
  const labels = launchpadLabels(COMPONENTS.projectRemoval, { user, project: id });
  const annotations = { [ANNOTATIONS.user]: user, [ANNOTATIONS.projectId]: id };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: settings.namespace, labels, annotations },
    spec: {
      backoffLimit: settings.backoffLimit ?? 2,
      activeDeadlineSeconds: settings.activeDeadlineSeconds ?? 600,
      // Long enough for the reconciler to read the outcome; a vanished Job is simply re-created.
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished ?? 3600,
      template: {
        metadata: { labels, annotations },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsUser: uid,
            runAsGroup: gid,
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
            // No fsGroup: it would make the kubelet chown the whole volume.
          },
          ...(settings.nodeSelector ? { nodeSelector: settings.nodeSelector } : {}),
          ...(settings.tolerations ? { tolerations: settings.tolerations } : {}),
          ...(serverNode !== undefined && "persistentVolumeClaim" in storage.volume
            ? { affinity: pinToNode(settings.affinity, serverNode) }
            : settings.affinity
              ? { affinity: settings.affinity }
              : {}),
          volumes: [{ ...storage.volume, name: "home" }],
          containers: [
            {
              name: "remove-project",
              image: settings.image,
              ...(settings.imagePullPolicy ? { imagePullPolicy: settings.imagePullPolicy } : {}),
              command: ["/bin/sh", "-c", REMOVAL_SCRIPT],
              env: [
                { name: "PROJECT_ID", value: id },
                { name: "LC_ALL", value: "C" },
              ],
              volumeMounts: [
                {
                  name: "home",
                  mountPath: HOME_ROOT,
                  ...(storage.sub_path === "" ? {} : { subPath: storage.sub_path }),
                },
              ],
              securityContext: {
                runAsUser: uid,
                runAsGroup: gid,
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              resources: {
                requests: { cpu: "10m", memory: "16Mi" },
                limits: { memory: "64Mi" },
              },
            },
          ],
        },
      },
    },
  };
}
