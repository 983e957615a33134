/**
 * Ended sessions, recorded where every replica sees them: the companion's logout, and a hub that
 * refused a session's token, make that session's cookie unusable on every replica at once — not
 * only in this replica's identity cache, and not only in this browser.
 *
 * One small document: the ids of revoked sessions with the time each session would have ended
 * anyway (an entry is dropped after that), plus a `floor`: every session ending at or before it
 * counts as revoked. When the list is full, the entries that end soonest are dropped and the floor
 * rises over them, so the document stays bounded and no revoked session ever becomes valid again
 * (sessions under the floor sign in again, which the hub's OAuth does without asking).
 *
 * Stored as a ConfigMap replaced with its `resourceVersion` (hub mode) or a file (local mode).
 * Replicas keep a copy and read it again when it is older than `refreshMs`, so a revocation made
 * elsewhere counts here within that time; the replica that revokes counts it at once.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod/mini";
import { isKubernetesError, type ConfigMap, type KubernetesClient } from "../kubernetes/client.ts";
import { COMPONENTS, launchpadLabels } from "../kubernetes/metadata.ts";
import { KeyedMutex } from "../projects/store.ts";

/** The part of a session that revocation needs. */
export interface RevocableSession {
  id: string;
  /** When the session ends by itself, in seconds since the epoch. */
  expiresAt: number;
}

const RevocationDocumentSchema = z.object({
  version: z.literal(1),
  floor: z.number(),
  revoked: z.record(z.string(), z.number()),
});
export type RevocationDocument = z.infer<typeof RevocationDocumentSchema>;

const EMPTY: RevocationDocument = { version: 1, floor: 0, revoked: {} };

/** Thrown by `write` when another writer changed the document since it was read. */
export class StaleDocumentError extends Error {
  constructor() {
    super("the revocation document changed since it was read");
    this.name = "StaleDocumentError";
  }
}

/** Read and replace one document with optimistic concurrency. */
export interface RevocationDocumentStore {
  read(): Promise<{ document: RevocationDocument; version: string | undefined }>;
  /** Throws StaleDocumentError when `version` is no longer current. */
  write(document: RevocationDocument, version: string | undefined): Promise<void>;
}

function parse(text: string, where: string): RevocationDocument {
  const parsed = RevocationDocumentSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`session revocations in ${where} are not valid`);
  return parsed.data;
}

export const REVOCATIONS_CONFIG_MAP = "launchpad-session-revocations";
const DATA_KEY = "revocations.json";

/** Hub mode: one ConfigMap in the hub's namespace (its data stays far below the 1 MiB object limit). */
export function configMapRevocationStore(
  kube: KubernetesClient,
  namespace: string,
): RevocationDocumentStore {
  return {
    async read() {
      let configMap: ConfigMap;
      try {
        configMap = await kube.readConfigMap(namespace, REVOCATIONS_CONFIG_MAP);
      } catch (error) {
        if (isKubernetesError(error, 404)) return { document: EMPTY, version: undefined };
        throw error;
      }
      const text = configMap.data?.[DATA_KEY];
      return {
        document: text === undefined ? EMPTY : parse(text, `ConfigMap ${REVOCATIONS_CONFIG_MAP}`),
        version: configMap.metadata?.resourceVersion,
      };
    },
    async write(document, version) {
      const body: ConfigMap = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: REVOCATIONS_CONFIG_MAP,
          namespace,
          labels: launchpadLabels(COMPONENTS.sessionRevocations),
          ...(version === undefined ? {} : { resourceVersion: version }),
        },
        data: { [DATA_KEY]: JSON.stringify(document) },
      };
      try {
        if (version === undefined) await kube.createConfigMap(namespace, body);
        else await kube.replaceConfigMap(namespace, body);
      } catch (error) {
        // 409: another replica created or replaced it first; 404: it was deleted since.
        if (isKubernetesError(error, 409) || isKubernetesError(error, 404))
          throw new StaleDocumentError();
        throw error;
      }
    },
  };
}

/** Local mode: `<dataDir>/session-revocations.json`, replaced by rename; one process writes it. */
export function fileRevocationStore(dataDir: string): RevocationDocumentStore {
  const file = join(dataDir, "session-revocations.json");
  return {
    async read() {
      try {
        return { document: parse(await readFile(file, "utf8"), file), version: undefined };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT")
          return { document: EMPTY, version: undefined };
        throw error;
      }
    },
    async write(document) {
      await mkdir(dataDir, { recursive: true });
      const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        await writeFile(temporary, JSON.stringify(document), { mode: 0o600 });
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
  };
}

export interface SessionRevocationsOptions {
  store: RevocationDocumentStore;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Entries kept before the floor rises; 10,000 ids take about 400 KB. */
  maxEntries?: number;
  /** How old this replica's copy may be before a check reads the document again. */
  refreshMs?: number;
  /** Attempts of a revocation under contention from other replicas. */
  maxAttempts?: number;
  onError?: (error: unknown, what: string) => void;
}

/** The document with expired entries dropped, and at most `maxEntries` left (the floor rises over the rest). */
export function pruned(
  document: RevocationDocument,
  nowSeconds: number,
  maxEntries: number,
): RevocationDocument {
  let floor = document.floor;
  const live = Object.entries(document.revoked)
    .filter(([, expiresAt]) => expiresAt > nowSeconds && expiresAt > floor)
    .sort(([, a], [, b]) => a - b);
  const dropped = live.splice(0, Math.max(0, live.length - maxEntries));
  for (const [, expiresAt] of dropped) floor = Math.max(floor, expiresAt);
  return { version: 1, floor, revoked: Object.fromEntries(live) };
}

export class SessionRevocations {
  readonly #store: RevocationDocumentStore;
  readonly #now: () => number;
  readonly #maxEntries: number;
  readonly #refreshMs: number;
  readonly #maxAttempts: number;
  readonly #onError: (error: unknown, what: string) => void;
  readonly #writes = new KeyedMutex();
  #copy: RevocationDocument = EMPTY;
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;

  constructor(options: SessionRevocationsOptions) {
    this.#store = options.store;
    this.#now = options.now;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#refreshMs = options.refreshMs ?? 1000;
    this.#maxAttempts = options.maxAttempts ?? 20;
    this.#onError = options.onError ?? (() => {});
  }

  /** Whether the session was revoked, on this replica or another. */
  async isRevoked(session: RevocableSession): Promise<boolean> {
    if (this.#now() - this.#readAt >= this.#refreshMs) await this.#refresh();
    return SessionRevocations.#holds(this.#copy, session);
  }

  /** Records the session as revoked for every replica; resolves once the record is stored. */
  revoke(session: RevocableSession): Promise<void> {
    return this.#writes.run("document", async () => {
      for (let attempt = 1; ; attempt += 1) {
        const { document, version } = await this.#store.read();
        const nowSeconds = Math.floor(this.#now() / 1000);
        const next = pruned(
          {
            ...document,
            revoked: { ...document.revoked, [session.id]: session.expiresAt },
          },
          nowSeconds,
          this.#maxEntries,
        );
        try {
          await this.#store.write(next, version);
          this.#copy = next;
          this.#readAt = this.#now();
          return;
        } catch (error) {
          if (!(error instanceof StaleDocumentError) || attempt >= this.#maxAttempts) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
        }
      }
    });
  }

  static #holds(document: RevocationDocument, session: RevocableSession): boolean {
    return session.expiresAt <= document.floor || Object.hasOwn(document.revoked, session.id);
  }

  /**
   * One read at a time, shared by every request waiting on it. When the store cannot be read, the
   * last copy stays in use (logged) and the next attempt waits `refreshMs`: the page must keep
   * working while the cluster API is away.
   */
  #refresh(): Promise<void> {
    this.#reading ??= this.#store
      .read()
      .then(
        ({ document }) => {
          this.#copy = document;
        },
        (error: unknown) => this.#onError(error, "read session revocations"),
      )
      .finally(() => {
        this.#readAt = this.#now();
        this.#reading = undefined;
      });
    return this.#reading;
  }
}
