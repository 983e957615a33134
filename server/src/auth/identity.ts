/**
 * Who a token belongs to. Two implementations of one interface, so every route runs the same code
 * in the cluster and on a laptop: `HubIdentity` asks JupyterHub's `GET /hub/api/user`, as HubAuth's
 * `user_for_token` does (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L680-L710),
 * `LocalIdentity` knows the tokens it issued to the local demo user.
 */
import { createHash, randomBytes } from "node:crypto";
import type { HubClient, HubUser } from "../hub/hub-client.ts";

export type TokenCheck =
  | { outcome: "ok"; user: HubUser }
  /**
   * Unknown, expired or revoked: hub logout deletes the session's tokens
   * (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/handlers/base.py#L613-L640).
   */
  | { outcome: "invalid" }
  /**
   * A real user whose token lacks `access:services!service=<name>`: the default `user` role is only
   * `self` (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/roles.py#L23-L30), which does not include it.
   */
  | { outcome: "no-access"; user: HubUser };

export interface Identity {
  readonly kind: "hub" | "local";
  check(token: string): Promise<TokenCheck>;
}

/**
 * HubAuthenticated.check_hub_user with check_scopes
 * (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L1462-L1500, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L74-L106).
 */
export function hasServiceAccess(scopes: readonly string[], serviceName: string): boolean {
  return (
    scopes.includes("access:services") || scopes.includes(`access:services!service=${serviceName}`)
  );
}

export interface HubIdentityOptions {
  hub: HubClient;
  serviceName: string;
  now: () => number;
  /** HubAuth's cache_max_age is 300 s (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L469-L478). */
  cacheSeconds?: number;
  maxCacheEntries?: number;
}

interface CacheEntry {
  user: HubUser;
  expiresAt: number;
}

export class HubIdentity implements Identity {
  readonly kind = "hub";
  readonly #options: Required<HubIdentityOptions>;
  /** Keyed by sha256(token) so that raw tokens never sit in memory longer than a request. */
  readonly #cache = new Map<string, CacheEntry>();

  constructor(options: HubIdentityOptions) {
    this.#options = { cacheSeconds: 300, maxCacheEntries: 10_000, ...options };
  }

  async check(token: string): Promise<TokenCheck> {
    const key = createHash("sha256").update(token).digest("base64url");
    const now = this.#options.now();
    let user = this.#lookup(key, now);
    if (!user) {
      const fetched = await this.#options.hub.getUser(token);
      if (!fetched) {
        this.#cache.delete(key);
        return { outcome: "invalid" };
      }
      user = fetched;
      this.#remember(key, user, now);
    }
    return hasServiceAccess(user.scopes, this.#options.serviceName)
      ? { outcome: "ok", user }
      : { outcome: "no-access", user };
  }

  #lookup(key: string, now: number): HubUser | undefined {
    const entry = this.#cache.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#cache.delete(key);
      return undefined;
    }
    return entry.user;
  }

  #remember(key: string, user: HubUser, now: number): void {
    this.#cache.delete(key);
    // A Map iterates in insertion order, so the first key is the oldest entry.
    while (this.#cache.size >= this.#options.maxCacheEntries) {
      const oldest = this.#cache.keys().next();
      if (oldest.done) break;
      this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, { user, expiresAt: now + this.#options.cacheSeconds * 1000 });
  }

  /** Forget a token at once (our own logout); other replicas forget it after cacheSeconds. */
  forget(token: string): void {
    this.#cache.delete(createHash("sha256").update(token).digest("base64url"));
  }
}

export const LOCAL_USER: HubUser = Object.freeze({
  name: "demo",
  admin: true,
  groups: [],
  scopes: ["access:services"],
});

/** Local mode: no hub. Tokens are random and held in memory, so a restart just logs in again. */
export class LocalIdentity implements Identity {
  readonly kind = "local";
  readonly #tokens = new Set<string>();
  readonly #user: HubUser;

  constructor(user: HubUser = LOCAL_USER) {
    this.#user = user;
  }

  issueToken(): string {
    const token = `local-${randomBytes(24).toString("base64url")}`;
    // Bounded: every demo page load without a cookie issues one.
    if (this.#tokens.size >= 1000) this.#tokens.clear();
    this.#tokens.add(token);
    return token;
  }

  check(token: string): Promise<TokenCheck> {
    return Promise.resolve(
      this.#tokens.has(token) ? { outcome: "ok", user: this.#user } : { outcome: "invalid" },
    );
  }
}
