/**
 * Vitest global setup of the `kubernetes` project: one real control plane (etcd + kube-apiserver)
 * for the whole run; test files reach it through `testCluster()` (test-cluster.ts) and keep apart
 * by working in namespaces of their own.
 */
import type { TestProject } from "vitest/node";

import { startControlPlane, type ControlPlaneInfo } from "./control-plane.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kubeControlPlane: ControlPlaneInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const plane = await startControlPlane();
  const { url, ca, adminToken, version, auditLog } = plane;
  project.provide("kubeControlPlane", { url, ca, adminToken, version, auditLog });
  return () => plane.close();
}
