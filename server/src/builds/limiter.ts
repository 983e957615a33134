/**
 * Per-user build limits, enforced by the companion because BinderHub's own limit is per client IP
 * and would pool every user behind the companion (`check_rate_limit`: 10 requests an hour per
 * `request.remote_ip`, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/base.py#L100-L125,
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/ratelimit.py#L29-L39).
 *
 * Two limits: builds streaming at once and builds started in the last hour (the config's
 * `buildConcurrentPerUser`, default 1, and `buildsPerHourPerUser`, default 10; chart
 * `build.limits`). The Kubernetes implementation holds them across replicas with one coordination.k8s.io/v1
 * Lease per build stream:
 * - labels (server/src/kubernetes/metadata.ts): managed-by, component `build-stream`, and the
 *   hashes of the user, the repository and the build;
 * - annotations: user, provider, spec, repository, ref, started-at (ms), ended, cancel;
 * - live = no `ended` annotation and `renewTime + leaseDurationSeconds` in the future; the holder
 *   renews every third of the duration while streaming, so a crashed replica's leases stop counting
 *   as running after `leaseDurationSeconds`; a stream that detaches (its page left, its replica
 *   shuts down) gives its Lease up (empty `holderIdentity`) and leaves it to expire the same way;
 * - the limits count builds, not streams: a stream of a build that has a live Lease (another tab,
 *   a page re-attaching after a reload or a restart, whether the old replica shut down or died)
 *   is a re-attach, never refused, and its Lease carries that build's started-at;
 * - hourly = every lease of the user started (annotation) less than an hour ago, running or ended:
 *   a finished build keeps its lease, marked `ended`, until an hour after it started; any acquire
 *   prunes the user's leases older than that;
 * - concurrent acquires on two replicas agree through the user's admission Lease
 *   (`launchpad-admission-<user hash>`, component `build-admission`): an acquire reads it, lists
 *   the user's build Leases, checks the limits, creates its own build Lease, then writes the
 *   admission Lease back with the `resourceVersion` it read. Only one of two acquires that read
 *   the same version can write it (409 Conflict for the other, which withdraws its Lease and looks
 *   again), and a build Lease exists before its admission is written, so whoever reads the
 *   admission Lease afterwards lists it. resourceVersions are compared for equality only, by the
 *   API server: the API conventions promise nothing about their order. Two acquires racing may
 *   both be refused for a moment (each counts the other's Lease before it is withdrawn); they are
 *   never both admitted over a limit.
 * - cancel from any replica: the `cancel` annotation; the holder sees it at its next renewal.
 */
import { randomBytes } from "node:crypto";
import { ProviderSchema, type Provider } from "../../../contract/build.ts";
import {
  isKubernetesError,
  microTime,
  type KubernetesClient,
  type Lease,
} from "../kubernetes/client.ts";
import {
  ANNOTATIONS,
  COMPONENTS,
  LABELS,
  labelHash,
  launchpadLabels,
  launchpadSelector,
  userOf,
} from "../kubernetes/metadata.ts";

export interface BuildRef {
  user: string;
  provider: Provider;
  spec: string;
  repoUrl: string;
  ref?: string | undefined;
}

export interface RunningBuildRef {
  provider: Provider;
  spec: string;
  /** Milliseconds since the epoch. */
  startedAt: number;
}

/** One entry per build, the newest start of each, newest first. */
function newestPerBuild(builds: RunningBuildRef[]): RunningBuildRef[] {
  const byKey = new Map<string, RunningBuildRef>();
  for (const build of builds) {
    const key = buildKey(build);
    const seen = byKey.get(key);
    if (!seen || seen.startedAt < build.startedAt) byKey.set(key, build);
  }
  return [...byKey.values()].sort((a, b) => b.startedAt - a.startedAt);
}

export interface BuildTicket {
  readonly id: string;
  /** When the build started (milliseconds since the epoch): the first stream's start. */
  readonly startedAt: number;
  /** A stream of a build already counted (a re-attach, a second tab): not a new build. */
  readonly reattached: boolean;
  /** Aborted when someone (any replica) cancels this build. */
  readonly cancelled: AbortSignal;
  /** The build ended (ready, failed, cancelled, stopped): a new stream of it is a new build. */
  release(): Promise<void>;
  /**
   * The stream ended but the build goes on (the browser left, or this replica shuts down): the
   * place is kept, unrenewed, for `leaseDurationSeconds`, and a stream of the same build taking it
   * over in that time is a re-attach, not a new build.
   */
  detach(): Promise<void>;
}

export interface LimitRefusal {
  ok: false;
  reason: "concurrent" | "hourly";
  retryAfterSeconds: number;
  message: string;
}

export type AcquireResult = { ok: true; ticket: BuildTicket } | LimitRefusal;

export interface BuildLimits {
  /** Default 2. */
  concurrentPerUser?: number;
  /** Default 10. */
  perHourPerUser?: number;
}

/** A build of one provider/spec that a user started, as long as the limiter remembers it. */
export interface BuildStart {
  user: string;
  startedAt: number;
  /** When the user's stream of it ended (ms); undefined while it is open. */
  endedAt: number | undefined;
}

export interface BuildLimiter {
  acquire(build: BuildRef): Promise<AcquireResult>;
  /**
   * Who started builds of this provider/spec, on any replica: every stream's record, open or
   * ended, until it is pruned an hour after it started. The cancel policy's "who started it".
   */
  starts(build: Pick<BuildRef, "provider" | "spec">): Promise<BuildStart[]>;
  /**
   * Asks this user's open streams of this build, on every replica, to stop, and ends the build
   * where no stream holds it (detached); returns how many streams it asked.
   */
  requestCancel(build: BuildRef): Promise<number>;
  /**
   * Open streams, on any replica, of the same repository that are not this user's streams of this
   * build (with `everyUser`: not anyone's streams of this build).
   */
  otherWatchers(build: BuildRef, options?: { everyUser?: boolean }): Promise<number>;
  /** The user's builds that still run (held, or detached and not yet expired), newest first. */
  running(user: string): Promise<RunningBuildRef[]>;
  /** Stops renewals (shutdown); does not release. */
  close(): void;
}

const HOUR_MS = 3_600_000;
/** What a user waits before retrying a refused concurrent build: running builds take minutes. */
const CONCURRENT_RETRY_SECONDS = 60;

function refusal(
  reason: LimitRefusal["reason"],
  limit: number,
  retryAfterSeconds: number,
): LimitRefusal {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return {
    ok: false,
    reason,
    retryAfterSeconds: seconds,
    message:
      reason === "concurrent"
        ? `You already have ${limit} build${limit === 1 ? "" : "s"} running; wait for one to finish (try again in about ${seconds} seconds).`
        : `You have started ${limit} builds in the last hour; try again in ${seconds} seconds.`,
  };
}

export function buildKey(build: Pick<BuildRef, "provider" | "spec">): string {
  return `${build.provider}/${build.spec}`;
}

// ---------------------------------------------------------------------------------------------
// In memory (local mode, one process).

/** How often an acquire also prunes the other users' entries. */
const PRUNE_EVERY_MS = 60_000;

interface MemoryEntry {
  id: string;
  user: string;
  provider: Provider;
  spec: string;
  key: string;
  repoUrl: string;
  startedAt: number;
  /** When the build ended (released, or cancelled while detached); undefined until then. */
  endedAt: number | undefined;
  /** When the stream holding it detached; undefined while held. */
  detachedAt: number | undefined;
  /** Another stream of a build already counted: not counted again per hour. */
  attached: boolean;
  controller: AbortController;
}

/**
 * The same rules as the Kubernetes limiter, in one process: a build counts once however many
 * streams watch it (a second tab, a re-attach after a reload), and a detached place is taken over.
 * Entries are kept per user, and an acquire prunes and reads only its user's: every user's last
 * hour scanned on every start made each start cost more the more people had built (1,000 users:
 * a twentieth of the relay's CPU per stream, in a profile of the build bench).
 */
export function createMemoryBuildLimiter(
  limits: BuildLimits & { detachedSeconds?: number } = {},
  now: () => number = Date.now,
): BuildLimiter {
  const concurrent = limits.concurrentPerUser ?? 2;
  const hourly = limits.perHourPerUser ?? 10;
  const detachedMs = (limits.detachedSeconds ?? 60) * 1000;
  const byUser = new Map<string, MemoryEntry[]>();
  /** When every user's entries were last pruned (users who never build again are let go). */
  let prunedAt = now();
  let next = 0;
  const every = function* () {
    for (const list of byUser.values()) yield* list;
  };
  const live = (e: MemoryEntry, t: number) =>
    e.endedAt === undefined && (e.detachedAt === undefined || e.detachedAt + detachedMs > t);
  // Promise-returning to fit BuildLimiter; the memory limiter itself never waits.
  return {
    acquire(build) {
      return Promise.resolve(acquireNow(build));
    },
    requestCancel(build) {
      const t = now();
      const key = buildKey(build);
      const targets = (byUser.get(build.user) ?? []).filter((e) => live(e, t) && e.key === key);
      let asked = 0;
      for (const e of targets) {
        if (e.detachedAt !== undefined) {
          e.endedAt = t; // no stream to ask: the build ends here
          continue;
        }
        e.controller.abort();
        asked++;
      }
      return Promise.resolve(asked);
    },
    starts(build) {
      const key = buildKey(build);
      return Promise.resolve(
        [...every()]
          .filter((e) => e.key === key)
          // A detached stream has ended, though its place is kept for a re-attach.
          .map((e) => ({
            user: e.user,
            startedAt: e.startedAt,
            endedAt: e.detachedAt ?? e.endedAt,
          })),
      );
    },
    otherWatchers(build, { everyUser = false } = {}) {
      const t = now();
      const key = buildKey(build);
      return Promise.resolve(
        [...every()].filter(
          (e) =>
            live(e, t) &&
            e.detachedAt === undefined &&
            e.repoUrl === build.repoUrl &&
            !(e.key === key && (everyUser || e.user === build.user)),
        ).length,
      );
    },
    running(user) {
      const t = now();
      return Promise.resolve(
        newestPerBuild(
          (byUser.get(user) ?? [])
            .filter((e) => live(e, t))
            .map((e) => ({ provider: e.provider, spec: e.spec, startedAt: e.startedAt })),
        ),
      );
    },
    close() {},
  };

  function ticketFor(entry: MemoryEntry, reattached: boolean): BuildTicket {
    const controller = entry.controller;
    const holding = () => entry.controller === controller && entry.detachedAt === undefined;
    return {
      id: entry.id,
      startedAt: entry.startedAt,
      reattached,
      cancelled: controller.signal,
      release: () => {
        if (holding()) entry.endedAt = now();
        return Promise.resolve();
      },
      detach: () => {
        if (holding()) entry.detachedAt = now();
        return Promise.resolve();
      },
    };
  }

  function acquireNow(build: BuildRef): AcquireResult {
    const t = now();
    const kept = (e: MemoryEntry) => live(e, t) || e.startedAt > t - HOUR_MS;
    if (t - prunedAt > PRUNE_EVERY_MS) {
      prunedAt = t;
      for (const [user, list] of byUser) {
        const left = list.filter(kept);
        if (left.length > 0) byUser.set(user, left);
        else byUser.delete(user);
      }
    }
    const mine = (byUser.get(build.user) ?? []).filter(kept);
    if (mine.length > 0) byUser.set(build.user, mine);
    else byUser.delete(build.user);
    const key = buildKey(build);
    const same = mine.filter((e) => e.key === key && live(e, t));
    const free = same.find((e) => e.detachedAt !== undefined);
    if (free) {
      free.detachedAt = undefined;
      free.controller = new AbortController();
      return { ok: true, ticket: ticketFor(free, true) };
    }
    if (same.length === 0) {
      const running = new Set(mine.filter((e) => live(e, t)).map((e) => e.key));
      if (running.size >= concurrent)
        return refusal("concurrent", concurrent, CONCURRENT_RETRY_SECONDS);
      const lastHour = mine
        .filter((e) => !e.attached && e.startedAt > t - HOUR_MS)
        .sort((a, b) => a.startedAt - b.startedAt);
      if (lastHour.length >= hourly) {
        return refusal(
          "hourly",
          hourly,
          ((lastHour[lastHour.length - hourly]?.startedAt ?? t) + HOUR_MS - t) / 1000,
        );
      }
    }
    const entry: MemoryEntry = {
      id: `local-${++next}`,
      user: build.user,
      provider: build.provider,
      spec: build.spec,
      key,
      repoUrl: build.repoUrl,
      startedAt: t,
      endedAt: undefined,
      detachedAt: undefined,
      attached: same.length > 0,
      controller: new AbortController(),
    };
    mine.push(entry);
    byUser.set(build.user, mine);
    return { ok: true, ticket: ticketFor(entry, entry.attached) };
  }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes Leases (several replicas).

export interface KubernetesBuildLimiterOptions extends BuildLimits {
  kube: KubernetesClient;
  namespace: string;
  /** Who holds the leases this replica creates (the pod name); default a random id. */
  replicaId?: string;
  /** Default 60: a crashed replica's builds stop counting as running after this. */
  leaseDurationSeconds?: number;
  /** Default a third of the lease duration. */
  renewIntervalMs?: number;
  now?: () => number;
  onError?: (error: unknown, what: string) => void;
}

const { startedAt: A_STARTED, ended: A_ENDED, cancel: A_CANCEL } = ANNOTATIONS;

/** How often one acquire looks again after losing the admission race to another replica. */
const ADMISSION_ATTEMPTS = 10;

function annotation(lease: Lease, key: string): string | undefined {
  return lease.metadata?.annotations?.[key];
}

export function createKubernetesBuildLimiter(options: KubernetesBuildLimiterOptions): BuildLimiter {
  const { kube, namespace } = options;
  const concurrent = options.concurrentPerUser ?? 2;
  const hourly = options.perHourPerUser ?? 10;
  const durationS = options.leaseDurationSeconds ?? 60;
  const renewMs = options.renewIntervalMs ?? (durationS * 1000) / 3;
  const now = options.now ?? Date.now;
  const replicaId = options.replicaId ?? `launchpad-${randomBytes(4).toString("hex")}`;
  const onError = options.onError ?? (() => {});
  const local = new Map<string, { controller: AbortController; timer: NodeJS.Timeout }>();

  const started = (lease: Lease) => Number(annotation(lease, A_STARTED) ?? 0);
  /** The build a stream's Lease follows (labels hash it; the annotations hold it). */
  const keyOf = (lease: Lease) =>
    `${annotation(lease, ANNOTATIONS.provider) ?? ""}/${annotation(lease, ANNOTATIONS.spec) ?? ""}`;
  const isLive = (lease: Lease, t: number) => {
    if (annotation(lease, A_ENDED) !== undefined) return false;
    const renew = Date.parse(String(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? ""));
    const duration = (lease.spec?.leaseDurationSeconds ?? durationS) * 1000;
    return Number.isFinite(renew) && renew + duration > t;
  };

  async function listUser(user: string): Promise<Lease[]> {
    return kube.listLeases(namespace, launchpadSelector(COMPONENTS.buildStream, { user }));
  }

  /** Re-reads and rewrites a lease until the write lands (optimistic concurrency). */
  async function update(
    name: string,
    change: (lease: Lease) => Lease | undefined,
  ): Promise<Lease | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      let current: Lease;
      try {
        current = await kube.readLease(namespace, name);
      } catch (error) {
        if (isKubernetesError(error, 404)) return undefined;
        throw error;
      }
      const next = change(structuredClone(current));
      if (!next) return current;
      try {
        return await kube.replaceLease(namespace, next);
      } catch (error) {
        if (!isKubernetesError(error, 409)) throw error;
      }
    }
    throw new Error(`lease ${name}: too many conflicting updates`);
  }

  function startRenewing(name: string, controller: AbortController): NodeJS.Timeout {
    const timer = setInterval(() => {
      update(name, (lease) => {
        if (annotation(lease, A_CANCEL) !== undefined) {
          controller.abort();
          return undefined;
        }
        lease.spec = { ...lease.spec, renewTime: microTime(new Date(now())) as unknown as Date };
        return lease;
      }).catch((error: unknown) => onError(error, `renew lease ${name}`));
    }, renewMs);
    timer.unref();
    return timer;
  }

  function markEnded(lease: Lease): Lease {
    lease.metadata = {
      ...lease.metadata,
      annotations: { ...lease.metadata?.annotations, [A_ENDED]: String(now()) },
    };
    return lease;
  }

  async function prune(leases: Lease[], t: number): Promise<Lease[]> {
    const keep: Lease[] = [];
    for (const lease of leases) {
      const expired = started(lease) <= t - HOUR_MS && !isLive(lease, t);
      if (!expired) {
        keep.push(lease);
        continue;
      }
      await kube
        .deleteLease(namespace, lease.metadata?.name ?? "", lease.metadata?.resourceVersion)
        .catch((error: unknown) => onError(error, "prune lease"));
    }
    return keep;
  }

  /** The user's admission Lease, created on the user's first build. */
  async function admissionOf(user: string): Promise<Lease> {
    const name = `launchpad-admission-${labelHash(user)}`;
    try {
      return await kube.readLease(namespace, name);
    } catch (error) {
      if (!isKubernetesError(error, 404)) throw error;
    }
    try {
      return await kube.createLease(namespace, {
        metadata: {
          name,
          labels: launchpadLabels(COMPONENTS.buildAdmission, { user }),
          annotations: { [ANNOTATIONS.user]: user },
        },
        spec: {},
      });
    } catch (error) {
      if (!isKubernetesError(error, 409)) throw error;
      return kube.readLease(namespace, name);
    }
  }

  /**
   * Limits count builds, not streams: the streams of one build (a second tab, a re-attach after a
   * reload or a restart) share its key and its start.
   */
  function check(leases: Lease[], t: number): LimitRefusal | undefined {
    if (new Set(leases.filter((l) => isLive(l, t)).map(keyOf)).size >= concurrent)
      return refusal("concurrent", concurrent, CONCURRENT_RETRY_SECONDS);
    const starts = new Map<string, number>();
    for (const lease of leases.filter((l) => started(l) > t - HOUR_MS))
      starts.set(`${keyOf(lease)}@${started(lease)}`, started(lease));
    const lastHour = [...starts.values()].sort((a, b) => a - b);
    if (lastHour.length >= hourly)
      return refusal(
        "hourly",
        hourly,
        ((lastHour[lastHour.length - hourly] ?? t) + HOUR_MS - t) / 1000,
      );
    return undefined;
  }

  /**
   * Creates the stream's Lease and admits it (see the header); undefined when it lost a race. A
   * stream of a build that still has a live Lease (its other streams, or a stream whose replica
   * detached, shut down or died) re-attaches: it shares that build's start and is never refused.
   */
  async function admit(
    build: BuildRef,
    t: number,
  ): Promise<LimitRefusal | { name: string; startedAt: number; reattached: boolean } | undefined> {
    const admission = await admissionOf(build.user);
    const leases = await prune(await listUser(build.user), t);
    const key = buildKey(build);
    const same = leases.filter((l) => isLive(l, t) && keyOf(l) === key);
    const reattached = same.length > 0;
    const startedAt = reattached ? Math.min(...same.map(started)) : t;
    const refused = reattached ? undefined : check(leases, t);
    if (refused) return refused;
    const name = `launchpad-build-${randomBytes(6).toString("hex")}`;
    await kube.createLease(namespace, {
      metadata: {
        name,
        labels: launchpadLabels(COMPONENTS.buildStream, {
          user: build.user,
          repository: build.repoUrl,
          build: buildKey(build),
        }),
        annotations: {
          [ANNOTATIONS.user]: build.user,
          [ANNOTATIONS.provider]: build.provider,
          [ANNOTATIONS.spec]: build.spec,
          [ANNOTATIONS.repository]: build.repoUrl,
          ...(build.ref ? { [ANNOTATIONS.ref]: build.ref } : {}),
          [A_STARTED]: String(startedAt),
        },
      },
      spec: {
        holderIdentity: replicaId,
        leaseDurationSeconds: durationS,
        acquireTime: microTime(new Date(t)) as unknown as Date,
        renewTime: microTime(new Date(t)) as unknown as Date,
      },
    });
    try {
      // Carries the version read above: 409 when another acquire was admitted since.
      await kube.replaceLease(namespace, {
        ...admission,
        metadata: {
          ...admission.metadata,
          annotations: { ...admission.metadata?.annotations, [ANNOTATIONS.admittedBuild]: name },
        },
        spec: {
          ...admission.spec,
          holderIdentity: replicaId,
          renewTime: microTime(new Date(t)) as unknown as Date,
        },
      });
      return { name, startedAt, reattached };
    } catch (error) {
      await kube.deleteLease(namespace, name).catch((e: unknown) => onError(e, "withdraw lease"));
      // 404: the admission Lease was deleted (e.g. by an admin) since: look again, as for 409.
      if (isKubernetesError(error, 409) || isKubernetesError(error, 404)) return undefined;
      throw error;
    }
  }

  return {
    async acquire(build) {
      let admitted: { name: string; startedAt: number; reattached: boolean } | undefined;
      for (let attempt = 0; attempt < ADMISSION_ATTEMPTS && admitted === undefined; attempt++) {
        const outcome = await admit(build, now());
        if (outcome !== undefined && "ok" in outcome) return outcome;
        admitted = outcome;
      }
      if (admitted === undefined)
        throw new Error(`too many build starts at once for one user (${ADMISSION_ATTEMPTS} tries)`);
      const { name } = admitted;
      const controller = new AbortController();
      local.set(name, { controller, timer: startRenewing(name, controller) });
      let done = false;
      /** Stops renewing; `change` is the Lease's last write from this replica. */
      const finish = async (change: (lease: Lease) => Lease) => {
        if (done) return;
        done = true;
        const entry = local.get(name);
        if (entry) clearInterval(entry.timer);
        local.delete(name);
        await update(name, change);
      };
      return {
        ok: true,
        ticket: {
          id: name,
          startedAt: admitted.startedAt,
          reattached: admitted.reattached,
          cancelled: controller.signal,
          // The build ended: its Lease stops counting as running (it still counts for the hour),
          // and so do the Leases its earlier streams gave up when they detached.
          release: async () => {
            await finish(markEnded);
            const t = now();
            const given = (
              await kube.listLeases(
                namespace,
                launchpadSelector(COMPONENTS.buildStream, {
                  user: build.user,
                  build: buildKey(build),
                }),
              )
            ).filter((l) => isLive(l, t) && (l.spec?.holderIdentity ?? "") === "");
            for (const lease of given)
              await update(lease.metadata?.name ?? "", (l) =>
                (l.spec?.holderIdentity ?? "") === "" ? markEnded(l) : undefined,
              );
          },
          // The stream left (the page went away, this replica shuts down) but the build goes on:
          // the Lease is given up (no holder) and left to expire, so the build still counts as
          // running for its duration, and a stream that re-attaches meanwhile is the same build.
          // Its renewTime is the detach, so `starts` knows when the stream ended.
          detach: () =>
            finish((lease) => {
              lease.spec = {
                ...lease.spec,
                holderIdentity: "",
                renewTime: microTime(new Date(now())) as unknown as Date,
              };
              return lease;
            }),
        },
      };
    },

    async requestCancel(build) {
      const t = now();
      const leases = await kube.listLeases(
        namespace,
        launchpadSelector(COMPONENTS.buildStream, { user: build.user, build: buildKey(build) }),
      );
      let asked = 0;
      for (const lease of leases.filter((l) => isLive(l, t))) {
        const name = lease.metadata?.name ?? "";
        // A detached stream has no holder to see the annotation, nor a stream to ask: the build
        // ends here, as a release would have ended it.
        if ((lease.spec?.holderIdentity ?? "") === "") {
          await update(name, (l) => ((l.spec?.holderIdentity ?? "") === "" ? markEnded(l) : l));
          continue;
        }
        asked++;
        const mine = local.get(name);
        if (mine) {
          mine.controller.abort();
          continue;
        }
        await update(name, (l) => {
          l.metadata = {
            ...l.metadata,
            annotations: { ...l.metadata?.annotations, [A_CANCEL]: String(t) },
          };
          return l;
        });
      }
      return asked;
    },

    async starts(build) {
      const t = now();
      const leases = await kube.listLeases(
        namespace,
        launchpadSelector(COMPONENTS.buildStream, { build: buildKey(build) }),
      );
      return leases.flatMap((lease) => {
        const user = userOf(lease);
        // The label is a hash: the annotations say exactly which build it is.
        if (
          user === undefined ||
          annotation(lease, ANNOTATIONS.provider) !== build.provider ||
          annotation(lease, ANNOTATIONS.spec) !== build.spec
        )
          return [];
        const ended = annotation(lease, A_ENDED);
        // A replica that died without ending its stream: it ended when its Lease ran out. A
        // stream that detached (no holder) ended at its last renewal, the detach.
        const renew = Date.parse(String(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? ""));
        const expired = renew + (lease.spec?.leaseDurationSeconds ?? durationS) * 1000;
        const endedAt =
          ended !== undefined
            ? Number(ended)
            : (lease.spec?.holderIdentity ?? "") === ""
              ? renew
              : isLive(lease, t)
                ? undefined
                : expired;
        return [{ user, startedAt: started(lease), endedAt }];
      });
    },

    async otherWatchers(build, { everyUser = false } = {}) {
      const t = now();
      const leases = await kube.listLeases(
        namespace,
        launchpadSelector(COMPONENTS.buildStream, { repository: build.repoUrl }),
      );
      const userHash = labelHash(build.user);
      const keyHash = labelHash(buildKey(build));
      return leases.filter(
        (l) =>
          isLive(l, t) &&
          // A detached stream's Lease (no holder) has nobody watching it.
          (l.spec?.holderIdentity ?? "") !== "" &&
          annotation(l, A_CANCEL) === undefined &&
          !(
            l.metadata?.labels?.[LABELS.build] === keyHash &&
            (everyUser || l.metadata?.labels?.[LABELS.user] === userHash)
          ),
      ).length;
    },

    async running(user) {
      const t = now();
      const leases = (await listUser(user)).filter((l) => isLive(l, t));
      return newestPerBuild(
        leases.flatMap((lease) => {
          const provider = ProviderSchema.safeParse(annotation(lease, ANNOTATIONS.provider));
          const spec = annotation(lease, ANNOTATIONS.spec);
          return provider.success && spec !== undefined
            ? [{ provider: provider.data, spec, startedAt: started(lease) }]
            : [];
        }),
      );
    },

    close() {
      for (const entry of local.values()) clearInterval(entry.timer);
    },
  };
}
