/**
 * The tests' node: plays, for the real API server of control-plane.ts, the parts of a cluster that
 * are not the API server — the scheduler, the kubelet, the Job controller and the garbage
 * collector — as far as Launchpad's tests need them, and through the API only, as those components
 * do (binding and status subresources, deletes with preconditions).
 *
 * - Scheduler: binds a pending pod of the watched namespaces to its one node (`pods/binding`) when
 *   the pod's nodeSelector and required node affinity match the node (labels, `metadata.name`);
 *   a pod that does not fit stays Pending, as with a real scheduler.
 * - Kubelet: gives each bound pod a loopback address of its own (Linux routes all of 127.0.0.0/8
 *   to `lo`, so 127.a.b.c stands for the pod's network namespace), runs it — `onPodStart` for
 *   ordinary pods (e2e starts the stand-in single-user server there), a Job pod's container command
 *   on this machine, as the container's user, with each volume mount's path that the command names
 *   replaced by the host folder `volumeDir` gives for the volume (plus its subPath): the one
 *   liberty it takes, since there are no containers here — and reports it through `pods/status`
 *   as the kubelet's status manager does: Running with `podIP`, containers ready and the Ready
 *   condition while it runs (no probes: a started container is ready); when its process exits,
 *   the pod's `restartPolicy` decides (Never, or OnFailure after exit 0: Succeeded or Failed with
 *   the exit code; else the container is restarted after the kubelet's back-off, 10 s doubling,
 *   and meanwhile waits in CrashLoopBackOff, not ready, its last state terminated). A pod
 *   `onPodStart` refuses (throws) goes Failed. It finishes a graceful delete (a pod with a
 *   `deletionTimestamp`) by stopping the process (SIGTERM, SIGKILL after the grace period) and
 *   deleting the pod with grace period 0 and its uid as precondition; a pod deleted at once (grace
 *   0) has its process stopped when the kubelet sees it gone.
 * - Job controller: creates a Job's pod from its template (the labels and owner reference the
 *   controller sets), and sets the Job's status from its pods: `active`, `succeeded`, `failed`,
 *   and the terminal conditions (`SuccessCriteriaMet` + `Complete`, or `FailureTarget` + `Failed`
 *   once `backoffLimit` is exceeded), as batch/v1 requires them.
 * - Garbage collector: deletes a Job's pods once the Job is gone.
 * - Init containers: run in order before the pod's containers, each taken as done at once unless
 *   `initExitCode` says it exits non-zero; then the pod stays Pending (Initialized False) and the
 *   container is restarted after the back-off as the pod's containers are (restartPolicy Never:
 *   the pod fails).
 * - Events (core/v1, what KubeSpawner's event reflector lists and relays on the hub's pending
 *   page): the scheduler's Scheduled, and for each init container, then each container, the
 *   kubelet's Pulling/Pulled, Created and Started; Warning BackOff when a container waits to be
 *   restarted, Warning Failed when it cannot start. See `PodEvents`.
 * Not played: activeDeadlineSeconds, ttlSecondsAfterFinished, resource limits, probes, real images,
 * the kubelet's Killing events.
 *
 * It reconciles by polling lists (every `intervalMs`), so it never misses a change.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { randomBytes, randomInt } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

import type {
  V1Container,
  V1ContainerStatus,
  V1Job,
  V1Pod,
  V1Volume,
} from "@kubernetes/client-node";

import { statusOf, type TestCluster } from "./cluster.ts";
import { PodEvents } from "./pod-events.ts";

export const TEST_NODE = "launchpad-test-node";
/** The node's own address (`status.hostIP`). */
export const NODE_IP = "127.0.0.1";

/** What runs for a pod: stopped when the pod is deleted; `exited` settles with its exit code. */
export interface PodProcess {
  stop(graceMs: number): Promise<void>;
  readonly exited?: Promise<number>;
}

export interface TestKubeletOptions {
  cluster: TestCluster;
  namespaces: readonly string[];
  /**
   * Runs an ordinary (non-Job) pod bound here, at `podIP`, before it is marked Running; called
   * again when a crashed container restarts. Its `exited` drives the container's state; without
   * a process the pod stays Running. Throwing marks the pod Failed.
   */
  onPodStart?: (pod: V1Pod, podIP: string) => Promise<PodProcess | undefined>;
  /** The host folder a pod volume stands for (Job pods); undefined fails the pod. */
  volumeDir?: (namespace: string, volume: V1Volume) => string | undefined;
  /**
   * The node's labels (default `kubernetes.io/hostname` = its name): the scheduler binds a pod
   * only where its nodeSelector and required node affinity match, else it stays Pending.
   */
  nodeLabels?: Record<string, string>;
  /**
   * More nodes this kubelet plays (a cluster's node pools, e.g. an instance type a profile's
   * node_selector asks for): node `${TEST_NODE}-<n>` has `nodeLabels` plus these, and its own
   * hostname. The scheduler binds a pod to the first node that fits.
   */
  nodePools?: readonly Record<string, string>[];
  /**
   * The exit code of an init container (default 0: done at once). Non-zero holds the pod in its
   * init phase as a failed init container does (restarted after the back-off).
   */
  initExitCode?: (pod: V1Pod, container: V1Container) => number;
  /** The first crash-loop back-off (default 10 s, the kubelet's; it doubles up to 5 min). */
  crashBackoffMs?: number;
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

/**
 * Runs `argv` on this machine as a pod's process: in its own process group, killed with the
 * kubelet (setpriv's pdeathsig, so no stand-in server outlives a killed test run), `asUser` as
 * setpriv's uid/gid options. Output goes to `onOutput`.
 */
export function runOnNode(
  argv: readonly string[],
  env: Record<string, string>,
  onOutput: (chunk: Buffer) => void,
  asUser: readonly string[] = [],
): PodProcess {
  const child = spawn("setpriv", ["--pdeathsig", "KILL", ...asUser, "--", ...argv], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout.on("data", onOutput);
  child.stderr.on("data", onOutput);
  const exited = new Promise<number>((resolve) => {
    child.once("error", () => resolve(127));
    // A signal's exit code as a container runtime reports it: 128 + the signal's number.
    child.once("exit", (code, signal) =>
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 9) : 1)),
    );
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    exited,
    async stop(graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup("SIGTERM");
      const timer = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), graceMs));
      if ((await Promise.race([exited, timer])) === "late") signalGroup("SIGKILL");
      await exited;
    },
  };
}

/** A container's environment, as far as it is literal values (no secret or field references). */
export function containerEnv(container: V1Container): Record<string, string> {
  return Object.fromEntries(
    (container.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])),
  );
}

async function bindable(address: string, port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, address, () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback address for a pod, not `taken`, where each of `ports` is free: 127.a.b.c outside
 * 127.0.0.0/16 (where other processes on this machine listen), picked at random so that two test
 * clusters on one machine do not hand out the same one.
 */
export async function loopbackPodIP(ports: readonly number[], taken: ReadonlySet<string>) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const ip = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    if (taken.has(ip)) continue;
    const free = await Promise.all(ports.map((port) => bindable(ip, port)));
    if (free.every(Boolean)) return ip;
  }
  throw new Error(`no free loopback address for ports ${ports.join(", ")}`);
}

/** Whether the container is started again after exiting with `exitCode` (the pod's restartPolicy). */
function restartsAfter(pod: V1Pod, exitCode: number): boolean {
  const policy = pod.spec?.restartPolicy ?? "Always";
  return policy === "Always" || (policy === "OnFailure" && exitCode !== 0);
}

const MAX_CRASH_BACKOFF_MS = 5 * 60_000;

/** What this kubelet runs for one pod. */
interface PodRun {
  namespace: string;
  podIP: string;
  /** The pod's process while it runs; undefined before, after it exited, or if it has none. */
  process: PodProcess | undefined;
  /** Set once the process exits (until it restarts). */
  exitCode: number | undefined;
  /** `onPodStart` (or the Job container's command) could not start it: the pod fails. */
  refused: boolean;
  restarts: number;
  /** How many of the pod's init containers have completed. */
  initDone: number;
  /** The init container that exited non-zero and waits to be restarted (its index and exit). */
  initFailure: { index: number; exitCode: number; restarts: number; at: Date } | undefined;
  /** When a crashed container starts again. */
  restartAt: number | undefined;
  startedAt: Date;
  finishedAt: Date | undefined;
}

/** The parts of a pod's status that `report` writes when they change. */
function statusKey(status: V1Pod["status"]): string {
  const container = status?.containerStatuses?.[0];
  const state = Object.keys(container?.state ?? {}).join();
  const ready = status?.conditions?.find((c) => c.type === "Ready")?.status;
  const init = (status?.initContainerStatuses ?? []).map(
    (c) => `${Object.keys(c.state ?? {}).join()}:${c.restartCount}`,
  );
  return [status?.phase, status?.podIP, ready, container?.restartCount, state, ...init].join("|");
}

export class TestKubelet {
  private readonly options: TestKubeletOptions;
  private readonly cluster: TestCluster;
  /** By pod uid. */
  private readonly runs = new Map<string, PodRun>();
  /** What a Job pod's command printed (stdout and stderr, the last 16 KiB), by namespace/name. */
  private readonly output = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();
  private closed = false;
  private paused = false;
  private readonly events: PodEvents;

  constructor(options: TestKubeletOptions) {
    this.options = options;
    this.cluster = options.cluster;
    this.events = new PodEvents(options.cluster, TEST_NODE);
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

  /** The node goes dark: nothing is scheduled, run, reported or finished until `resume()`. */
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
    await Promise.all([...this.runs.keys()].map((uid) => this.stopRun(uid, 0)));
    this.runs.clear();
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
      // Pods deleted at once (grace period 0): what still runs for them stops.
      const present = new Set(pods.map((pod) => pod.metadata?.uid));
      for (const [uid, run] of this.runs)
        if (run.namespace === namespace && !present.has(uid)) await this.stopRun(uid, 0);
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

  private async stopRun(uid: string, graceMs: number): Promise<void> {
    const run = this.runs.get(uid);
    this.runs.delete(uid);
    this.events.forget(uid);
    await run?.process?.stop(graceMs);
  }

  private async reconcilePod(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    const uid = pod.metadata!.uid!;
    if (pod.metadata?.deletionTimestamp) {
      await this.stopRun(uid, (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000);
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
      const node = this.nodes().find((n) => fitsNode(pod, n.name, n.labels));
      if (!node) return;
      try {
        await this.cluster.core.createNamespacedPodBinding({
          namespace,
          name,
          body: {
            metadata: { name, namespace },
            target: { apiVersion: "v1", kind: "Node", name: node.name },
          },
        });
      } catch (error) {
        if (statusOf(error) !== 404 && statusOf(error) !== 409) throw error;
        return;
      }
      await this.events.scheduled(pod, node.name);
      return;
    }
    if (!this.nodes().some((n) => n.name === pod.spec?.nodeName)) return;
    const phase = pod.status?.phase ?? "Pending";
    let run = this.runs.get(uid);
    if (run === undefined) {
      // Only pods this kubelet has not started yet; a finished pod stays as it is.
      if (phase !== "Pending") return;
      const ports = pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
      const taken = new Set([...this.runs.values()].map((r) => r.podIP));
      run = {
        namespace,
        podIP: await loopbackPodIP(ports, taken),
        process: undefined,
        exitCode: undefined,
        refused: false,
        restarts: 0,
        initDone: 0,
        initFailure: undefined,
        restartAt: undefined,
        startedAt: new Date(),
        finishedAt: undefined,
      };
      this.runs.set(uid, run);
      await this.run(pod, run);
    } else if (run.restartAt !== undefined && Date.now() >= run.restartAt) {
      if (run.initFailure) run.initFailure.restarts += 1;
      else run.restarts += 1;
      run.restartAt = undefined;
      await this.run(pod, run);
    }
    await this.report(pod, run);
  }

  private nodes(): { name: string; labels: Record<string, string> }[] {
    const base = this.options.nodeLabels ?? { "kubernetes.io/hostname": TEST_NODE };
    return [
      { name: TEST_NODE, labels: base },
      ...(this.options.nodePools ?? []).map((pool, i) => {
        const name = `${TEST_NODE}-${i + 1}`;
        return { name, labels: { ...base, ...pool, "kubernetes.io/hostname": name } };
      }),
    ];
  }

  /**
   * Runs the init containers not done yet, in order: each one's events, then its exit. One that
   * exits non-zero stops the others; it is restarted after the back-off (restartPolicy Never: the
   * pod fails). Returns whether all of them are done.
   */
  private async runInitContainers(pod: V1Pod, run: PodRun): Promise<boolean> {
    const inits = pod.spec?.initContainers ?? [];
    for (; run.initDone < inits.length; run.initDone++) {
      const container = inits[run.initDone]!;
      await this.events.started(pod, container, "initContainers");
      const exitCode = this.options.initExitCode?.(pod, container) ?? 0;
      if (exitCode === 0) continue;
      run.initFailure = {
        index: run.initDone,
        exitCode,
        restarts: run.initFailure?.restarts ?? 0,
        at: new Date(),
      };
      if (!restartsAfter(pod, exitCode)) {
        run.refused = true;
        run.exitCode = exitCode;
        run.finishedAt = new Date();
        return false;
      }
      const first = this.options.crashBackoffMs ?? 10_000;
      const backoff = Math.min(first * 2 ** run.initFailure.restarts, MAX_CRASH_BACKOFF_MS);
      run.restartAt = Date.now() + backoff;
      await this.events.backOff(pod, container, "initContainers");
      return false;
    }
    run.initFailure = undefined;
    return true;
  }

  /** Starts (or restarts) the pod's process, after its init containers. */
  private async run(pod: V1Pod, run: PodRun): Promise<void> {
    run.exitCode = undefined;
    run.finishedAt = undefined;
    run.startedAt = new Date();
    if (!(await this.runInitContainers(pod, run))) return;
    const isJobPod = pod.metadata?.labels?.[CONTROLLER_UID_LABEL] !== undefined;
    let process: PodProcess | undefined;
    try {
      process = isJobPod
        ? this.startJobContainer(pod)
        : await this.options.onPodStart?.(pod, run.podIP);
    } catch (error) {
      this.options.onError?.(error, `start pod ${pod.metadata!.namespace!}/${pod.metadata!.name!}`);
      run.refused = true;
      run.exitCode = isJobPod ? 128 : 1;
      run.finishedAt = new Date();
      const message = error instanceof Error ? error.message : String(error);
      await this.events.failedToStart(pod, pod.spec!.containers[0]!, "containers", message);
      return;
    }
    for (const container of pod.spec!.containers)
      await this.events.started(pod, container, "containers");
    run.process = process;
    void process?.exited?.then((exitCode) => {
      if (run.process !== process) return; // stopped by a delete
      run.process = undefined;
      run.exitCode = exitCode;
      run.finishedAt = new Date();
      if (restartsAfter(pod, exitCode)) {
        const first = this.options.crashBackoffMs ?? 10_000;
        run.restartAt = Date.now() + Math.min(first * 2 ** run.restarts, MAX_CRASH_BACKOFF_MS);
        this.events
          .backOff(pod, pod.spec!.containers[0]!, "containers")
          .catch((error: unknown) => this.options.onError?.(error, "back-off event"));
      }
    });
  }

  /** Writes the pod's status (pods/status) if what it says has changed. */
  private async report(pod: V1Pod, run: PodRun): Promise<void> {
    const inits = pod.spec?.initContainers ?? [];
    const initialized = run.initDone >= inits.length;
    const exited = run.exitCode !== undefined;
    const terminal = run.refused || (exited && !restartsAfter(pod, run.exitCode!));
    const phase = !terminal
      ? initialized
        ? "Running"
        : "Pending"
      : run.exitCode === 0
        ? "Succeeded"
        : "Failed";
    const ready = initialized && !exited;
    const terminated = exited
      ? {
          exitCode: run.exitCode!,
          reason: run.exitCode === 0 ? "Completed" : "Error",
          startedAt: run.startedAt,
          finishedAt: run.finishedAt ?? new Date(),
        }
      : undefined;
    const state: V1ContainerStatus["state"] = !initialized
      ? { waiting: { reason: "PodInitializing" } }
      : !exited
        ? { running: { startedAt: run.startedAt } }
        : terminal
          ? { terminated }
          : {
              waiting: {
                reason: "CrashLoopBackOff",
                message: `back-off restarting failed container (exit code ${run.exitCode})`,
              },
            };
    const time = new Date();
    const before = pod.status?.conditions ?? [];
    // A condition keeps its lastTransitionTime while its status stays (the companion reads Ready's).
    const condition = (type: string, status: string) => {
      const previous = before.find((c) => c.type === type);
      return {
        type,
        status,
        lastTransitionTime:
          previous?.status === status ? (previous.lastTransitionTime ?? time) : time,
      };
    };
    const status: V1Pod["status"] = {
      ...pod.status,
      phase,
      hostIP: NODE_IP,
      hostIPs: [{ ip: NODE_IP }],
      podIP: run.podIP,
      podIPs: [{ ip: run.podIP }],
      startTime: pod.status?.startTime ?? run.startedAt,
      conditions: [
        condition("PodScheduled", "True"),
        condition("Initialized", initialized ? "True" : "False"),
        condition("ContainersReady", ready ? "True" : "False"),
        condition("Ready", ready ? "True" : "False"),
      ],
      containerStatuses: pod.spec!.containers.map((c: V1Container) => ({
        name: c.name,
        image: c.image ?? "",
        imageID: "",
        ready,
        restartCount: run.restarts,
        started: !exited,
        state,
        ...(terminated && !terminal && initialized ? { lastState: { terminated } } : {}),
      })),
      ...(inits.length > 0 ? { initContainerStatuses: this.initStatuses(inits, run) } : {}),
    };
    if (statusKey(status) === statusKey(pod.status)) return;
    await this.ignoreGone(
      this.cluster.core.replaceNamespacedPodStatus({
        namespace: pod.metadata!.namespace!,
        name: pod.metadata!.name!,
        body: { ...pod, status },
      }),
    );
  }

  /** Done ones terminated (Completed), the failed one waiting in CrashLoopBackOff, later ones waiting. */
  private initStatuses(inits: V1Container[], run: PodRun): V1ContainerStatus[] {
    const failure = run.initFailure;
    return inits.map((c, index) => {
      const base = { name: c.name, image: c.image ?? "", imageID: "", ready: false };
      if (index < run.initDone)
        return {
          ...base,
          ready: true,
          restartCount: failure?.index === index ? failure.restarts : 0,
          started: false,
          state: {
            terminated: {
              exitCode: 0,
              reason: "Completed",
              startedAt: run.startedAt,
              finishedAt: run.startedAt,
            },
          },
        };
      if (failure?.index === index) {
        const terminated = {
          exitCode: failure.exitCode,
          reason: "Error",
          startedAt: failure.at,
          finishedAt: failure.at,
        };
        return {
          ...base,
          restartCount: failure.restarts,
          started: false,
          ...(run.refused
            ? { state: { terminated } }
            : {
                state: {
                  waiting: {
                    reason: "CrashLoopBackOff",
                    message: `back-off restarting failed container ${c.name} (exit code ${failure.exitCode})`,
                  },
                },
                lastState: { terminated },
              }),
        };
      }
      return {
        ...base,
        restartCount: 0,
        started: false,
        state: { waiting: { reason: "PodInitializing" } },
      };
    });
  }

  private startJobContainer(pod: V1Pod): PodProcess {
    const container = pod.spec!.containers[0]!;
    const command = hostCommand(pod, container, this.options.volumeDir ?? (() => undefined));
    const security = { ...pod.spec?.securityContext, ...container.securityContext };
    // As the container's user, when this runs as root (CI does); else as whoever runs the tests.
    const asUser =
      process.getuid?.() === 0 && security.runAsUser !== undefined
        ? [
            `--reuid=${security.runAsUser}`,
            `--regid=${security.runAsGroup ?? security.runAsUser}`,
            "--clear-groups",
          ]
        : [];
    const env = containerEnv(container);
    const key = `${pod.metadata!.namespace!}/${pod.metadata!.name!}`;
    this.output.set(key, "");
    const keep = (chunk: Buffer) =>
      this.output.set(key, ((this.output.get(key) ?? "") + chunk.toString()).slice(-16_384));
    return runOnNode(command, env, keep, asUser);
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
    const time = new Date();
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
