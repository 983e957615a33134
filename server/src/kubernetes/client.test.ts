import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubernetesDouble, LEASE, POD } from "../../test-support/kubernetes-double.ts";
import { KubernetesError, microTime, type KubernetesClient } from "./client.ts";
import { createKubernetesClient, loadConnection } from "./rest-client.ts";

let double: KubernetesDouble;
let kube: KubernetesClient;

beforeEach(async () => {
  double = await new KubernetesDouble().start();
  const path = double.writeKubeconfig(mkdtempSync(join(tmpdir(), "kube-")));
  kube = createKubernetesClient(loadConnection({ kubeconfigPath: path, env: {} }), {
    requestTimeoutMs: 500,
  });
});
afterEach(() => double.close());

function lease(name: string, labels: Record<string, string> = {}) {
  return {
    metadata: { name, labels },
    spec: {
      holderIdentity: "r1",
      leaseDurationSeconds: 30,
      renewTime: microTime(new Date()) as unknown as Date,
    },
  };
}

describe("KubernetesClient against the double", () => {
  it("creates, reads, lists by label, replaces with optimistic concurrency and deletes leases", async () => {
    const created = await kube.createLease("ns", lease("a", { user: "u1" }));
    await kube.createLease("ns", lease("b", { user: "u2" }));
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect((await kube.listLeases("ns", "user=u1")).map((l) => l.metadata?.name)).toEqual(["a"]);
    expect((await kube.listLeases("ns", "user in (u1,u2)")).length).toBe(2);
    const read = await kube.readLease("ns", "a");
    const updated = await kube.replaceLease("ns", {
      ...read,
      spec: { ...read.spec, holderIdentity: "r2" },
    });
    expect(updated.spec?.holderIdentity).toBe("r2");
    const stale = kube.replaceLease("ns", read);
    await expect(stale).rejects.toMatchObject({ status: 409, reason: "Conflict" });
    await expect(kube.createLease("ns", lease("a"))).rejects.toMatchObject({
      status: 409,
      reason: "AlreadyExists",
    });
    await expect(kube.deleteLease("ns", "a", read.metadata?.resourceVersion)).rejects.toMatchObject(
      { status: 409 },
    );
    await kube.deleteLease("ns", "a", updated.metadata?.resourceVersion);
    await expect(kube.readLease("ns", "a")).rejects.toMatchObject({
      status: 404,
      reason: "NotFound",
    });
    expect(double.objects(LEASE, "ns").map((l) => l.metadata.name)).toEqual(["b"]);
  });

  it("refuses a renewTime without microseconds, as the apiserver does", async () => {
    const bad = { metadata: { name: "x" }, spec: { renewTime: new Date() } };
    await expect(kube.createLease("ns", bad)).rejects.toMatchObject({ status: 400 });
  });

  it("lists and deletes pods, with a uid precondition", async () => {
    double.put(POD, "builds", {
      metadata: { name: "build-a", labels: { component: "binderhub-build" } },
    });
    const [pod] = await kube.listPods("builds", "component=binderhub-build");
    expect(pod?.metadata?.name).toBe("build-a");
    await expect(kube.deletePod("builds", "build-a", "other-uid")).rejects.toMatchObject({
      status: 409,
    });
    await kube.deletePod("builds", "build-a", pod?.metadata?.uid);
    expect(double.objects(POD, "builds")).toEqual([]);
  });

  it("reports injected 500s and timeouts as KubernetesError", async () => {
    double.failNext({ plural: "pods", fail: 500 });
    await expect(kube.listPods("builds", "")).rejects.toMatchObject({
      status: 500,
      reason: "InternalError",
    });
    double.failNext({ plural: "pods", fail: "timeout" });
    const error = await kube.listPods("builds", "").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesError);
    expect(error).toMatchObject({ status: 0 });
    expect(await kube.listPods("builds", "")).toEqual([]);
  });
});
