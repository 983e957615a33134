/**
 * Who a token belongs to. Two implementations of one interface, so every route runs the same code
 * in the cluster and on a laptop: `HubIdentity` asks JupyterHub's `GET /hub/api/user`, as HubAuth's
 * `user_for_token` does (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L680-L710),
 * `LocalIdentity` knows the tokens it issued to the local demo user.
 */
import { createHash, randomBytes } from "node:crypto";
import type { HubClient, HubUser, TokenOwner } from "../hub/hub-client.ts";

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
  | { outcome: "no-access"; user: HubUser }
  /** A token the hub accepts that is not a user's (a service's): it never acts as a user. */
  | { outcome: "not-a-user"; ownerKind: string; name: string };

export interface CheckOptions {
  /** Ask the hub even when a recent answer is cached (writes: a hub logout counts at once). */
  fresh?: boolean;
}

export interface Identity {
  readonly kind: "hub" | "local";
  check(token: string, options?: CheckOptions): Promise<TokenCheck>;
  /** Forget a token at once (a logout, or the hub refused it). */
  forget(token: string): void;
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
  /**
   * How long the hub's answer about a token is reused: a hub logout counts here after at most this
   * long (writes ask again every time). HubAuth's `cache_max_age` is 300 s
   * (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L469-L478);
   * ours is shorter.
   */
  cacheSeconds?: number;
  maxCacheEntries?: number;
}

interface CacheEntry {
  owner: TokenOwner;
  expiresAt: number;
}

export class HubIdentity implements Identity {
  readonly kind = "hub";
  readonly #options: Required<HubIdentityOptions>;
  /** Keyed by sha256(token) so that raw tokens never sit in memory longer than a request. */
  readonly #cache = new Map<string, CacheEntry>();

  constructor(options: HubIdentityOptions) {
    this.#options = { cacheSeconds: 60, maxCacheEntries: 10_000, ...options };
  }

  async check(token: string, options: CheckOptions = {}): Promise<TokenCheck> {
    const key = cacheKey(token);
    const now = this.#options.now();
    let owner = options.fresh ? undefined : this.#lookup(key, now);
    if (!owner) {
      const fetched = await this.#options.hub.getTokenOwner(token);
      if (!fetched) {
        this.#cache.delete(key);
        return { outcome: "invalid" };
      }
      owner = fetched;
      this.#remember(key, owner, now);
    }
    if (owner.kind !== "user") return { outcome: "not-a-user", ...owner };
    const { user } = owner;
    return hasServiceAccess(user.scopes, this.#options.serviceName)
      ? { outcome: "ok", user }
      : { outcome: "no-access", user };
  }

  #lookup(key: string, now: number): TokenOwner | undefined {
    const entry = this.#cache.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#cache.delete(key);
      return undefined;
    }
    return entry.owner;
  }

  #remember(key: string, owner: TokenOwner, now: number): void {
    this.#cache.delete(key);
    // A Map iterates in insertion order, so the first key is the oldest entry.
    while (this.#cache.size >= this.#options.maxCacheEntries) {
      const oldest = this.#cache.keys().next();
      if (oldest.done) break;
      this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, { owner, expiresAt: now + this.#options.cacheSeconds * 1000 });
  }

  /** Other replicas learn of a session's end through SessionRevocations, not this cache. */
  forget(token: string): void {
    this.#cache.delete(cacheKey(token));
  }
}

function cacheKey(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
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

  forget(token: string): void {
    this.#tokens.delete(token);
  }
}
