import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_LOG_MESSAGE_LENGTH } from "../../../contract/build.ts";
import { buildPath } from "../../../contract/providers/build-path.ts";
import { BinderHubDouble } from "../../test-support/binderhub-double.ts";
import { KubernetesDouble, LEASE, POD } from "../../test-support/kubernetes-double.ts";
import { type KubernetesClient } from "../kubernetes/client.ts";
import { createKubernetesClient, loadConnection } from "../kubernetes/rest-client.ts";
import {
  createKubernetesBuildLimiter,
  type BuildLimiter,
  type KubernetesBuildLimiterOptions,
} from "./limiter.ts";
import { Metrics } from "../metrics.ts";
import { RECONNECT_EVENT, type BuildService } from "./service.ts";
import {
  headers,
  openStream,
  readStream,
  startCompanion,
  type CompanionOptions,
} from "./test-harness.ts";

const NS = "hub";
const BUILD_NS = "builds";

let kube: KubernetesDouble;
let binder: BinderHubDouble;
let client: KubernetesClient;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  kube = await new KubernetesDouble().start();
  const path = kube.writeKubeconfig(mkdtempSync(join(tmpdir(), "kube-")));
  binder = await new BinderHubDouble({
    keepaliveMs: 10,
    kubernetes: { kubeconfig: path, namespace: BUILD_NS, pollMs: 50 },
  }).start();
  client = createKubernetesClient(loadConnection({ kubeconfigPath: path, env: {} }), {
    requestTimeoutMs: 2000,
  });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await binder.close();
  await kube.close();
});

/** The Leases of build streams (not the users' admission Leases). */
const buildLeases = () =>
  kube
    .objects(LEASE, NS)
    .filter((l) => l.metadata.labels?.["app.kubernetes.io/component"] === "build-stream");

function limiter(options: Partial<KubernetesBuildLimiterOptions> = {}): BuildLimiter {
  const l = createKubernetesBuildLimiter({
    kube: client,
    namespace: NS,
    renewIntervalMs: 200,
    ...options,
  });
  cleanups.push(() => l.close());
  return l;
}

/** The build service of the replica `companion()` started last. */
let service: BuildService;

/** One companion replica on a real socket, against the Kubernetes double. */
async function companion(
  options: Partial<Omit<CompanionOptions, "binder" | "kube" | "buildNamespace">> = {},
): Promise<string> {
  const started = await startCompanion({
    binder,
    kube: client,
    buildNamespace: BUILD_NS,
    ...options,
    limiter: options.limiter ?? limiter(),
  });
  service = started.service;
  cleanups.push(started.close);
  return started.base;
}

describe("GET api/builds/<provider>/<spec>", () => {
  it("relays the real recorded build as SSE with non-buffering headers, then ends and releases the lease", async () => {
    const base = await companion();
    const response = await fetch(base + buildPath("gh", "binder-examples/octave/HEAD"), {
      headers: headers(),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("content-encoding")).toBe("identity");
    const { events } = await readStream(response);
    expect(events).toHaveLength(725);
    await expect
      .poll(() => buildLeases()[0]?.metadata.annotations?.["launchpad.jupyter.org/ended"])
      .toBeDefined();
    expect(events.at(-1)).toMatchObject({
      phase: "ready",
      imageName: expect.stringContaining("binder-2dexamples-2doctave"),
    });
    expect(binder.streams[0]).toMatchObject({
      provider: "gh",
      spec: "binder-examples/octave/HEAD",
      query: "?build_only=true",
    });
    const [lease] = buildLeases();
    expect(lease?.metadata.annotations).toMatchObject({
      "launchpad.jupyter.org/user": "alice",
      "launchpad.jupyter.org/repository": "https://github.com/binder-examples/octave",
      "launchpad.jupyter.org/ref": "HEAD",
      "launchpad.jupyter.org/ended": expect.any(String),
    });
    expect(lease?.metadata.labels?.["launchpad.jupyter.org/user"]).toMatch(/^[0-9a-f]{40}$/);
  });

  it("sends a gl spec with its %2F to BinderHub unchanged (page encodes it as %252F)", async () => {
    const base = await companion();
    const { events } = await readStream(
      await fetch(base + buildPath("gl", "group%2Fcached-project/main"), { headers: headers() }),
    );
    expect(events).toEqual([expect.objectContaining({ phase: "ready" })]);
    expect(binder.streams[0]?.spec).toBe("group%2Fcached-project/main");
  });

  it("forwards keepalives, and a browser that leaves aborts the upstream request", async () => {
    const base = await companion();
    const controller = new AbortController();
    const response = await fetch(base + buildPath("gh", "org/keepalive-only/HEAD"), {
      headers: headers(),
      signal: controller.signal,
    });
    const read = await readStream(
      response,
      (items) => items.filter((i) => i.type === "comment").length >= 3,
      controller,
    );
    expect(read.keepalives).toBeGreaterThanOrEqual(3);
    const ended = await binder.waitForStreamEnd();
    expect(ended.state).toBe("client-closed");
    // The Lease is given up (no holder) once the stream is torn down, but not ended: the build
    // goes on in BinderHub, and a page re-attaching within the Lease's duration is the same build.
    await expect
      .poll(
        () => (buildLeases()[0]?.spec as { holderIdentity?: string } | undefined)?.holderIdentity,
      )
      .toBe("");
    expect(buildLeases()[0]?.metadata.annotations).not.toHaveProperty(
      "launchpad.jupyter.org/ended",
    );
  });

  it("a silent BinderHub trips the idle watchdog: one failed event, upstream closed", async () => {
    const base = await companion({ idleTimeoutMs: 100 });
    const { events } = await readStream(
      await fetch(base + buildPath("gh", "org/hang/HEAD"), { headers: headers() }),
    );
    expect(events.map((e) => e.phase)).toEqual(["waiting", "failed"]);
    expect(events[1]?.message).toMatch(/^Lost contact with BinderHub/);
    expect((await binder.waitForStreamEnd()).state).toBe("client-closed");
  });

  it("relays a 10 MB log line cut to its first 64 KiB with a marker, and the build goes on", async () => {
    const base = await companion();
    const { events } = await readStream(
      await fetch(base + buildPath("gh", "org/huge-line-10000000/HEAD"), { headers: headers() }),
    );
    expect(events.map((e) => e.phase)).toEqual(["waiting", "building", "building", "ready"]);
    expect(events[1]?.message).toBe(
      "x".repeat(MAX_LOG_MESSAGE_LENGTH) + "… 9.9 MB of this line not shown\n",
    );
    expect(events[2]?.message).toBe("\nStep 2/2 : the next line\n");
  });

  it("sends its own heartbeat while BinderHub sends nothing at all", async () => {
    const base = await companion({ watch: { heartbeatMs: 20 } });
    const controller = new AbortController();
    const response = await fetch(base + buildPath("gh", "org/hang/HEAD"), {
      headers: headers(),
      signal: controller.signal,
    });
    const read = await readStream(
      response,
      (items) => items.filter((i) => i.type === "comment").length >= 3,
      controller,
    );
    // The hang scenario sends one event and then not a byte, not even BinderHub's keepalive.
    expect(read.events.map((e) => e.phase)).toEqual(["waiting"]);
    expect(read.keepalives).toBeGreaterThanOrEqual(3);
  });

  it("keepalives are not progress: a build logging nothing past the idle limit stops, pod and all", async () => {
    const base = await companion({ watch: { heartbeatMs: 20, idleMs: 150 } });
    const { events, keepalives } = await readStream(
      await fetch(base + buildPath("gh", "org/keepalive-only/HEAD"), { headers: headers() }),
    );
    // Keepalives arrived and did not count as progress. How many fit in the idle limit depends on
    // the machine's load (a count here failed on a loaded machine), so none is asserted.
    expect(keepalives).toBeGreaterThan(0);
    expect(events.map((e) => e.phase)).toEqual(["waiting", "failed"]);
    expect(events[1]?.message).toBe(
      "No build output for 0 seconds (BinderHub sent only keepalives), so Launchpad stopped the build.\n",
    );
    expect(kube.objects(POD, BUILD_NS)).toHaveLength(0);
    await expect
      .poll(() => buildLeases()[0]?.metadata.annotations?.["launchpad.jupyter.org/ended"])
      .toBeDefined();
  });

  it("a build past the overall deadline stops even while it logs", async () => {
    const base = await companion({ watch: { heartbeatMs: 20, deadlineMs: 100 } });
    const { events } = await readStream(
      await fetch(base + buildPath("gh", "org/slow/HEAD"), { headers: headers() }),
    );
    expect(events.at(-1)).toEqual({
      phase: "failed",
      message:
        "The build ran for 0 seconds, the longest this hub allows, so Launchpad stopped the build.\n",
    });
    expect(events.length).toBeLessThan(100);
  });

  it("on shutdown every stream ends with a reconnect event, and drain waits for them", async () => {
    const base = await companion();
    const streams = await Promise.all(
      ["a", "b"].map((n) => openStream(base, buildPath("gh", `org/keepalive-only-${n}/HEAD`), n)),
    );
    await expect.poll(() => service.openStreams).toBe(2);
    await service.drain();
    expect(service.openStreams).toBe(0);
    for (const stream of streams) {
      const read = await stream.done;
      expect(read?.events.at(-1)).toEqual(RECONNECT_EVENT);
    }
  });

  it("refuses cross-site requests before anything goes upstream", async () => {
    const base = await companion();
    const response = await fetch(base + buildPath("gh", "a/b/HEAD"), {
      headers: headers("alice", { "sec-fetch-site": "cross-site" }),
    });
    expect(response.status).toBe(403);
    expect(binder.streams).toHaveLength(0);
    expect(kube.objects(LEASE, NS)).toHaveLength(0);
  });

  it.each([
    [
      "a provider the admin did not allow",
      "zenodo/10.5281%2Fzenodo.3242074",
      /not enabled on this hub/,
    ],
    ["an unknown provider", "svn/x/y", /not enabled/],
    ["a spec that is not the page's encoding", "gl/group%2Fproject/main", /Invalid gl/],
    ["a dot segment", "gh/a/b/%2E%2E", /Invalid gh/],
    ["a spec with a query-like character", "gh/a/b/ma%3Fin", /Invalid gh/],
  ])("answers 400 JSON for %s, before any upstream request", async (_what, path, message) => {
    const base = await companion({ allowed: ["gh", "gl"] });
    const response = await fetch(base + path, { headers: headers() });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { status: number; message: string };
    expect(body.status).toBe(400);
    expect(body.message).toMatch(message);
    expect(binder.streams).toHaveLength(0);
    expect(kube.objects(LEASE, NS)).toHaveLength(0);
  });

  it("refuses with 409 what the shell refuses (the project limit), before a lease or upstream request", async () => {
    const asked: [string, string, string][] = [];
    const base = await companion({
      beforeBuild: (user, source) => {
        asked.push([user, source.provider, source.repo]);
        return Promise.resolve(source.repo.endsWith("/full") ? "You have 3 of 3 projects." : null);
      },
    });
    const refused = await fetch(base + buildPath("gh", "o/full/HEAD"), { headers: headers() });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toBe(
      "You have 3 of 3 projects.",
    );
    expect(asked).toEqual([["alice", "gh", "o/full"]]);
    expect(binder.streams).toHaveLength(0);
    expect(kube.objects(LEASE, NS)).toHaveLength(0);
  });

  it("an admin building for another user (/hub/spawn/<name>) meets that user's project limit, not their own", async () => {
    const asked: string[] = [];
    const base = await companion({
      beforeBuild: (user) => {
        asked.push(user);
        return Promise.resolve(user === "bob" ? "You have 3 of 3 projects." : null);
      },
      userExists: (name) => Promise.resolve(name === "bob"),
    });
    const path = buildPath("gh", "o/r/HEAD");
    // A name the hub does not have: 404 before any limit is read, lease taken or build asked for.
    const forGhost = await fetch(`${base}${path}?user=ghost`, {
      headers: headers("admin", { "x-test-admin": "1" }),
    });
    expect(forGhost.status).toBe(404);
    expect(await forGhost.json()).toMatchObject({ message: "The hub has no user of that name." });
    expect(binder.streams).toHaveLength(0);
    expect(kube.objects(LEASE, NS)).toHaveLength(0);
    const forBob = await fetch(`${base}${path}?user=bob`, {
      headers: headers("admin", { "x-test-admin": "1" }),
    });
    expect(forBob.status).toBe(409);
    const own = await openStream(base, path, "admin");
    expect(own.response.status).toBe(200);
    own.controller.abort();
    await own.done;
    // Someone else's limit is no business of a user who is not an admin: 404, as for projects.
    const notAdmin = await fetch(`${base}${path}?user=bob`, { headers: headers("carol") });
    expect(notAdmin.status).toBe(404);
    expect(asked).toEqual(["bob", "admin"]);
  });

  it("needs a user", async () => {
    const base = await companion();
    expect((await fetch(base + buildPath("gh", "a/b/HEAD"))).status).toBe(401);
    expect(binder.streams).toHaveLength(0);
  });
});

describe("per-user limits across replicas (Kubernetes Leases)", () => {
  it("concurrent builds: two replicas share the count; a third build gets 429 with retry_after", async () => {
    const a = await companion({ limiter: limiter({ replicaId: "a" }) });
    const b = await companion({ limiter: limiter({ replicaId: "b" }) });
    const first = await openStream(a, buildPath("gh", "org/keepalive-only-1/HEAD"));
    const second = await openStream(b, buildPath("gh", "org/keepalive-only-2/HEAD"));
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    const third = await fetch(a + buildPath("gh", "org/keepalive-only-3/HEAD"), {
      headers: headers(),
    });
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await third.json()).toMatchObject({
      status: 429,
      retry_after: expect.any(Number),
      message: expect.stringMatching(/2 builds running/),
    });
    // Someone else is not limited by alice's builds.
    const bob = await openStream(b, buildPath("gh", "org/keepalive-only-4/HEAD"), "bob");
    expect(bob.response.status).toBe(200);
    for (const s of [first, second, bob]) s.controller.abort();
  });

  it("builds per hour: counted across replicas, finished builds included, refused with when to retry", async () => {
    let t = Date.parse("2026-01-01T00:00:00Z");
    const now = () => t;
    const a = await companion({ limiter: limiter({ replicaId: "a", perHourPerUser: 3, now }) });
    const b = await companion({ limiter: limiter({ replicaId: "b", perHourPerUser: 3, now }) });
    for (const [base, i] of [
      [a, 1],
      [b, 2],
      [a, 3],
    ] as const) {
      const { events } = await readStream(
        await fetch(base + buildPath("gh", `org/cached-${i}/HEAD`), { headers: headers() }),
      );
      expect(events.at(-1)?.phase).toBe("ready");
      t += 60_000;
    }
    const refused = await fetch(b + buildPath("gh", "org/cached-4/HEAD"), { headers: headers() });
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { retry_after: number; message: string };
    expect(body.retry_after).toBe(3600 - 180);
    expect(body.message).toMatch(/3 builds in the last hour/);
    t += 3600_000 - 180_000 + 1;
    const later = await fetch(b + buildPath("gh", "org/cached-5/HEAD"), { headers: headers() });
    expect(later.status).toBe(200);
    await readStream(later);
  });

  it("two replicas racing for the last slot: exactly one wins", async () => {
    const a = limiter({ replicaId: "a", concurrentPerUser: 1 });
    const b = limiter({ replicaId: "b", concurrentPerUser: 1 });
    const build = {
      user: "carol",
      provider: "gh" as const,
      spec: "o/r/HEAD",
      repoUrl: "https://github.com/o/r",
    };
    // Two different builds: two streams of one build are the same build (a re-attach).
    const other = { ...build, spec: "o/s/HEAD", repoUrl: "https://github.com/o/s" };
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all([a.acquire(build), b.acquire(other)]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      for (const r of results) if (r.ok) await r.ticket.release();
      // Released builds still count per hour but not as running.
    }
  });

  it("a crashed replica's build re-attaches at once; another build waits out leaseDurationSeconds", async () => {
    let t = Date.parse("2026-01-01T00:00:00Z");
    const now = () => t;
    const crashed = limiter({
      replicaId: "crashed",
      concurrentPerUser: 1,
      leaseDurationSeconds: 30,
      now,
      renewIntervalMs: 3_600_000,
    });
    const survivor = limiter({
      replicaId: "ok",
      concurrentPerUser: 1,
      leaseDurationSeconds: 30,
      now,
    });
    const build = {
      user: "dave",
      provider: "gh" as const,
      spec: "o/r/HEAD",
      repoUrl: "https://github.com/o/r",
    };
    const another = { ...build, spec: "o/s/HEAD", repoUrl: "https://github.com/o/s" };
    expect((await crashed.acquire(build)).ok).toBe(true);
    crashed.close(); // no more renewals, never released
    // Before: "You already have 1 build running" for the build the page was re-attaching to.
    expect(await survivor.acquire(build)).toMatchObject({
      ok: true,
      ticket: { reattached: true },
    });
    expect(await survivor.acquire(another)).toMatchObject({ ok: false, reason: "concurrent" });
    t += 31_000;
    expect((await survivor.acquire(another)).ok).toBe(true);
  });

  it("a replica shutting down mid-build: the page finds the build on the other one and re-attaches, within the limit", async () => {
    const counted = {
      a: new Metrics({ processMetrics: false }),
      b: new Metrics({ processMetrics: false }),
    };
    const a = await companion({
      limiter: limiter({ replicaId: "a", concurrentPerUser: 1 }),
      metrics: counted.a,
    });
    const leaving = service;
    const b = await companion({
      limiter: limiter({ replicaId: "b", concurrentPerUser: 1 }),
      metrics: counted.b,
    });
    const path = buildPath("gh", "org/keepalive-only/HEAD");
    const first = await openStream(a, path);
    expect(first.response.status).toBe(200);
    await expect.poll(() => leaving.openStreams).toBe(1);
    await leaving.drain();
    expect((await first.done)?.events.at(-1)).toEqual(RECONNECT_EVENT);

    const running = await fetch(b.replace(/\/$/, ""), { headers: headers() });
    expect(running.status).toBe(200);
    expect(await running.json()).toEqual({
      builds: [{ provider: "gh", spec: "org/keepalive-only/HEAD", started_at: expect.any(String) }],
    });
    expect(await (await fetch(b.replace(/\/$/, ""), { headers: headers("bob") })).json()).toEqual({
      builds: [],
    });
    const again = await openStream(b, path);
    expect(again.response.status).toBe(200);
    // The re-attach is the same build: the limit of 1 still holds for another one.
    const another = await fetch(b + buildPath("gh", "org/keepalive-only-2/HEAD"), {
      headers: headers(),
    });
    expect(another.status).toBe(429);
    again.controller.abort();
    // Metrics: one build started (on a), a re-attach and a refusal (on b), nothing finished.
    const [onA, onB] = await Promise.all([
      counted.a.registry.metrics(),
      counted.b.registry.metrics(),
    ]);
    expect(onA).toContain('launchpad_builds_started_total{provider="gh"} 1');
    expect(onB).not.toContain("launchpad_builds_started_total{");
    expect(onB).toContain("launchpad_build_stream_reattaches_total 1");
    expect(onB).toContain('launchpad_builds_refused_total{reason="concurrent"} 1');
    expect(onA + onB).not.toContain("launchpad_builds_finished_total{");
  });

  it("counts a build that ends, by outcome, with its duration", async () => {
    const metrics = new Metrics({ processMetrics: false });
    const base = await companion({ metrics });
    const response = await fetch(base + buildPath("gh", "binder-examples/requirements/HEAD"), {
      headers: headers(),
    });
    await readStream(response);
    const text = await metrics.registry.metrics();
    expect(text).toContain('launchpad_builds_started_total{provider="gh"} 1');
    expect(text).toContain('launchpad_builds_finished_total{outcome="succeeded"} 1');
    expect(text).toContain('launchpad_build_duration_seconds_count{outcome="succeeded"} 1');
  });

  it("a Kubernetes API failure answers 503, never an unlimited build", async () => {
    const base = await companion();
    kube.failNext({ plural: "leases", fail: 500 });
    const response = await fetch(base + buildPath("gh", "a/b/HEAD"), { headers: headers() });
    expect(response.status).toBe(503);
    expect(binder.streams).toHaveLength(0);
  });
});
