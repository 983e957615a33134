/**
 * The companion's own Kubernetes client against the real API server: connected the way it is in a
 * pod (the ServiceAccount's mounted CA, token and namespace), and with the API server's own
 * answers for what fails. Every call it makes is exercised as the chart's Role in
 * permissions.kube.test.ts; this file is about the connection and the error shape.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testCluster } from "../../test-support/kube/test-cluster.ts";
import { KubernetesError } from "./client.ts";
import { inClusterConnection } from "./connection.ts";
import { createKubernetesClient } from "./rest-client.ts";

const cluster = testCluster();

async function serviceAccountMount() {
  const namespace = await cluster.namespace("pod");
  const buildNamespace = await cluster.namespace("builds");
  const companion = await cluster.installCompanion({ namespace, buildNamespace, set: [] });
  const dir = mkdtempSync(join(tmpdir(), "serviceaccount-"));
  writeFileSync(join(dir, "ca.crt"), cluster.info.ca);
  writeFileSync(join(dir, "token"), companion.token);
  writeFileSync(join(dir, "namespace"), namespace);
  const { hostname, port } = new URL(cluster.info.url);
  return { namespace, dir, hostname, port };
}

describe("rest-client on a real API server", () => {
  it("connects as a pod does and keeps the API server's Status on failures", async () => {
    const mount = await serviceAccountMount();
    const connection = inClusterConnection(mount.hostname, mount.port, mount.dir);
    expect(connection.namespace).toBe(mount.namespace);
    const kube = createKubernetesClient(connection, { requestTimeoutMs: 10_000 });

    const created = await kube.createConfigMap(mount.namespace, {
      metadata: { name: "launchpad-probe", labels: { app: "probe" } },
      data: { a: "1" },
    });
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect((await kube.listConfigMaps(mount.namespace, "app=probe")).map((c) => c.data)).toEqual([
      { a: "1" },
    ]);

    const missing = await kube.readConfigMap(mount.namespace, "nope").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(KubernetesError);
    expect(missing).toMatchObject({
      status: 404,
      reason: "NotFound",
      message: `read configmap ${mount.namespace}/nope: configmaps "nope" not found`,
    });
    const invalid = await kube
      .createConfigMap(mount.namespace, { metadata: { name: "Not_A_Name" } })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 422, reason: "Invalid" });
    const stale = await kube
      .replaceConfigMap(mount.namespace, {
        ...created,
        metadata: { ...created.metadata, resourceVersion: "1" },
      })
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ status: 409, reason: "Conflict" });
    // The chart's Role, with its default values, grants no delete on ConfigMaps: RBAC answers.
    await expect(kube.deleteConfigMap(mount.namespace, "launchpad-probe")).rejects.toMatchObject({
      status: 403,
      reason: "Forbidden",
    });
  });

  it("is refused with 401 for a token the API server does not know, and 403 outside its Role", async () => {
    const mount = await serviceAccountMount();
    writeFileSync(join(mount.dir, "token"), "not-a-token");
    const stranger = createKubernetesClient(
      inClusterConnection(mount.hostname, mount.port, mount.dir),
    );
    await expect(stranger.listLeases(mount.namespace, "")).rejects.toMatchObject({ status: 401 });
    const other = await cluster.namespace("elsewhere");
    const mounted = await serviceAccountMount();
    const companion = createKubernetesClient(
      inClusterConnection(mounted.hostname, mounted.port, mounted.dir),
    );
    await expect(companion.listConfigMaps(other, "")).rejects.toMatchObject({
      status: 403,
      reason: "Forbidden",
    });
  });

  it("refuses an API server whose certificate the mounted CA did not sign", async () => {
    const mount = await serviceAccountMount();
    writeFileSync(join(mount.dir, "ca.crt"), "");
    const blind = createKubernetesClient(
      inClusterConnection(mount.hostname, mount.port, mount.dir),
    );
    const error = await blind.listLeases(mount.namespace, "").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0 });
    expect(String((error as Error).message)).toMatch(/certificate/i);
  });
});
