/**
 * Starts and stops one e2e stack: a real JupyterHub (which starts configurable-http-proxy itself)
 * configured by e2e/hub/jupyterhub_config.py, the Launchpad companion registered in it as an
 * external service, and the cluster around them:
 *
 * - a real kube-apiserver with etcd and the test kubelet (server/test-support/kube/cluster-cli.ts):
 *   the hub's KubeSpawner creates, watches and deletes users' PVCs and pods there as z2jh's hub
 *   ServiceAccount, the companion keeps project records (ConfigMaps), build limits (Leases), ended
 *   sessions and removal Jobs there as the chart's ServiceAccount with the chart's rendered Role,
 *   and the BinderHub double runs its build pods there; the test kubelet runs each user pod's
 *   stand-in single-user server (e2e/hub/mock_singleuser.py) at the pod's own loopback address and
 *   reports it Running and ready, so KubeSpawner's own wait, poll and stop run; it runs removal
 *   Jobs' scripts on host folders (`DoublesInfo.volumesDir`); a pod whose image matches
 *   FAILING_IMAGE goes Failed. The cluster runs with or without the companion;
 * - (with `profileEditor`) a real registry (Debian's docker-registry in token mode, images pushed by
 *   skopeo: server/test-support/registry.ts), the companion's editor bounded to it as the chart
 *   configures it, and the hub's glue fetching the published list (the chart's NOTES line);
 * - (unless `features: false`) the BinderHub double (server/test-support/binderhub-double-cli.ts) at /services/binder/, with
 *   auth on, as binderhub-service runs next to a hub; the companion builds through it.
 *
 * With `companionReplicas` above 1 the companion runs as several replicas behind a stand-in for
 * the chart's Service (service-balancer.ts), as a Deployment with `replicas` above 1 does.
 *
 * Every stack gets its own ports, tokens, temp dir and manifest record dir, so several can run
 * side by side (e.g. one at `/` and one at `/jh/`). Logs: `<stateDir>/*.log` (E2E_KEEP_STATE=1
 * keeps the dir).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type { ProfileDocument } from "../../contract/profile-editor/schema.ts";
import { freePorts } from "../../server/test-support/processes.ts";
import { ServiceBalancer, type BalancedConnection } from "./service-balancer.ts";
import {
  startRegistry,
  writeOciLayout,
  type Registry,
} from "../../server/test-support/registry.ts";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Production hubs' z2jh values files (2i2c-org/infrastructure, BSD-3-Clause; see its README). */
export const REAL_HUBS_DIR = path.join(REPO_ROOT, "e2e", "fixtures", "real-hubs");

export type JupyterHubMajor = 5 | 6;

export interface StackOptions {
  /** The hub's base URL: "/" (default) or e.g. "/jh/". */
  baseUrl?: string;
  /** A profile list file: absolute, or relative to e2e/hub/profiles/ (default "default.yaml"). */
  profiles?: string;
  /** Which venv runs the hub (default: E2E_JH, else 5). */
  jh?: JupyterHubMajor;
  /** Start the companion too (default true). Without it, the service is registered but down. */
  companion?: boolean;
  /**
   * How many companion replicas (default 1). Above 1, each runs as its own process on its own
   * port with its own `LAUNCHPAD_REPLICA_ID` (the chart's pod name), sharing the namespace, the
   * Secret's values and the config, and the hub's service URL points at a round-robin balancer
   * standing in for the chart's Service (service-balancer.ts); `Stack.replicas` kills, restarts
   * and rolls them.
   */
  companionReplicas?: number;
  /**
   * Start the BinderHub double and run the companion with building and projects on (default
   * true; false runs it with both features off, as an admin without a BinderHub would, and the
   * chart's Role rendered so).
   */
  features?: boolean;
  /**
   * The hub's home storage: "dynamic" (default; z2jh storage.type=dynamic, a claim per user server,
   * volume `volume-{user_server}`, no subPath) or "shared" (one shared volume "home" with a per-user
   * `subPath: {username}`: z2jh storage.type=static, or 2i2c's NFS homes).
   */
  storage?: "dynamic" | "shared";
  /**
   * A real hub's values file (absolute path): the user pods' storage, uid, init containers and, for
   * 2i2c's hubs, basehub's modify_pod_hook, as z2jh and basehub build them (e2e/hub/z2jh_singleuser.py).
   * Replaces `storage`.
   */
  hubValues?: string;
  /** c.Authenticator.admin_users (default none). */
  adminUsers?: readonly string[];
  /** c.JupyterHub.load_groups: hub groups and their members (default none). */
  groups?: Readonly<Record<string, readonly string[]>>;
  /** c.JupyterHub.allow_named_servers (default false). */
  namedServers?: boolean;
  /** With `namedServers`: each of Your projects starts in its own named server (default false). */
  projectServers?: boolean;
  /** The hub's slow_spawn_timeout in seconds (default 0, as z2jh sets it; JupyterHub's own is 10). */
  slowSpawnTimeout?: number;
  /** KubeSpawner's start_timeout in seconds (default 60): how long a start waits for its pod. */
  startTimeout?: number;
  /** The labels of more user nodes (node pools) the profiles' node_selector picks (default none). */
  nodePools?: readonly Record<string, string>[];
  /**
   * Turns the profile editor on (it needs the cluster: versions live in ConfigMaps): a real
   * registry with these images, the companion bounded to it, JupyterHub admins (`adminUsers`) as
   * its editors, and the hub's glue fetching the published list every second.
   */
  profileEditor?: ProfileEditorStackOptions;
  /**
   * For the bench's side-by-side figures only: the hub runs jupyterhub-fancy-profiles instead of
   * Launchpad's glue, from `venv` (bench/setup-fancy-profiles.sh), its form.js from `staticDir`
   * when given (a production build of the same release).
   */
  fancyProfiles?: { venv: string; staticDir?: string };
  /** The hub gzips its responses (tornado's compress_response), as behind a compressing ingress. */
  compress?: boolean;
}

export interface ProfileEditorStackOptions {
  /** `repository:tag`, each pushed with content of its own; every repository is public. */
  images: readonly string[];
}

/**
 * Images the test kubelet does not run: a user pod whose notebook image matches goes Failed. The
 * BinderHub double names an image after its repository, so a repository named so builds one.
 */
export const FAILING_IMAGE = "kubeletfails";

/**
 * Images whose project seed step fails: a user pod's init container with a matching image exits 1
 * (the test kubelet's --fail-init-image), as the seed does in an image it cannot copy from.
 */
export const FAILING_SEED_IMAGE = "seedfails";

/** Where the cluster and the BinderHub double are, for tests that assert on (or act in) them. */
export interface DoublesInfo {
  /** The real API server, its CA (PEM) and the tests' own admin token. */
  kubeUrl: string;
  kubeCa: string;
  kubeToken: string;
  /** The test cluster process: SIGUSR1 pauses its kubelet, SIGUSR2 resumes it. */
  clusterPid: number;
  /**
   * While this file exists, users' (stand-in) servers answer no request, so a start stays on the
   * hub's pending page (the kubelet's --hold-servers); delete it to let them answer.
   */
  holdServersFile: string;
  /** Where the test kubelet keeps volumes' host folders (`<namespace>/pvc/<claim>`). */
  volumesDir: string;
  /** The hub's namespace: users' pods, project records (ConfigMaps), removal Jobs. */
  hubNamespace: string;
  /** Where the BinderHub double runs build pods (labelled component=binderhub-build). */
  buildNamespace: string;
  binderhubUrl: string;
}

/** What tests need to know about a running stack; serialisable, so global setup can hand it on. */
export interface StackInfo {
  /** Origin + base URL, e.g. http://127.0.0.1:41234/jh/ */
  url: string;
  origin: string;
  baseUrl: string;
  jh: JupyterHubMajor;
  recordDir: string;
  stateDir: string;
  /** Token of the tests' own `e2e-admin` service (admin:servers, admin:users). */
  adminToken: string;
  companionPort: number;
  hubApiUrl: string;
  storage: "dynamic" | "shared";
  /** Absent when the stack runs without building and projects (features off). */
  doubles?: DoublesInfo;
  /** Present when the profile editor is on: the registry its images are in (`host:port`). */
  profileEditor?: { registryDomain: string };
}

export interface Stack extends StackInfo {
  stop(): Promise<void>;
  stopCompanion(): Promise<void>;
  startCompanion(): Promise<void>;
  restartHub(): Promise<void>;
  /**
   * Pauses the test kubelet and resolves once it is idle: nothing is scheduled or run, and its
   * reconcile passes (a few lists every 100 ms, with the API server's and etcd's share, about a
   * quarter of a core here) stop. For the bench's page loads, which start no server.
   */
  pauseKubelet(): Promise<void>;
  /** Present with `companionReplicas` above 1. */
  replicas?: CompanionReplicas;
}

/** One companion replica: a pod of the chart's Deployment. */
export interface CompanionReplica {
  /** Its pod name, also its `LAUNCHPAD_REPLICA_ID` (the holder of the Leases it takes). */
  name: string;
  port: number;
  pid: number;
  log: string;
}

/** How a replica's process ended. */
export interface ReplicaExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CompanionReplicas {
  /** The replicas that are the Service's endpoints now, in the order they started. */
  list(): CompanionReplica[];
  /**
   * The replica dies at once (SIGKILL: an OOM kill), its endpoint kept as kube-proxy keeps it
   * until the pod is seen not ready.
   */
  kill(name: string): Promise<ReplicaExit>;
  /** Its container restarts in the same pod (same name and port) and is ready again. */
  restart(name: string): Promise<void>;
  /**
   * One step of the Deployment's rolling update (maxSurge 1, maxUnavailable 0): a new pod starts
   * and becomes an endpoint once ready, then the old one leaves the endpoints and gets SIGTERM.
   * Resolves with the new replica and how the old one exited.
   */
  roll(name: string): Promise<{ replacement: CompanionReplica; exit: ReplicaExit }>;
  /** Which replica each connection through the Service went to, in order. */
  connections(): readonly BalancedConnection[];
}

export function defaultJupyterHubMajor(): JupyterHubMajor {
  return process.env.E2E_JH === "6" ? 6 : 5;
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Polls until `url` answers 200, the process dies, or the deadline passes. (Not "any status below
 * 500": CHP is up before the hub adds its routes, and answers 404 until then.)
 */
async function waitForHttp(
  url: string,
  proc: ChildProcess,
  log: string,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(
        `${what} exited (${proc.exitCode ?? proc.signalCode}) before answering at ${url}. Log:\n${tail(log)}`,
      );
    }
    try {
      const response = await fetch(url, { redirect: "manual" });
      if (response.status === 200) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${what} did not answer at ${url} within ${timeoutMs / 1000} s (${lastError}). Log:\n${tail(log)}`,
  );
}

/** Polls until `log` holds `line`, the process dies, or the deadline passes. */
async function waitForLogLine(
  line: string,
  proc: ChildProcess,
  log: string,
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${what} exited (${proc.exitCode ?? proc.signalCode}). Log:\n${tail(log)}`);
    }
    if (existsSync(log) && readFileSync(log, "utf8").includes(line)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not say "${line}" in ${timeoutMs / 1000} s. Log:\n${tail(log)}`);
}

/** Resolves once everything a process printed is in its log file (see startProcess). */
const logWritten = new WeakMap<ChildProcess, Promise<void>>();

function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): ChildProcess {
  const log = createWriteStream(logFile, { flags: "a" });
  // Its own process group, so that stopping it can reach anything it started.
  const proc = spawn(command, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  // Both into one file, which ends once both have ended ("close"), not with the first of them.
  proc.stdout?.pipe(log, { end: false });
  proc.stderr?.pipe(log, { end: false });
  logWritten.set(
    proc,
    new Promise((resolve) => {
      log.once("finish", () => resolve());
      log.once("error", () => resolve());
      proc.once("close", () => log.end());
    }),
  );
  return proc;
}

/**
 * How a process ended, once its last words are in its log: "exit" can come while its output is
 * still in the pipe (https://nodejs.org/api/child_process.html#event-exit), and a test that
 * reads the log then would miss what it said on the way out.
 */
function exitOf(proc: ChildProcess): Promise<ReplicaExit> {
  const exit: Promise<ReplicaExit> =
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve({ code: proc.exitCode, signal: proc.signalCode })
      : new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  // Bounded: a child of its own that outlives it would hold the pipe, and "close", forever.
  const written = Promise.race([
    logWritten.get(proc),
    new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref()),
  ]);
  return Promise.all([exit, written]).then(([ended]) => ended);
}

/**
 * Pauses a stack's test kubelet (cluster-cli.ts: SIGUSR1) and resolves once it is idle, which it
 * says with `kubelet-paused` in the stack's cluster folder; SIGUSR2 lets it go on.
 */
export async function pauseTestKubelet(clusterPid: number, stateDir: string): Promise<void> {
  const paused = path.join(stateDir, "cluster", "kubelet-paused");
  process.kill(clusterPid, "SIGUSR1");
  const deadline = Date.now() + 10_000;
  while (!existsSync(paused)) {
    if (Date.now() > deadline) throw new Error("the test kubelet did not pause within 10 s");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM, wait, then SIGKILL the process group. */
async function stopProcess(proc: ChildProcess | undefined, graceMs = 15_000): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGTERM");
  const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs));
  const done = await Promise.race([exited.then(() => true), timer]);
  if (!done) {
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await exited;
  }
}

function killPidFile(file: string): void {
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // already gone
  }
}

export const HUB_NAMESPACE = "e2e";
export const BUILD_NAMESPACE = "e2e-builds";

/** The parts of the admin kubeconfig (server/test-support/kube/cluster.ts) the tests need. */
interface AdminKubeconfig {
  clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  users: { user: { token: string } }[];
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const baseUrl = options.baseUrl ?? "/";
  const jh = options.jh ?? defaultJupyterHubMajor();
  const withCompanion = options.companion ?? true;
  const withFeatures = withCompanion && (options.features ?? true);
  const storage = options.storage ?? "dynamic";
  const venv = options.fancyProfiles?.venv ?? path.join(REPO_ROOT, ".cache", `venv-jh${jh}`);
  if (!existsSync(path.join(venv, "bin", "jupyterhub"))) {
    throw new Error(`${venv} is missing: run scripts/setup-e2e.sh first`);
  }
  const stateDir = mkdtempSync(path.join(tmpdir(), "launchpad-e2e-"));
  const recordDir = path.join(stateDir, "manifests");
  const [hubPort, hubApiPort, proxyApiPort, companionPort, binderhubPort] = (await freePorts(
    5,
  )) as [number, number, number, number, number];
  const companionToken = randomBytes(32).toString("hex");
  const adminToken = randomBytes(32).toString("hex");
  const binderhubToken = randomBytes(16).toString("hex");
  const origin = `http://127.0.0.1:${hubPort}`;
  const hubApiUrl = `http://127.0.0.1:${hubApiPort}${baseUrl}hub/api`;
  const binDir = path.join(REPO_ROOT, "node_modules", ".bin");
  const basicEnv = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ""}` };
  const nodeBin = path.join(binDir, "node");
  const binderhubUrl = `http://127.0.0.1:${binderhubPort}/services/binder/`;
  // Written by the test cluster's CLI: one kubeconfig per identity.
  const clusterDir = path.join(stateDir, "cluster");
  const kubeconfigOf = (who: "companion" | "hub" | "admin") =>
    path.join(clusterDir, `kubeconfig-${who}.json`);
  // Beside the state dir (0700): removal Jobs run as the notebook user and must reach it.
  const volumesDir = mkdtempSync(path.join(tmpdir(), "launchpad-e2e-volumes-"));
  chmodSync(volumesDir, 0o755);

  const servicePrefix = `${baseUrl}services/launchpad/`;
  let registry: Registry | undefined;
  if (options.profileEditor && !withCompanion)
    throw new Error("the profile editor runs in the companion: keep the companion on");
  let editor: Awaited<ReturnType<typeof startProfileEditor>> | undefined;
  try {
    editor = options.profileEditor
      ? await startProfileEditor(options.profileEditor, stateDir, (started) => (registry = started))
      : undefined;
  } catch (error) {
    await registry?.stop();
    throw error;
  }

  const hubEnv: NodeJS.ProcessEnv = {
    ...basicEnv,
    E2E_HUB_PORT: String(hubPort),
    E2E_HUB_API_PORT: String(hubApiPort),
    E2E_PROXY_API_PORT: String(proxyApiPort),
    E2E_BASE_URL: baseUrl,
    E2E_STATE_DIR: stateDir,
    E2E_RECORD_DIR: recordDir,
    E2E_PROFILES: options.profiles ?? "default.yaml",
    E2E_COMPANION_PORT: String(companionPort),
    E2E_COMPANION_TOKEN: companionToken,
    E2E_ADMIN_TOKEN: adminToken,
    E2E_STORAGE: storage,
    E2E_HUB_VALUES: options.hubValues ?? "",
    E2E_ADMIN_USERS: (options.adminUsers ?? []).join(","),
    E2E_GROUPS: JSON.stringify(options.groups ?? {}),
    E2E_NAMED_SERVERS: options.namedServers ? "1" : "",
    E2E_PROJECT_SERVERS: options.projectServers ? "1" : "",
    E2E_SLOW_SPAWN_TIMEOUT: String(options.slowSpawnTimeout ?? 0),
    E2E_START_TIMEOUT: String(options.startTimeout ?? 60),
    E2E_KUBECONFIG: kubeconfigOf("hub"),
    E2E_NAMESPACE: HUB_NAMESPACE,
    E2E_COMPRESS: options.compress ? "1" : "",
    ...(options.fancyProfiles
      ? {
          E2E_SPAWN_FORM: "fancy-profiles",
          E2E_FANCY_PROFILES_STATIC: options.fancyProfiles.staticDir ?? "",
        }
      : {}),
    ...(editor
      ? {
          // The chart's NOTES: the glue line gets profile_list_url, the hub's env the shared token.
          E2E_PROFILE_LIST_URL: `http://127.0.0.1:${companionPort}${servicePrefix}api/hub/profile-list`,
          E2E_PROFILE_LIST_CACHE_SECONDS: "1",
          LAUNCHPAD_PROFILE_LIST_TOKEN: editor.listToken,
        }
      : {}),
  };
  const companionEnv: NodeJS.ProcessEnv = {
    ...basicEnv,
    LAUNCHPAD_MODE: "hub",
    LAUNCHPAD_HOST: "127.0.0.1",
    LAUNCHPAD_PORT: String(companionPort),
    LAUNCHPAD_LOG_LEVEL: "info",
    LAUNCHPAD_STATIC_DIR: path.join(REPO_ROOT, "dist", "static"),
    LAUNCHPAD_COOKIE_SECRET: randomBytes(32).toString("hex"),
    JUPYTERHUB_SERVICE_NAME: "launchpad",
    JUPYTERHUB_SERVICE_PREFIX: servicePrefix,
    JUPYTERHUB_API_URL: hubApiUrl,
    JUPYTERHUB_API_TOKEN: companionToken,
    JUPYTERHUB_CLIENT_ID: "service-launchpad",
    JUPYTERHUB_OAUTH_CALLBACK_URL: `${servicePrefix}oauth_callback`,
    JUPYTERHUB_BASE_URL: baseUrl,
    // A companion always has its namespace's API (ended sessions live there), features or not.
    LAUNCHPAD_HUB_NAMESPACE: HUB_NAMESPACE,
    LAUNCHPAD_KUBECONFIG: kubeconfigOf("companion"),
    ...(withFeatures
      ? {
          // As the chart configures it next to binderhub-service.
          LAUNCHPAD_BUILD_ENABLED: "true",
          LAUNCHPAD_PROJECTS_ENABLED: "true",
          LAUNCHPAD_BINDERHUB_URL: binderhubUrl,
          LAUNCHPAD_BINDERHUB_TOKEN: binderhubToken,
          LAUNCHPAD_BUILD_NAMESPACE: BUILD_NAMESPACE,
        }
      : {
          // Builds need a BinderHub: without one the companion runs with both features off, as
          // an admin without a BinderHub would configure it.
          LAUNCHPAD_BUILD_ENABLED: "false",
          LAUNCHPAD_PROJECTS_ENABLED: "false",
        }),
    ...(editor
      ? {
          LAUNCHPAD_PROFILE_EDITOR_ENABLED: "true",
          LAUNCHPAD_PROFILE_LIST_TOKEN: editor.listToken,
          LAUNCHPAD_CONFIG_FILE: editor.configFile,
        }
      : {}),
  };

  const hubLog = path.join(stateDir, "hub.log");
  const companionLog = path.join(stateDir, "companion.log");
  const kubeLog = path.join(stateDir, "cluster.log");
  const binderhubLog = path.join(stateDir, "binderhub-double.log");
  let companion: ChildProcess | undefined;
  let hub: ChildProcess | undefined;
  let kube: ChildProcess | undefined;
  let binderhub: ChildProcess | undefined;
  let doubles: DoublesInfo | undefined;

  const replicaCount = options.companionReplicas ?? 1;
  const balancer = replicaCount > 1 ? new ServiceBalancer() : undefined;
  const pods = new Map<string, { proc: ChildProcess; replica: CompanionReplica }>();
  let podNumber = 0;
  const startReplica = async (name: string, port: number): Promise<CompanionReplica> => {
    const log = path.join(stateDir, `companion-${name}.log`);
    const proc = startProcess(
      nodeBin,
      ["server/src/server.ts"],
      { ...companionEnv, LAUNCHPAD_PORT: String(port), LAUNCHPAD_REPLICA_ID: name },
      log,
    );
    await waitForHttp(
      `http://127.0.0.1:${port}${servicePrefix}api/health`,
      proc,
      log,
      `The companion replica ${name}`,
    );
    const replica = { name, port, pid: proc.pid!, log };
    pods.set(name, { proc, replica });
    return replica;
  };
  const newPod = async (): Promise<CompanionReplica> => {
    const [port] = (await freePorts(1)) as [number];
    return startReplica(`launchpad-companion-${++podNumber}`, port);
  };
  const serving = () => [...pods.values()].map((pod) => pod.replica);
  const publishEndpoints = () => balancer?.setEndpoints(serving());
  const podOf = (name: string) => {
    const pod = pods.get(name);
    if (!pod) throw new Error(`no companion replica ${name}`);
    return pod;
  };
  const replicas: CompanionReplicas | undefined = balancer && {
    list: serving,
    kill: async (name) => {
      const { proc } = podOf(name);
      const exited = exitOf(proc);
      proc.kill("SIGKILL");
      return exited;
    },
    restart: async (name) => {
      const { proc, replica } = podOf(name);
      await stopProcess(proc);
      pods.delete(name);
      await startReplica(name, replica.port);
      publishEndpoints();
    },
    roll: async (name) => {
      const { proc } = podOf(name);
      const replacement = await newPod();
      pods.delete(name);
      publishEndpoints();
      const exited = exitOf(proc);
      proc.kill("SIGTERM");
      return { replacement, exit: await exited };
    },
    connections: () => balancer.connections,
  };

  const startCompanion = async (): Promise<void> => {
    if (balancer) {
      if (pods.size > 0) return;
      for (let i = 0; i < replicaCount; i++) await newPod();
      publishEndpoints();
      return;
    }
    if (companion && companion.exitCode === null && companion.signalCode === null) return;
    companion = startProcess(nodeBin, ["server/src/server.ts"], companionEnv, companionLog);
    await waitForHttp(
      `http://127.0.0.1:${companionPort}${servicePrefix}api/health`,
      companion,
      companionLog,
      "The companion",
    );
  };
  const stopCompanion = async (): Promise<void> => {
    await stopProcess(companion);
    companion = undefined;
    await Promise.all([...pods.values()].map((pod) => stopProcess(pod.proc)));
    pods.clear();
    publishEndpoints();
  };
  const startHub = async (): Promise<void> => {
    hub = startProcess(
      path.join(venv, "bin", "jupyterhub"),
      ["-f", path.join(REPO_ROOT, "e2e", "hub", "jupyterhub_config.py")],
      hubEnv,
      hubLog,
    );
    await waitForHttp(`${origin}${baseUrl}hub/api`, hub, hubLog, `JupyterHub ${jh}`);
    // The hub adds the service's proxy route after its own: wait for it too.
    if (withCompanion)
      await waitForHttp(
        `${origin}${servicePrefix}api/health`,
        hub,
        hubLog,
        "The companion's route in CHP",
      );
  };
  /** As a hub pod restarts: the users' pods keep running (z2jh's cleanup_servers: False). */
  const restartHub = async (): Promise<void> => {
    await stopProcess(hub, 20_000);
    killPidFile(path.join(stateDir, "proxy.pid"));
    await startHub();
  };
  const pauseKubelet = async (): Promise<void> => {
    if (kube?.pid === undefined) throw new Error("this stack's test cluster is not running");
    await pauseTestKubelet(kube.pid, stateDir);
  };
  const stop = async (): Promise<void> => {
    await stopCompanion();
    await balancer?.close();
    // The hub stops CHP on SIGTERM (cleanup_proxy); users' pods stop with the cluster.
    await stopProcess(hub, 20_000);
    killPidFile(path.join(stateDir, "proxy.pid"));
    await stopProcess(binderhub, 5_000);
    await stopProcess(kube, 15_000);
    await registry?.stop();
    if (process.env.E2E_KEEP_STATE) {
      console.log(`e2e: kept ${stateDir} and ${volumesDir}`);
    } else {
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(volumesDir, { recursive: true, force: true });
    }
  };

  try {
    mkdirSync(clusterDir);
    kube = startProcess(
      nodeBin,
      [
        "server/test-support/kube/cluster-cli.ts",
        "--dir",
        clusterDir,
        "--volumes",
        volumesDir,
        "--hub-namespace",
        HUB_NAMESPACE,
        "--build-namespace",
        BUILD_NAMESPACE,
        ...(withFeatures
          ? []
          : ["--set", "build.enabled=false", "--set", "projects.enabled=false"]),
        // The chart's Role then grants the editor's ConfigMap verbs.
        ...(editor ? ["--set", "profileEditor.enabled=true"] : []),
        "--user-server",
        JSON.stringify([
          path.join(venv, "bin", "python"),
          path.join(REPO_ROOT, "e2e", "hub", "mock_singleuser.py"),
        ]),
        "--fail-image",
        FAILING_IMAGE,
        "--fail-init-image",
        FAILING_SEED_IMAGE,
        "--hold-servers",
        path.join(clusterDir, "hold-servers"),
        ...[...(options.nodePools ?? []), ...(editor?.nodePools ?? [])].flatMap((labels) => [
          "--node-pool",
          JSON.stringify(labels),
        ]),
      ],
      basicEnv,
      kubeLog,
    );
    await waitForLogLine("test-cluster ready", kube, kubeLog, "The test cluster");
    if (withFeatures && kube.pid !== undefined) {
      const admin = JSON.parse(readFileSync(kubeconfigOf("admin"), "utf8")) as AdminKubeconfig;
      doubles = {
        kubeUrl: admin.clusters[0]!.cluster.server,
        kubeCa: Buffer.from(
          admin.clusters[0]!.cluster["certificate-authority-data"],
          "base64",
        ).toString("utf8"),
        kubeToken: admin.users[0]!.user.token,
        clusterPid: kube.pid,
        holdServersFile: path.join(clusterDir, "hold-servers"),
        volumesDir,
        hubNamespace: HUB_NAMESPACE,
        buildNamespace: BUILD_NAMESPACE,
        binderhubUrl,
      };
      binderhub = startProcess(
        nodeBin,
        [
          "server/test-support/binderhub-double-cli.ts",
          "--port",
          String(binderhubPort),
          "--token",
          binderhubToken,
          "--base-url",
          "/services/binder/",
          "--kubeconfig",
          kubeconfigOf("admin"),
          "--build-namespace",
          BUILD_NAMESPACE,
        ],
        basicEnv,
        binderhubLog,
      );
      await waitForHttp(
        `${doubles.binderhubUrl}health`,
        binderhub,
        binderhubLog,
        "The BinderHub double",
      );
    }
    await balancer?.listen(companionPort);
    if (withCompanion) await startCompanion();
    await startHub();
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url: `${origin}${baseUrl}`,
    origin,
    baseUrl,
    jh,
    recordDir,
    stateDir,
    adminToken,
    companionPort,
    hubApiUrl,
    storage,
    ...(doubles ? { doubles } : {}),
    ...(editor ? { profileEditor: { registryDomain: editor.registryDomain } } : {}),
    stop,
    stopCompanion,
    startCompanion,
    restartHub,
    pauseKubelet,
    ...(replicas ? { replicas } : {}),
  };
}

/** The parts of a Stack that survive JSON (global setup → workers, via process.env). */
export function stackInfo(stack: Stack): StackInfo {
  const {
    url,
    origin,
    baseUrl,
    jh,
    recordDir,
    stateDir,
    adminToken,
    companionPort,
    hubApiUrl,
    storage,
    doubles,
    profileEditor,
  } = stack;
  return {
    url,
    origin,
    baseUrl,
    jh,
    recordDir,
    stateDir,
    adminToken,
    companionPort,
    hubApiUrl,
    storage,
    ...(doubles ? { doubles } : {}),
    ...(profileEditor ? { profileEditor } : {}),
  };
}

/**
 * The profile editor's parts of a stack: the registry with its images, the companion's bounds (as
 * the chart writes them into its config file), a base list naming the registry's images, and the
 * node pools its node groups select.
 */
async function startProfileEditor(
  options: ProfileEditorStackOptions,
  stateDir: string,
  started: (registry: Registry) => void,
): Promise<{
  registryDomain: string;
  listToken: string;
  configFile: string;
  nodePools: Record<string, string>[];
}> {
  const repositories = [...new Set(options.images.map((image) => image.split(":")[0] ?? image))];
  const registry = await startRegistry({ auth: "token", publicRepositories: repositories });
  started(registry);
  const layout = path.join(stateDir, "oci-layout");
  await writeOciLayout(
    layout,
    options.images.map((_, i) => ({ ref: `image-${i}`, kind: i % 2 === 0 ? "index" : "manifest" })),
  );
  for (const [i, image] of options.images.entries())
    await registry.push(layout, `image-${i}`, image);
  const domain = registry.domain;
  const baseProfiles: ProfileDocument = {
    profiles: [
      {
        slug: "python",
        display_name: "Python",
        default: true,
        groups: [],
        settings: { node_group: "standard", mem_limit: "2G" },
        options: [
          {
            key: "image",
            display_name: "Image",
            choices: [
              {
                key: "scipy",
                display_name: "SciPy",
                default: true,
                settings: { image: `${domain}/jupyter/scipy:1.0` },
              },
              {
                key: "scipy-2",
                display_name: "SciPy 2",
                default: false,
                settings: { image: `${domain}/jupyter/scipy:2.0` },
              },
            ],
            unlisted: { enabled: false },
          },
        ],
      },
      {
        slug: "gpu",
        display_name: "GPU",
        default: false,
        groups: ["gpu-users"],
        settings: { node_group: "gpu", image: `${domain}/jupyter/gpu:1.0`, gpu: "1" },
        options: [],
      },
    ],
  };
  // The chart's node groups; each names a node pool of the cluster (the test cluster gets one each).
  const nodeGroups = [
    {
      name: "standard",
      displayName: "Standard",
      nodeSelector: { pool: "standard" },
      maxCpu: 2,
      maxMemory: "4G",
    },
    {
      name: "gpu",
      displayName: "GPU",
      nodeSelector: { pool: "gpu" },
      maxCpu: 4,
      maxMemory: "8G",
      maxGpu: 1,
    },
  ];
  const configFile = path.join(stateDir, "companion-config.json");
  // As chart/templates/companion/configmap.yaml writes profileEditor.* into the config file.
  writeFileSync(
    configFile,
    JSON.stringify({
      profileEditor: {
        editors: { admins: true, groups: [] },
        allowedImages: [domain],
        insecureRegistries: [domain],
        nodeGroups,
        hubCacheSeconds: 1,
        baseProfiles,
      },
    }),
  );
  return {
    registryDomain: domain,
    listToken: randomBytes(24).toString("hex"),
    configFile,
    nodePools: nodeGroups.map((group) => group.nodeSelector),
  };
}
