/**
 * Stops a BinderHub build for real. Closing the event stream does not (`stop()` only stops
 * watching, https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/build.py#L215-L222; the build pod runs on), so cancel deletes
 * the build pod.
 *
 * A pod is deleted only if ALL of these hold:
 * - it carries the label `component=binderhub-build` (checked again on the object, not only in the
 *   list's selector);
 * - its `binder-repo` annotation equals the build's repository URL (binderhub-naming.ts);
 * - its name starts with `build-<safe slug>-` when the slug follows from the spec, and equals the
 *   full deterministic name when the ref is already a full commit SHA (`_generate_build_name`,
 *   https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L84-L114);
 * - it is not already being deleted;
 * - when the canceller is told when the user's own build ended, it was created before that (a pod
 *   BinderHub started later, for somebody else's request, is not the user's build).
 * The delete carries the pod's uid as a precondition, so a pod re-created under the same name in
 * between is left alone.
 */
import type { Pod } from "../kubernetes/client.ts";
import { isKubernetesError, type KubernetesClient } from "../kubernetes/client.ts";
import { buildPodName, buildPodNamePrefix, buildSlug } from "./binderhub-naming.ts";
import type { BuildRef } from "./limiter.ts";

export const BUILD_POD_SELECTOR = "component=binderhub-build";

export interface PodCancelResult {
  deleted: string[];
}

export interface PodCancelOptions {
  /** Only pods created before this (ms since the epoch). */
  createdBefore?: number | undefined;
}

export interface BuildPodCanceller {
  cancel(build: BuildRef, options?: PodCancelOptions): Promise<PodCancelResult>;
}

export function matchesBuild(pod: Pod, build: BuildRef, options: PodCancelOptions = {}): boolean {
  const name = pod.metadata?.name ?? "";
  if (pod.metadata?.labels?.component !== "binderhub-build") return false;
  if (pod.metadata?.deletionTimestamp) return false;
  if (options.createdBefore !== undefined) {
    const created = Date.parse(String(pod.metadata?.creationTimestamp ?? ""));
    if (!Number.isFinite(created) || created > options.createdBefore) return false;
  }
  if (pod.metadata?.annotations?.["binder-repo"] !== build.repoUrl) return false;
  const slug = buildSlug(build.provider, build.spec);
  if (slug !== undefined) {
    if (!name.startsWith(buildPodNamePrefix(slug))) return false;
    if (build.ref && /^[0-9a-f]{40}$/.test(build.ref) && name !== buildPodName(slug, build.ref))
      return false;
  }
  return true;
}

export function createKubernetesPodCanceller(options: {
  kube: KubernetesClient;
  namespace: string;
}): BuildPodCanceller {
  const { kube, namespace } = options;
  return {
    async cancel(build, options) {
      const pods = await kube.listPods(namespace, BUILD_POD_SELECTOR);
      const deleted: string[] = [];
      for (const pod of pods.filter((p) => matchesBuild(p, build, options))) {
        const name = pod.metadata?.name ?? "";
        try {
          await kube.deletePod(namespace, name, pod.metadata?.uid);
          deleted.push(name);
        } catch (error) {
          // Gone already (finished and cleaned up by BinderHub) or replaced: nothing to stop.
          if (!isKubernetesError(error, 404) && !isKubernetesError(error, 409)) throw error;
        }
      }
      return { deleted };
    },
  };
}
