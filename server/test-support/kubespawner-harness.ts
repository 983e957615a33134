/**
 * The real KubeSpawner 7.1 and the real hub glue, in the e2e hub's venv (scripts/setup-e2e.sh
 * builds it): chart/tests/glue/kubespawner_harness.py, one Python process per call (importing
 * KubeSpawner takes seconds, so ask for everything at once).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PYTHON = path.join(ROOT, ".cache", "venv-jh5", "bin", "python");
const HARNESS = path.join(ROOT, "chart", "tests", "glue", "kubespawner_harness.py");

export function kubespawnerHarness<T>(request: object): T {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run scripts/setup-e2e.sh`);
  const output = execFileSync(PYTHON, [HARNESS], {
    input: JSON.stringify(request),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output) as T;
}
