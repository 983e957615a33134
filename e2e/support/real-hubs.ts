/**
 * The production hubs' z2jh values files (e2e/fixtures/real-hubs): their profile lists, and the node
 * pools those ask for, so a test stack can run their pods.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export type Override = Record<string, unknown>;
interface Choice {
  display_name?: string;
  default?: boolean;
  kubespawner_override?: Override;
}
interface Option {
  choices?: Record<string, Choice>;
}
export interface Profile {
  display_name: string;
  slug?: string;
  kubespawner_override?: Override;
  profile_options?: Record<string, Option>;
}

interface Values {
  jupyterhub?: { singleuser?: { profileList?: Profile[] } };
  basehub?: { jupyterhub?: { singleuser?: { profileList?: Profile[] } } };
}

export function profileList(file: string): Profile[] {
  const values = parse(readFileSync(file, "utf8")) as Values;
  const list = (values.jupyterhub ?? values.basehub?.jupyterhub)?.singleuser?.profileList;
  if (!list?.length) throw new Error(`no profileList in ${file}`);
  return list;
}

/**
 * Every node_selector the profiles and their choices ask for (kubespawner_override), distinct:
 * the hub's cluster has a node pool for each, and so does the test cluster.
 */
export function nodePools(profiles: Profile[]): Record<string, string>[] {
  const found = new Map<string, Record<string, string>>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== "object" || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "node_selector" && typeof value === "object" && value !== null)
        found.set(JSON.stringify(value), value as Record<string, string>);
      else visit(value);
    }
  };
  visit(profiles);
  return [...found.values()];
}
