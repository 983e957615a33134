/**
 * The run's real control plane (global-setup.ts provides it), from a test file of the `kubernetes`
 * vitest project.
 */
import { inject } from "vitest";

import { TestCluster } from "./cluster.ts";

export function testCluster(): TestCluster {
  return new TestCluster(inject("kubeControlPlane"));
}
