/**
 * One replica at a time for work every replica could do (the projects sweep), with a
 * coordination.k8s.io/v1 Lease used as client-go's leader election uses it (`tryAcquireOrRenew`
 * and `release`,
 * https://github.com/kubernetes/client-go/blob/9a8caafaa5b520682d68111828b297eab42bcab8/tools/leaderelection/leaderelection.go):
 *
 * - `claim()` before each round: create the Lease if there is none; renew it if we hold it; take
 *   it over if it has no holder, or if it has not changed for `durationSeconds` *as this replica
 *   saw it* (client-go trusts only its own clock: the renewTime in the object may come from a
 *   clock that is off); otherwise another replica is working and we skip the round;
 * - every write carries the resourceVersion read, so of two replicas taking over at once only one
 *   write lands (409 for the other);
 * - `release()` on shutdown empties holderIdentity, so another replica takes over at its next
 *   round instead of waiting out the duration.
 */
import { isKubernetesError, microTime, type KubernetesClient, type Lease } from "./client.ts";

export interface LeaderLeaseOptions {
  kube: KubernetesClient;
  namespace: string;
  /** The Lease's name, shared by all replicas. */
  name: string;
  /** This replica (the pod name). */
  holder: string;
  /** A holder that has not renewed for this long is gone. */
  durationSeconds: number;
  labels?: Record<string, string>;
  now?: () => number;
}

export class LeaderLease {
  private readonly options: LeaderLeaseOptions;
  private readonly now: () => number;
  /** The Lease as last seen, and when (this replica's clock). */
  private observed: { resourceVersion: string | undefined; at: number } | undefined;
  private holding = false;

  constructor(options: LeaderLeaseOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Whether this replica holds the Lease now (and should do the work). */
  async claim(): Promise<boolean> {
    const { kube, namespace, name, holder, durationSeconds } = this.options;
    const t = this.now();
    let lease: Lease;
    try {
      lease = await kube.readLease(namespace, name);
    } catch (error) {
      if (!isKubernetesError(error, 404)) throw error;
      return this.landed(() =>
        kube.createLease(namespace, {
          metadata: { name, ...(this.options.labels ? { labels: this.options.labels } : {}) },
          spec: {
            holderIdentity: holder,
            leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(new Date(t)) as unknown as Date,
            renewTime: microTime(new Date(t)) as unknown as Date,
            leaseTransitions: 0,
          },
        }),
      );
    }
    const version = lease.metadata?.resourceVersion;
    const seen =
      this.observed !== undefined && this.observed.resourceVersion === version
        ? this.observed
        : { resourceVersion: version, at: t };
    this.observed = seen;
    const current = lease.spec?.holderIdentity ?? "";
    const mine = current === holder;
    const stale = seen.at + durationSeconds * 1000 <= t;
    if (current !== "" && !mine && !stale) {
      this.holding = false;
      return false;
    }
    const spec = lease.spec ?? {};
    return this.landed(() =>
      kube.replaceLease(namespace, {
        ...lease,
        spec: {
          ...spec,
          holderIdentity: holder,
          leaseDurationSeconds: durationSeconds,
          renewTime: microTime(new Date(t)) as unknown as Date,
          acquireTime: mine ? spec.acquireTime : (microTime(new Date(t)) as unknown as Date),
          leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
        },
      }),
    );
  }

  /** Gives the Lease up if this replica holds it, so another takes over at once. */
  async release(): Promise<void> {
    if (!this.holding) return;
    this.holding = false;
    const { kube, namespace, name, holder } = this.options;
    try {
      const lease = await kube.readLease(namespace, name);
      if (lease.spec?.holderIdentity !== holder) return;
      await kube.replaceLease(namespace, { ...lease, spec: { ...lease.spec, holderIdentity: "" } });
    } catch (error) {
      // Gone or taken over meanwhile: nothing of ours to give up.
      if (!isKubernetesError(error, 404) && !isKubernetesError(error, 409)) throw error;
    }
  }

  /** Runs one write; true when it landed (409: another replica was faster). */
  private async landed(write: () => Promise<Lease>): Promise<boolean> {
    try {
      const written = await write();
      this.observed = { resourceVersion: written.metadata?.resourceVersion, at: this.now() };
      this.holding = true;
      return true;
    } catch (error) {
      if (!isKubernetesError(error, 409)) throw error;
      this.holding = false;
      return false;
    }
  }
}
