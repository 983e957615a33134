import { queryOptions, useQuery } from "@tanstack/react-query";
import * as z from "zod/mini";

/**
 * The user's servers, read from the hub itself: the page is on the hub's origin, so its call
 * carries the hub's own login cookie, with `X-XSRFToken: jhdata.xsrf_token` as JupyterHub requires
 * of cookie-authenticated API calls (`check_xsrf_cookie`, https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/_xsrf_utils.py#L221-L248).
 * The default `user` role's `self` scope includes `read:servers`, `servers` and `delete:servers` of
 * the user's own servers (scopes.py `_expand_self_scope`,
 * https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/scopes.py#L463-L500, the same in
 * 6.1.1 scopes.py#L466-L503), so no companion token is involved.
 */
export interface HubAccess {
  /** The hub's `{prefix}hub/` (`jhdata.base_url`). */
  baseUrl: string;
  /** `jhdata.xsrf_token`. */
  xsrfToken: string;
  /** Whose servers: the spawn page's user. */
  user: string;
}

/**
 * JupyterHub's server model (apihandlers/base.py `server_model`,
 * https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/apihandlers/base.py#L173-L225):
 * `pending` is "spawn" or "stop" while the hub is busy with it, null otherwise.
 */
export const HubServerSchema = z.object({
  name: z.string(),
  ready: z.boolean(),
  pending: z.nullable(z.string()),
  stopped: z.boolean(),
  url: z.string(),
  progress_url: z.string(),
  /** JupyterHub 6 and later. */
  display_name: z.optional(z.nullable(z.string())),
});
export type HubServer = z.infer<typeof HubServerSchema>;

/** `servers` is there only with `read:servers` (a token or role without it gets the rest). */
const HubUserSchema = z.object({
  servers: z.record(z.string(), HubServerSchema),
});

/** A failed read of the hub: the table then works as without named servers. */
export class HubRequestError extends Error {
  override readonly name = "HubRequestError";
}

export function hubUserPath(access: HubAccess): string {
  return `${access.baseUrl}api/users/${encodeURIComponent(access.user)}`;
}

export async function hubFetch(access: HubAccess, url: string, init: RequestInit = {}) {
  try {
    return await fetch(url, {
      ...init,
      credentials: "same-origin",
      headers: { accept: "application/json", "X-XSRFToken": access.xsrfToken },
    });
  } catch (error) {
    throw new HubRequestError(`The hub is unreachable (${String(error)}).`);
  }
}

/**
 * The user's servers by name, stopped ones included (`?include_stopped_servers`, which lists
 * every server the hub keeps: apihandlers/base.py#L309-L375 at 6.1.1). The default server is "".
 */
export async function getHubServers(
  access: HubAccess,
  signal?: AbortSignal,
): Promise<Record<string, HubServer>> {
  const response = await hubFetch(access, `${hubUserPath(access)}?include_stopped_servers`, {
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw new HubRequestError(`The hub answered HTTP ${response.status}.`);
  const parsed = HubUserSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new HubRequestError("The hub did not list your servers.");
  return parsed.data.servers;
}

export function hubServersQueryKey(access: Pick<HubAccess, "baseUrl" | "user">) {
  return ["hub-servers", access.baseUrl, access.user] as const;
}

export function anyPending(servers: Record<string, HubServer> | undefined): boolean {
  return Object.values(servers ?? {}).some((server) => server.pending !== null);
}

/** Polls while a server is starting or stopping. */
export function hubServersQueryOptions(access: HubAccess, pollMs: number) {
  return queryOptions({
    queryKey: hubServersQueryKey(access),
    queryFn: ({ signal }) => getHubServers(access, signal),
    refetchInterval: (query) => (anyPending(query.state.data) ? pollMs : false),
  });
}

/** Off (`access` null) where the hub has no named servers: nothing is asked then. */
export function useHubServers(access: HubAccess | null, pollMs: number) {
  return useQuery({
    ...hubServersQueryOptions(access ?? { baseUrl: "", xsrfToken: "", user: "" }, pollMs),
    enabled: access !== null,
  });
}
