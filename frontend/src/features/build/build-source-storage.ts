/**
 * Remembers the last provider, repository and ref between visits. These are not secrets; no
 * token ever goes to browser storage: the hub token stays in the companion's HttpOnly session
 * cookie (server/src/auth/session.ts).
 */
import { BuildSourceSchema, type BuildSource } from "../../../../contract/providers/catalog.ts";

const KEY = "launchpad.build.last-source";

function defaultStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function loadLastSource(storage: Storage | null = defaultStorage()): BuildSource | null {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return null;
    const parsed = BuildSourceSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function saveLastSource(
  source: BuildSource,
  storage: Storage | null = defaultStorage(),
): void {
  try {
    storage?.setItem(KEY, JSON.stringify(source));
  } catch {
    // Storage full or disabled: remembering is a convenience.
  }
}
