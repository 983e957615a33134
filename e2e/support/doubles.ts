/**
 * The tests' handle on the test cluster (the real kube-apiserver the companion, the hub's
 * KubeSpawner and the BinderHub double use) as its admin, its kubelet and its volumes, and helpers
 * to drive the build panel.
 */
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import path from "node:path";
import { expect, type Page } from "@playwright/test";
import { FULLBUILD_EVENTSOURCE_PATH } from "../../server/src/local/recorded-build.ts";
import { httpsGet } from "../../server/test-support/kube/control-plane.ts";
import { PROVIDER_REFS, type BuildSource } from "../../contract/providers/catalog.ts";
import { toSpec } from "../../contract/providers/spec.ts";
import { PROVIDER_COPY, REF_LABEL } from "../../frontend/src/lib/provider-copy.ts";
import { binderhubNames, resolveOffline } from "../../server/test-support/binderhub-naming.ts";
import { pauseTestKubelet, type DoublesInfo, type StackInfo } from "./stack.ts";

export interface KubeObject {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface JobManifest extends KubeObject {
  spec: {
    template: {
      spec: {
        volumes: Array<Record<string, unknown> & { name: string }>;
        containers: Array<{
          name: string;
          image: string;
          command?: string[];
          env?: Array<{ name: string; value?: string }>;
          volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string }>;
        }>;
      };
    };
  };
}

export function doublesOf(hub: StackInfo): DoublesInfo {
  if (!hub.doubles)
    throw new Error("this stack runs without building and projects (features: false)");
  return hub.doubles;
}

type Collection = "pods" | "configmaps" | "jobs" | "persistentvolumeclaims" | "leases";

function collectionPath(collection: Collection, namespace: string): string {
  return collection === "jobs"
    ? `/apis/batch/v1/namespaces/${namespace}/jobs`
    : collection === "leases"
      ? `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`
      : `/api/v1/namespaces/${namespace}/${collection}`;
}

async function kube(hub: StackInfo, apiPath: string): Promise<{ status: number; body: string }> {
  const doubles = doublesOf(hub);
  return httpsGet(`${doubles.kubeUrl}${apiPath}`, { ca: doubles.kubeCa, token: doubles.kubeToken });
}

/** `GET` a collection, optionally with a label selector, as `kubectl get -l` would. */
export async function listObjects<T extends KubeObject = KubeObject>(
  hub: StackInfo,
  collection: Collection,
  namespace: string,
  labelSelector?: string,
): Promise<T[]> {
  const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
  const response = await kube(hub, `${collectionPath(collection, namespace)}${query}`);
  expect(response.status, `list ${collection}`).toBe(200);
  return (JSON.parse(response.body) as { items: T[] }).items;
}

/** The build pods BinderHub (the double) runs, as the companion's canceller selects them. */
export function buildPods(hub: StackInfo): Promise<KubeObject[]> {
  return listObjects(hub, "pods", doublesOf(hub).buildNamespace, "component=binderhub-build");
}

/** A user's single-user pods, as the companion selects them (KubeSpawner's labels). */
export function userPods(hub: StackInfo, user: string): Promise<KubeObject[]> {
  return listObjects(
    hub,
    "pods",
    doublesOf(hub).hubNamespace,
    `component=singleuser-server,hub.jupyter.org/username=${user}`,
  );
}

/**
 * Adds an annotation to a build pod (a JSON merge patch as the tests' admin), e.g. the BinderHub
 * double's FINISH_ANNOTATION, which ends a `steady` build.
 */
export async function annotateBuildPod(
  hub: StackInfo,
  name: string,
  annotations: Record<string, string>,
): Promise<void> {
  const doubles = doublesOf(hub);
  const url = `${doubles.kubeUrl}/api/v1/namespaces/${doubles.buildNamespace}/pods/${name}`;
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: "PATCH",
        ca: doubles.kubeCa,
        headers: {
          authorization: `Bearer ${doubles.kubeToken}`,
          "content-type": "application/merge-patch+json",
        },
        timeout: 5000,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(JSON.stringify({ metadata: { annotations } }));
  });
  expect(status, `annotate pod ${name}`).toBe(200);
}

export function jobs(hub: StackInfo): Promise<JobManifest[]> {
  return listObjects<JobManifest>(hub, "jobs", doublesOf(hub).hubNamespace);
}

/**
 * Pauses the test kubelet (nothing is scheduled, run or finished) and resolves once it is idle;
 * `resumeKubelet` lets it go on.
 */
export function pauseKubelet(hub: StackInfo): Promise<void> {
  return pauseTestKubelet(doublesOf(hub).clusterPid, hub.stateDir);
}

export function resumeKubelet(hub: StackInfo): void {
  process.kill(doublesOf(hub).clusterPid, "SIGUSR2");
}

/** The host folder the test kubelet gives a claim in the hub's namespace (volumeDirsUnder). */
export function claimFolder(hub: StackInfo, claim: string): string {
  const doubles = doublesOf(hub);
  return path.join(doubles.volumesDir, doubles.hubNamespace, "pvc", claim);
}

// --- the recorded build (fullbuild.eventsource) ------------------------------------------------

interface RecordedEvent {
  phase?: string;
  message?: string;
  image?: string;
  imageName?: string;
}

function recordedEvents(): RecordedEvent[] {
  return readFileSync(FULLBUILD_EVENTSOURCE_PATH, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice("data: ".length)) as RecordedEvent);
}

/** The image the recorded build produced (its final `ready` event). */
export function recordedImageName(): string {
  const ready = recordedEvents().findLast((e) => e.phase === "ready");
  const image = ready?.imageName ?? ready?.image;
  if (!image) throw new Error("the recorded build has no ready event with an image");
  return image;
}

/** A line of the recorded log, found by its start (e.g. "Successfully built "), without "\n". */
export function recordedLogLine(startsWith: string): string {
  const event = recordedEvents().find((e) => e.message?.startsWith(startsWith));
  if (!event?.message)
    throw new Error(`no line starting ${JSON.stringify(startsWith)} in the recording`);
  return event.message.trimEnd();
}

// --- the build panel ------------------------------------------------------------------------

/**
 * Chooses "Build from a repository" in the image option (the build form opens inside it), then
 * fills in the form (provider, repository, ref where the provider has one).
 */
export async function fillBuildForm(page: Page, source: BuildSource): Promise<void> {
  const copy = PROVIDER_COPY[source.provider];
  await page.getByRole("radio", { name: "Build from a repository", exact: true }).check();
  await page.getByLabel("Provider", { exact: true }).selectOption(source.provider);
  await page.getByLabel(copy.repoLabel, { exact: true }).fill(source.repo);
  if (PROVIDER_REFS[source.provider].hasRef)
    await page.getByLabel(REF_LABEL, { exact: true }).fill(source.ref);
}

/**
 * The image the BinderHub double names in `ready` for a build of `source`: BinderHub's naming as
 * the double implements it (server/test-support/binderhub-naming.ts, checked against BinderHub's
 * own functions), never the companion's.
 */
export function expectedImageName(source: BuildSource): string {
  const spec = toSpec(source.provider, source.repo, source.ref);
  return binderhubNames(source.provider, spec, resolveOffline(source.provider, spec)).imageName;
}

/**
 * Builds `source` with the panel's Build button and waits for the panel to say the image is ready.
 * Returns the image name the panel shows (the `imageName` it received).
 */
export async function buildUntilReady(page: Page, source: BuildSource): Promise<string> {
  await fillBuildForm(page, source);
  await page.getByRole("button", { name: "Build image", exact: true }).click();
  await expect(buildStatus(page)).toHaveText(/(?:built and ready|already built\. It is ready)\.$/);
  const image = buildPanel(page).locator(".lp-build-image").getByRole("code");
  await expect(image).toHaveCount(1);
  return (await image.textContent()) ?? "";
}

/** The build form under "Build from a repository". */
export function buildPanel(page: Page) {
  return page.getByRole("region", { name: "Build from a repository" });
}

/** The build's live status line. */
export function buildStatus(page: Page) {
  return buildPanel(page).getByRole("status");
}
