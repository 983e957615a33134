/**
 * The tests' node: plays, for the real API server of control-plane.ts, the parts of a cluster that
 * are not the API server — the scheduler, the kubelet, the Job controller and the garbage
 * collector — as far as Launchpad's tests need them, and through the API only, as those components
 * do (binding and status subresources, deletes with preconditions).
 *
 * - Scheduler: binds a pending pod of the watched namespaces to its one node (`pods/binding`) when
 *   the pod's nodeSelector and required node affinity match the node (labels, `metadata.name`);
 *   a pod that does not fit stays Pending, as with a real scheduler.
 * - Kubelet: marks a bound pod Running with a loopback pod IP (`pods/status`) after `onPodStart`
 *   (e2e starts the stand-in single-user server there); runs a Job pod's container command on this
 *   machine, as the container's user, with each volume mount's path that the command names replaced
 *   by the host folder `volumeDir` gives for the volume (plus its subPath) — the one liberty it
 *   takes, since there are no containers here — and marks the pod Succeeded or Failed with the
 *   exit code;
 *   finishes a graceful delete (a pod with a `deletionTimestamp`) by stopping what runs for it and
 *   deleting it with grace period 0 and its uid as precondition, as the kubelet's status manager
 *   does.
 * - Job controller: creates a Job's pod from its template (the labels and owner reference the
 *   controller sets), and sets the Job's status from its pods: `active`, `succeeded`, `failed`,
 *   and the terminal conditions (`SuccessCriteriaMet` + `Complete`, or `FailureTarget` + `Failed`
 *   once `backoffLimit` is exceeded), as batch/v1 requires them.
 * - Garbage collector: deletes a Job's pods once the Job is gone.
 * Not played: activeDeadlineSeconds, ttlSecondsAfterFinished, resource limits, probes, images.
 *
 * It reconciles by polling lists (every `intervalMs`), so it never misses a change.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import type { V1Container, V1Job, V1Pod, V1Volume } from "@kubernetes/client-node";

import { statusOf, type TestCluster } from "./cluster.ts";

export const TEST_NODE = "launchpad-test-node";

/** Something the kubelet runs for a pod, stopped when the pod is deleted. */
export interface PodProcess {
  stop(): Promise<void>;
}

export interface TestKubeletOptions {
  cluster: TestCluster;
  namespaces: readonly string[];
  /**
   * Called once for each non-Job pod bound here, before it is marked Running. What it returns is
   * stopped when the pod is deleted; throwing marks the pod Failed.
   */
  onPodStart?: (pod: V1Pod) => Promise<PodProcess | undefined>;
  /** The host folder a pod volume stands for (Job pods); undefined fails the pod. */
  volumeDir?: (namespace: string, volume: V1Volume) => string | undefined;
  /** Default 127.0.0.1. */
  podIP?: string;
  /**
   * The node's labels (default `kubernetes.io/hostname` = its name): the scheduler binds a pod
   * only where its nodeSelector and required node affinity match, else it stays Pending.
   */
  nodeLabels?: Record<string, string>;
  intervalMs?: number;
  onError?: (error: unknown, what: string) => void;
}

const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";

/**
 * Host folders for volumes under `root` (which pods' users must be able to traverse): a claim →
 * `<namespace>/pvc/<claim>`, NFS → `nfs/<server>/<path>`, a hostPath → its path.
 */
export function volumeDirsUnder(root: string): (namespace: string, volume: V1Volume) => string {
  return (namespace, volume) => {
    if (volume.persistentVolumeClaim)
      return join(root, namespace, "pvc", volume.persistentVolumeClaim.claimName);
    if (volume.nfs) return join(root, "nfs", volume.nfs.server, volume.nfs.path);
    if (volume.hostPath) return volume.hostPath.path;
    throw new Error(`the test kubelet has no folder for volume ${JSON.stringify(volume)}`);
  };
}

type Requirement = { key: string; operator: string; values?: string[] };

function requirementHolds(requirement: Requirement, value: string | undefined): boolean {
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    default:
      return false;
  }
}

/** Whether `pod` may run on the node (kube-scheduler's NodeAffinity filter, required part only). */
export function fitsNode(pod: V1Pod, node: string, labels: Record<string, string>): boolean {
  const selector = pod.spec?.nodeSelector ?? {};
  if (Object.entries(selector).some(([key, value]) => labels[key] !== value)) return false;
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms;
  if (!terms) return true;
  // Terms are ORed; a term's expressions and fields are ANDed.
  return terms.some(
    (term) =>
      (term.matchExpressions ?? []).every((r) => requirementHolds(r, labels[r.key])) &&
      (term.matchFields ?? []).every((r) =>
        requirementHolds(r, r.key === "metadata.name" ? node : undefined),
      ),
  );
}

function now(): Date {
  return new Date();
}

/** A container's command with each mount path replaced by its host folder. */
function hostCommand(
  pod: V1Pod,
  container: V1Container,
  volumeDir: (namespace: string, volume: V1Volume) => string | undefined,
): string[] {
  let words = [...(container.command ?? []), ...(container.args ?? [])];
  const volumes = pod.spec?.volumes ?? [];
  for (const mount of container.volumeMounts ?? []) {
    // Mounts the command never names (the ServiceAccount token admission adds) need no folder.
    if (!words.some((word) => word.includes(mount.mountPath))) continue;
    const volume = volumes.find((v) => v.name === mount.name);
    const dir = volume && volumeDir(pod.metadata?.namespace ?? "", volume);
    if (!dir) throw new Error(`no host folder for volume ${mount.name}`);
    const host = mount.subPath ? join(dir, mount.subPath) : dir;
    // The kubelet creates a missing subPath folder (as root) before it mounts it.
    mkdirSync(host, { recursive: true });
    words = words.map((word) => word.split(mount.mountPath).join(host));
  }
  if (words.length === 0) throw new Error(`container ${container.name} has no command`);
  return words;
}

export class TestKubelet {
  private readonly options: TestKubeletOptions;
  private readonly cluster: TestCluster;
  private readonly running = new Map<string, PodProcess | ChildProcess | undefined>();
  private readonly exits = new Map<string, number>();
  /** What a Job pod's command printed (stdout and stderr, the last 16 KiB), by namespace/name. */
  private readonly output = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();
  private closed = false;
  private paused = false;

  constructor(options: TestKubeletOptions) {
    this.options = options;
    this.cluster = options.cluster;
  }

  start(): this {
    const tick = () => {
      if (this.closed) return;
      this.pass = (this.paused ? Promise.resolve() : this.reconcile())
        .catch((error: unknown) => this.options.onError?.(error, "reconcile"))
        .finally(() => {
          if (!this.closed) this.timer = setTimeout(tick, this.options.intervalMs ?? 100);
        });
    };
    tick();
    return this;
  }

  /** The node goes dark: nothing is scheduled, run or finished until `resume()`. */
  async pause(): Promise<void> {
    this.paused = true;
    await this.pass;
  }

  resume(): void {
    this.paused = false;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.pass;
    for (const [, process] of this.running) await stopProcess(process);
    this.running.clear();
  }

  /** What the Job pod `namespace/name` printed, as `kubectl logs` would show it. */
  logs(namespace: string, name: string): string | undefined {
    return this.output.get(`${namespace}/${name}`);
  }

  /** One pass over every watched namespace: Jobs first (they make pods), then pods. */
  async reconcile(): Promise<void> {
    for (const namespace of this.options.namespaces) {
      const jobs = (await this.cluster.batch.listNamespacedJob({ namespace })).items;
      let pods = (await this.cluster.core.listNamespacedPod({ namespace })).items;
      for (const job of jobs) await this.reconcileJob(job, pods);
      pods = (await this.cluster.core.listNamespacedPod({ namespace })).items;
      const jobUids = new Set(jobs.map((j) => j.metadata?.uid));
      for (const pod of pods) {
        const owner = pod.metadata?.ownerReferences?.find((o) => o.kind === "Job");
        if (owner && !jobUids.has(owner.uid) && !pod.metadata?.deletionTimestamp) {
          await this.ignoreGone(
            this.cluster.core.deleteNamespacedPod({
              namespace,
              name: pod.metadata!.name!,
              body: { preconditions: { uid: pod.metadata!.uid! } },
            }),
          );
          continue;
        }
        await this.reconcilePod(pod);
      }
    }
  }

  private async ignoreGone(call: Promise<unknown>): Promise<void> {
    try {
      await call;
    } catch (error) {
      // Deleted or changed in between: the next pass sees the new state.
      if (statusOf(error) !== 404 && statusOf(error) !== 409) throw error;
    }
  }

  private async reconcilePod(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    const uid = pod.metadata!.uid!;
    if (pod.metadata?.deletionTimestamp) {
      await stopProcess(this.running.get(uid));
      this.running.delete(uid);
      await this.ignoreGone(
        this.cluster.core.deleteNamespacedPod({
          namespace,
          name,
          body: { gracePeriodSeconds: 0, preconditions: { uid } },
        }),
      );
      return;
    }
    if (!pod.spec?.nodeName) {
      const labels = this.options.nodeLabels ?? { "kubernetes.io/hostname": TEST_NODE };
      if (!fitsNode(pod, TEST_NODE, labels)) return;
      await this.ignoreGone(
        this.cluster.core.createNamespacedPodBinding({
          namespace,
          name,
          body: {
            metadata: { name, namespace },
            target: { apiVersion: "v1", kind: "Node", name: TEST_NODE },
          },
        }),
      );
      return;
    }
    if (pod.spec.nodeName !== TEST_NODE) return;
    const phase = pod.status?.phase ?? "Pending";
    const isJobPod = pod.metadata?.labels?.[CONTROLLER_UID_LABEL] !== undefined;
    if (phase === "Pending" && !this.running.has(uid)) {
      if (isJobPod) {
        this.startJobContainer(pod);
        await this.setPodStatus(pod, "Running");
      } else {
        this.running.set(uid, undefined);
        try {
          this.running.set(uid, await this.options.onPodStart?.(pod));
          await this.setPodStatus(pod, "Running");
        } catch (error) {
          this.options.onError?.(error, `start pod ${namespace}/${name}`);
          await this.setPodStatus(pod, "Failed", 1);
        }
      }
      return;
    }
    const exitCode = this.exits.get(uid);
    if (isJobPod && phase === "Running" && exitCode !== undefined) {
      await this.setPodStatus(pod, exitCode === 0 ? "Succeeded" : "Failed", exitCode);
      this.exits.delete(uid);
      this.running.delete(uid);
    }
  }

  private startJobContainer(pod: V1Pod): void {
    const uid = pod.metadata!.uid!;
    const container = pod.spec!.containers[0]!;
    let command: string[];
    try {
      command = hostCommand(pod, container, this.options.volumeDir ?? (() => undefined));
    } catch (error) {
      this.options.onError?.(error, `run pod ${pod.metadata!.name!}`);
      this.exits.set(uid, 128);
      this.running.set(uid, undefined);
      return;
    }
    const security = { ...pod.spec?.securityContext, ...container.securityContext };
    // As the container's user, when this runs as root (CI does); else as whoever runs the tests.
    const asUser =
      process.getuid?.() === 0 && security.runAsUser !== undefined
        ? [
            "setpriv",
            `--reuid=${security.runAsUser}`,
            `--regid=${security.runAsGroup ?? security.runAsUser}`,
            "--clear-groups",
            "--",
          ]
        : [];
    const argv = [...asUser, ...command];
    const env = Object.fromEntries(
      (container.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])),
    );
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const key = `${pod.metadata!.namespace!}/${pod.metadata!.name!}`;
    this.output.set(key, "");
    const keep = (chunk: Buffer) =>
      this.output.set(key, ((this.output.get(key) ?? "") + chunk.toString()).slice(-16_384));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    this.running.set(uid, child);
    child.on("error", () => this.exits.set(uid, 127));
    child.on("exit", (code, signal) => this.exits.set(uid, code ?? (signal ? 137 : 1)));
  }

  private async setPodStatus(
    pod: V1Pod,
    phase: "Running" | "Succeeded" | "Failed",
    exitCode = 0,
  ): Promise<void> {
    const time = now();
    const ready = phase === "Running" ? "True" : "False";
    const podIP = this.options.podIP ?? "127.0.0.1";
    const containers = pod.spec?.containers ?? [];
    const body: V1Pod = {
      ...pod,
      status: {
        ...pod.status,
        phase,
        hostIP: podIP,
        podIP,
        podIPs: [{ ip: podIP }],
        startTime: pod.status?.startTime ?? time,
        conditions: ["PodScheduled", "Initialized", "ContainersReady", "Ready"].map((type) => ({
          type,
          status: type === "PodScheduled" || type === "Initialized" ? "True" : ready,
          lastTransitionTime: time,
        })),
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: c.image ?? "",
          imageID: "",
          ready: phase === "Running",
          restartCount: 0,
          started: phase === "Running",
          state:
            phase === "Running"
              ? { running: { startedAt: time } }
              : { terminated: { exitCode, startedAt: time, finishedAt: time } },
        })),
      },
    };
    await this.ignoreGone(
      this.cluster.core.replaceNamespacedPodStatus({
        namespace: pod.metadata!.namespace!,
        name: pod.metadata!.name!,
        body,
      }),
    );
  }

  private async reconcileJob(job: V1Job, pods: V1Pod[]): Promise<void> {
    const namespace = job.metadata!.namespace!;
    const name = job.metadata!.name!;
    const jobUid = job.metadata!.uid!;
    const finished = (job.status?.conditions ?? []).some(
      (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
    );
    if (finished || job.metadata?.deletionTimestamp) return;
    const mine = pods.filter((p) => p.metadata?.labels?.[CONTROLLER_UID_LABEL] === jobUid);
    const succeeded = mine.filter((p) => p.status?.phase === "Succeeded").length;
    const failed = mine.filter((p) => p.status?.phase === "Failed").length;
    const active = mine.length - succeeded - failed;
    const backoffLimit = job.spec?.backoffLimit ?? 6;
    const time = now();
    if (succeeded === 0 && failed <= backoffLimit && active === 0) {
      const template = job.spec!.template;
      const labels = {
        ...template.metadata?.labels,
        [CONTROLLER_UID_LABEL]: jobUid,
        [JOB_NAME_LABEL]: name,
        "controller-uid": jobUid,
        "job-name": name,
      };
      await this.cluster.core.createNamespacedPod({
        namespace,
        body: {
          metadata: {
            ...template.metadata,
            name: `${name}-${randomBytes(3).toString("hex").slice(0, 5)}`,
            labels,
            ownerReferences: [
              {
                apiVersion: "batch/v1",
                kind: "Job",
                name,
                uid: jobUid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: template.spec!,
        },
      });
    }
    const conditions =
      succeeded > 0
        ? ["SuccessCriteriaMet", "Complete"]
        : failed > backoffLimit
          ? ["FailureTarget", "Failed"]
          : [];
    const status = {
      ...job.status,
      startTime: job.status?.startTime ?? time,
      active: conditions.length > 0 ? 0 : Math.max(active, 1),
      succeeded,
      failed,
      ready: 0,
      terminating: 0,
      uncountedTerminatedPods: {},
      ...(conditions.length > 0
        ? {
            conditions: conditions.map((type) => ({
              type,
              status: "True",
              reason: succeeded > 0 ? "CompletionsReached" : "BackoffLimitExceeded",
              message:
                succeeded > 0
                  ? "Reached expected number of succeeded pods"
                  : "Job has reached the specified backoff limit",
              lastProbeTime: time,
              lastTransitionTime: time,
            })),
            ...(succeeded > 0 ? { completionTime: time } : {}),
          }
        : {}),
    };
    const unchanged =
      conditions.length === 0 &&
      job.status?.active === status.active &&
      job.status?.failed === status.failed &&
      job.status?.startTime !== undefined;
    if (unchanged) return;
    await this.ignoreGone(
      this.cluster.batch.replaceNamespacedJobStatus({
        namespace,
        name,
        body: { ...job, status },
      }),
    );
  }
}

async function stopProcess(process: PodProcess | ChildProcess | undefined): Promise<void> {
  if (!process) return;
  if ("stop" in process) {
    await process.stop();
    return;
  }
  if (process.exitCode === null && process.signalCode === null) {
    const exited = new Promise((resolve) => process.once("exit", resolve));
    process.kill("SIGKILL");
    await exited;
  }
}
