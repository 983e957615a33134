/**
 * The Events the test kubelet writes for the pods it schedules and runs, as kube-scheduler and the
 * kubelet write them, in core/v1 (`/api/v1/namespaces/<ns>/events`): the API KubeSpawner's event
 * reflector lists and watches (`list_namespaced_event` with `involvedObject.kind=Pod`,
 * https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L2915-L2930), whose
 * events for the pod's name `progress()` relays on the hub's pending page as
 * "<lastTimestamp or eventTime> [<type>] <message>".
 *
 * Reasons and messages are the upstream ones (Kubernetes v1.36):
 * - kube-scheduler's "Scheduled", "Successfully assigned <ns>/<pod> to <node>", action "Binding",
 *   written through the events.k8s.io recorder: `eventTime`, `reportingController`
 *   `default-scheduler`, no `source`, no `firstTimestamp`/`lastTimestamp`
 *   (https://github.com/kubernetes/kubernetes/blob/v1.36.5/pkg/scheduler/schedule_one.go, finishBinding);
 * - the kubelet's reasons (https://github.com/kubernetes/kubernetes/blob/v1.36.5/pkg/kubelet/events/event.go)
 *   with the messages of the image manager ("Pulling image %q", "Successfully pulled image %q in
 *   %v (%v including waiting). Image size: %v bytes.", "Container image %q already present on
 *   machine": pkg/kubelet/images/image_manager.go), of startContainer ("Created container: %v",
 *   "Started container %v", "Error: %v": pkg/kubelet/kuberuntime/kuberuntime_container.go) and of
 *   the crash-loop back-off ("Back-off restarting failed container %s in pod %s", the pod as
 *   `<name>_<namespace>(<uid>)`: kuberuntime_manager.go doBackOff and pkg/kubelet/util/format);
 *   written through client-go's core/v1 recorder: `source` {component kubelet, host <node>},
 *   `reportingComponent` kubelet, `reportingInstance` <node>, `firstTimestamp`/`lastTimestamp`,
 *   `count`, named `<pod>.<hex nanoseconds>`, and a container's `involvedObject.fieldPath`
 *   `spec.initContainers{<name>}` or `spec.containers{<name>}` (pkg/kubelet/container/ref.go).
 *   An event identical to an earlier one of the pod (a restarted container's) is counted on the
 *   earlier one, as client-go's EventCorrelator aggregates it (tools/record/events_cache.go).
 */
import type { CoreV1Event, V1Container, V1Pod } from "@kubernetes/client-node";

import { statusOf, type TestCluster } from "./cluster.ts";

export type ContainerKind = "initContainers" | "containers";

interface Recorded {
  name: string;
  namespace: string;
  count: number;
}

export class PodEvents {
  private readonly cluster: TestCluster;
  private readonly node: string;
  /** Events written, by pod uid and what makes two of them one (correlator key). */
  private readonly written = new Map<string, Recorded>();
  /** Images this node has pulled: a second pod's start finds them present. */
  private readonly pulled = new Set<string>();
  private lastNanos = 0n;

  constructor(cluster: TestCluster, node: string) {
    this.cluster = cluster;
    this.node = node;
  }

  /** kube-scheduler's event after it bound the pod to `node`. */
  async scheduled(pod: V1Pod, node: string): Promise<void> {
    const { name, namespace } = this.names(pod);
    const now = new Date();
    await this.create(namespace, {
      metadata: { name: this.eventName(name), namespace },
      involvedObject: this.reference(pod),
      reason: "Scheduled",
      message: `Successfully assigned ${namespace}/${name} to ${node}`,
      type: "Normal",
      action: "Binding",
      // A MicroTime: the API server takes exactly six digits of fraction (client-node's Date has three).
      eventTime: now.toISOString().replace(/Z$/, "000Z") as unknown as Date,
      reportingComponent: "default-scheduler",
      reportingInstance: `default-scheduler-${this.node}`,
      source: {},
    });
  }

  /** The kubelet's events for starting a container: its image, then Created and Started. */
  async started(pod: V1Pod, container: V1Container, kind: ContainerKind): Promise<void> {
    const image = container.image ?? "";
    if (this.pulled.has(image)) {
      await this.kubelet(
        pod,
        container,
        kind,
        "Normal",
        "Pulled",
        `Container image "${image}" already present on machine`,
      );
    } else {
      const started = Date.now();
      await this.kubelet(pod, container, kind, "Normal", "Pulling", `Pulling image "${image}"`);
      this.pulled.add(image);
      const took = `${Date.now() - started}ms`;
      await this.kubelet(
        pod,
        container,
        kind,
        "Normal",
        "Pulled",
        `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: 0 bytes.`,
      );
    }
    await this.kubelet(
      pod,
      container,
      kind,
      "Normal",
      "Created",
      `Created container: ${container.name}`,
    );
    await this.kubelet(
      pod,
      container,
      kind,
      "Normal",
      "Started",
      `Started container ${container.name}`,
    );
  }

  /** The container could not be started (the runtime's error). */
  async failedToStart(
    pod: V1Pod,
    container: V1Container,
    kind: ContainerKind,
    error: string,
  ): Promise<void> {
    await this.kubelet(pod, container, kind, "Warning", "Failed", `Error: ${error}`);
  }

  /** The container exited and waits out the back-off before it is restarted. */
  async backOff(pod: V1Pod, container: V1Container, kind: ContainerKind): Promise<void> {
    const { name, namespace } = this.names(pod);
    const formatted = `${name}_${namespace}(${pod.metadata!.uid!})`;
    await this.kubelet(
      pod,
      container,
      kind,
      "Warning",
      "BackOff",
      `Back-off restarting failed container ${container.name} in pod ${formatted}`,
    );
  }

  /** Forgets a deleted pod's events (the API server keeps them until their TTL). */
  forget(uid: string): void {
    for (const key of this.written.keys()) if (key.startsWith(`${uid}|`)) this.written.delete(key);
  }

  private async kubelet(
    pod: V1Pod,
    container: V1Container,
    kind: ContainerKind,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ): Promise<void> {
    const { name, namespace } = this.names(pod);
    const involvedObject = { ...this.reference(pod), fieldPath: `spec.${kind}{${container.name}}` };
    const key = [pod.metadata!.uid!, involvedObject.fieldPath, type, reason, message].join("|");
    const now = new Date();
    const earlier = this.written.get(key);
    if (earlier) {
      try {
        const event = await this.cluster.core.readNamespacedEvent({
          namespace,
          name: earlier.name,
        });
        earlier.count += 1;
        await this.cluster.core.replaceNamespacedEvent({
          namespace,
          name: earlier.name,
          body: { ...event, count: earlier.count, lastTimestamp: now },
        });
        return;
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
        this.written.delete(key);
      }
    }
    const eventName = this.eventName(name);
    await this.create(namespace, {
      metadata: { name: eventName, namespace },
      involvedObject,
      reason,
      message,
      type,
      source: { component: "kubelet", host: this.node },
      reportingComponent: "kubelet",
      reportingInstance: this.node,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
    this.written.set(key, { name: eventName, namespace, count: 1 });
  }

  private reference(pod: V1Pod) {
    return {
      apiVersion: "v1",
      kind: "Pod",
      namespace: pod.metadata!.namespace!,
      name: pod.metadata!.name!,
      uid: pod.metadata!.uid!,
      resourceVersion: pod.metadata!.resourceVersion,
    };
  }

  private names(pod: V1Pod): { name: string; namespace: string } {
    return { name: pod.metadata!.name!, namespace: pod.metadata!.namespace! };
  }

  /** client-go's `<object name>.<UnixNano in hex>`, unique even for two events in one millisecond. */
  private eventName(name: string): string {
    let nanos = BigInt(Date.now()) * 1_000_000n;
    if (nanos <= this.lastNanos) nanos = this.lastNanos + 1n;
    this.lastNanos = nanos;
    return `${name}.${nanos.toString(16)}`;
  }

  private async create(namespace: string, body: CoreV1Event): Promise<void> {
    try {
      await this.cluster.core.createNamespacedEvent({ namespace, body });
    } catch (error) {
      // The namespace is being deleted (a test's end): nothing is left to tell.
      if (statusOf(error) !== 404 && statusOf(error) !== 403) throw error;
    }
  }
}
