/**
 * Reads the pod manifests the e2e hub's RecordingKubeSpawner writes: one JSON file per spawn,
 * `<user>[-<server>]-<n>.json`, holding `{user, server_name, user_options, pod}` where `pod` is the
 * V1Pod exactly as KubeSpawner would have POSTed it (after the modify_pod_hook chain).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface Container {
  name: string;
  image: string;
  env?: Array<{ name: string; value?: string }>;
  resources?: {
    limits?: Record<string, number | string>;
    requests?: Record<string, number | string>;
  };
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string }>;
}

export interface PodManifest {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    volumes?: Array<Record<string, unknown> & { name: string }>;
    nodeSelector?: Record<string, string>;
  };
}

export interface Recording {
  file: string;
  user: string;
  server_name: string;
  user_options: Record<string, unknown>;
  pod: PodManifest;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Every recording of a user's server, oldest first. */
export function recordings(recordDir: string, user: string, serverName = ""): Recording[] {
  if (!existsSync(recordDir)) return [];
  const stem = user + (serverName ? `-${serverName}` : "");
  const pattern = new RegExp(`^${escapeRegExp(stem)}-(\\d+)\\.json$`);
  return readdirSync(recordDir)
    .map((file) => ({ file, match: pattern.exec(file) }))
    .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null)
    .sort((a, b) => Number(a.match[1]) - Number(b.match[1]))
    .map(({ file }) => {
      const full = path.join(recordDir, file);
      return { file: full, ...(JSON.parse(readFileSync(full, "utf8")) as Omit<Recording, "file">) };
    });
}

export function recordingCount(recordDir: string, user: string, serverName = ""): number {
  return recordings(recordDir, user, serverName).length;
}

/** The notebook container (KubeSpawner names it "notebook"). */
export function notebookContainer(pod: PodManifest): Container {
  const container =
    pod.spec.containers.find((c) => c.name === "notebook") ?? pod.spec.containers[0];
  if (!container) throw new Error("the recorded pod has no containers");
  return container;
}
