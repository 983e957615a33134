/**
 * The cancel policy with the real pod canceller over the Kubernetes double: whose build a cancel
 * may stop, and which pod it finds — for every provider, the pod as BinderHub itself names and
 * annotates it (server/test-support/binderhub-naming/vectors.json, made by BinderHub's own code).
 */
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROVIDERS } from "../../../contract/build.ts";
import { buildPath } from "../../../contract/providers/build-path.ts";
import { generateBuildName } from "../../test-support/binderhub-naming.ts";
import { VECTORS } from "../../test-support/binderhub-naming/vectors.ts";
import { KubernetesDouble, POD } from "../../test-support/kubernetes-double.ts";
import { createKubernetesClient, loadConnection } from "../kubernetes/rest-client.ts";
import { parseBuildPath, type BuildRequest } from "./build-request.ts";
import { createMemoryBuildLimiter } from "./limiter.ts";
import { createKubernetesPodCanceller } from "./pod-canceller.ts";
import { BuildService } from "./service.ts";

const BUILD_NS = "builds";
let kube: KubernetesDouble;
let clock: number;

beforeEach(async () => {
  kube = await new KubernetesDouble().start();
  clock = Date.now();
});
afterEach(() => kube.close());

function service(): BuildService {
  const client = createKubernetesClient(
    loadConnection({
      kubeconfigPath: kube.writeKubeconfig(mkdtempSync(join(tmpdir(), "cancel-"))),
      env: {},
    }),
  );
  return new BuildService({
    binderhub: { url: "http://binderhub.invalid/", token: "unused" },
    limiter: createMemoryBuildLimiter({ concurrentPerUser: 100, perHourPerUser: 100 }, () => clock),
    podCanceller: createKubernetesPodCanceller({ kube: client, namespace: BUILD_NS }),
    allowedProviders: PROVIDERS,
  });
}

function request(provider: (typeof PROVIDERS)[number], spec: string): BuildRequest {
  const check = parseBuildPath(buildPath(provider, spec), PROVIDERS);
  if (!check.ok) throw new Error(check.message);
  return check;
}

/** A build pod exactly as BinderHub makes it (build.py `KubernetesBuildExecutor.submit`). */
function putBuildPod(name: string, repoUrl: string): void {
  kube.put(POD, BUILD_NS, {
    metadata: {
      name,
      labels: { component: "binderhub-build", name },
      annotations: { "binder-repo": repoUrl },
    },
    status: { phase: "Running" },
  });
}

/** `user` starts a build and (with `leave`) closes its stream, as a browser tab would. */
async function started(s: BuildService, user: string, build: BuildRequest, leave = true) {
  const outcome = await s.start(user, build);
  if (!outcome.ok) throw new Error(outcome.message);
  if (leave) await outcome.ticket.release();
  return outcome.ticket;
}

const alice = { name: "alice", admin: false };
const mallory = { name: "mallory", admin: false };
const root = { name: "root", admin: true };

describe("who may cancel a build", () => {
  const build = () => request("gh", "org/repo/HEAD");
  // As BinderHub names it (the double's own implementation of builder.py, checked against vectors).
  const pod = generateBuildName("org-repo", "0123456789abcdef0123456789abcdef01234567", "build-");

  it("not a user who did not start it, even with no stream of its owner open", async () => {
    const s = service();
    await started(s, "alice", build());
    putBuildPod(pod, build().repoUrl);
    expect(await s.cancel(mallory, build())).toEqual({ ok: false });
    expect(kube.objects(POD, BUILD_NS)).toHaveLength(1);
  });

  it("the user who started it, after closing its stream", async () => {
    const s = service();
    await started(s, "alice", build());
    putBuildPod(pod, build().repoUrl);
    expect(await s.cancel(alice, build())).toEqual({
      ok: true,
      result: { streams_cancelled: 0, pods_deleted: [pod] },
      onBehalfOf: [],
    });
  });

  it("not a pod BinderHub created after the user's own stream ended (someone else's build)", async () => {
    const s = service();
    clock -= 10 * 60_000; // alice built and left ten minutes ago
    await started(s, "alice", build());
    clock += 10 * 60_000;
    putBuildPod(pod, build().repoUrl); // a build started now, for someone else
    const outcome = await s.cancel(alice, build());
    expect(outcome).toMatchObject({ ok: true, result: { pods_deleted: [] } });
    expect(kube.objects(POD, BUILD_NS)).toHaveLength(1);
  });

  it("a stream detached by a restart has ended: not a pod BinderHub created after it", async () => {
    const s = service();
    clock -= 10 * 60_000; // alice's stream was detached (a companion restart) ten minutes ago
    const ticket = await started(s, "alice", build(), false);
    await ticket.detach();
    clock += 10 * 60_000;
    putBuildPod(pod, build().repoUrl);
    const outcome = await s.cancel(alice, build());
    expect(outcome).toMatchObject({ ok: true, result: { pods_deleted: [] } });
    expect(kube.objects(POD, BUILD_NS)).toHaveLength(1);
  });

  it("a re-attached stream is open: cancel stops it and its pod", async () => {
    const s = service();
    await (await started(s, "alice", build(), false)).detach();
    const reattached = await started(s, "alice", build(), false);
    putBuildPod(pod, build().repoUrl);
    expect(await s.cancel(alice, build())).toEqual({
      ok: true,
      result: { streams_cancelled: 1, pods_deleted: [pod] },
      onBehalfOf: [],
    });
    expect(reattached.cancelled.aborted).toBe(true);
  });

  it("an admin, whoever started it, stopping every stream of it", async () => {
    const s = service();
    const ticket = await started(s, "alice", build(), false);
    await started(s, "bob", build(), false);
    putBuildPod(pod, build().repoUrl);
    expect(await s.cancel(root, build())).toEqual({
      ok: true,
      result: { streams_cancelled: 2, pods_deleted: [pod] },
      onBehalfOf: ["alice", "bob"],
    });
    expect(ticket.cancelled.aborted).toBe(true);
  });

  it("nobody, when nobody started such a build (an admin too)", async () => {
    const s = service();
    putBuildPod(pod, build().repoUrl);
    expect(await s.cancel(root, build())).toEqual({ ok: false });
    expect(await s.cancel(alice, build())).toEqual({ ok: false });
    expect(kube.objects(POD, BUILD_NS)).toHaveLength(1);
  });
});

/**
 * BinderHub's own vectors that the page could send (a spec the page could not have built, e.g.
 * with a tab in it, never reaches BinderHub through the companion).
 */
const SENDABLE = VECTORS.filter((v) => parseBuildPath(buildPath(v.provider, v.spec), PROVIDERS).ok);

describe("cancel finds the pod BinderHub really makes, for every provider", () => {
  it("has a sendable vector for every provider", () => {
    expect(new Set(SENDABLE.map((v) => v.provider))).toEqual(new Set(PROVIDERS));
  });

  it.each(SENDABLE.map((v) => [`${v.provider} ${v.spec}`, v] as const))("%s", async (_n, v) => {
    const s = service();
    const build = request(v.provider, v.spec);
    await started(s, "alice", build);
    putBuildPod(v.build_pod_name, v.repo_url);
    // A decoy BinderHub would make for another repository of the same provider.
    putBuildPod("build-another-repository-0a1b2c-012-de", `${v.repo_url}-other`);
    const outcome = await s.cancel(alice, build);
    expect(outcome).toMatchObject({ ok: true, result: { pods_deleted: [v.build_pod_name] } });
    expect(kube.objects(POD, BUILD_NS).map((p) => p.metadata.name)).toEqual([
      "build-another-repository-0a1b2c-012-de",
    ]);
  });
});

describe("relaying a build", () => {
  it("asks BinderHub nothing for a browser that left before the relay began, and detaches", async () => {
    let asked = 0;
    const upstream = createServer((_req, res) => {
      asked++;
      res.writeHead(200, { "content-type": "text/event-stream" }).end();
    }).listen(0, "127.0.0.1");
    await once(upstream, "listening");
    try {
      const port = (upstream.address() as AddressInfo).port;
      const s = new BuildService({
        binderhub: { url: `http://127.0.0.1:${port}/`, token: "t" },
        limiter: createMemoryBuildLimiter({}, () => clock),
        allowedProviders: PROVIDERS,
      });
      const build = request("gh", "org/repo/HEAD");
      const outcome = await s.start("alice", build);
      if (!outcome.ok) throw new Error(outcome.message);
      const written: unknown[] = [];
      let ends = 0;
      await s.relay("alice", build, outcome.ticket, {
        closed: true,
        blocked: false,
        onGone: (listener) => listener(),
        takeWritten: () => false,
        keepalive: () => undefined,
        event: (event) => void written.push(event),
        end: () => void ends++,
      });
      expect({ asked, written, ends, open: s.openStreams }).toEqual({
        asked: 0,
        written: [],
        ends: 1,
        open: 0,
      });
      // Detached, not released: the same build again re-attaches rather than counting anew.
      const again = await s.start("alice", build);
      expect(again.ok && again.ticket.reattached).toBe(true);
    } finally {
      upstream.close();
    }
  });
});
