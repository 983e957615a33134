import { projectServerName } from "../../../../contract/named-servers.ts";
import type { HubAccess, HubServer } from "./api/hub-servers.ts";

/** What the Server column says of a project's named server. */
export type ServerState = "running" | "starting" | "stopping" | "stopped";

export interface ProjectServer {
  /** The project's server name (contract/named-servers.ts projectServerName). */
  name: string;
  state: ServerState;
  /** Where a running server is (JupyterHub's `url`, e.g. `/user/ada/p-octave-1a2b3c4d/`). */
  url: string | null;
  /** The hub's page of a starting server's progress (`{base_url}spawn-pending/{user}/{name}`). */
  pendingUrl: string;
  /** The hub keeps a server of this name (stopped or not): starting it needs no room. */
  exists: boolean;
  /** A new server would exceed `named_server_limit_per_user`. */
  limitReached: boolean;
}

/**
 * JupyterHub's server model: `ready` once it runs, `pending` "spawn" or "stop" while the hub is
 * busy with it, `stopped` otherwise (apihandlers/base.py `server_model`,
 * https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/apihandlers/base.py#L189-L205).
 */
export function serverState(server: HubServer | undefined): ServerState {
  if (!server) return "stopped";
  if (server.pending === "stop") return "stopping";
  if (server.pending !== null) return "starting";
  if (server.ready) return "running";
  return server.stopped ? "stopped" : "starting";
}

/**
 * The hub counts every named server it keeps, stopped ones too, against the limit, and refuses
 * to create one more (`_check_named_server_request`,
 * https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/handlers/base.py#L1665-L1679;
 * the same in 5.5.4). `limit` 0 is none; null (the hub computes it per request) is unknown here,
 * and the hub's own refusal says so.
 */
export function projectServer(
  projectId: string,
  servers: Readonly<Record<string, HubServer>>,
  limit: number | null,
  access: Pick<HubAccess, "baseUrl" | "user">,
): ProjectServer {
  const name = projectServerName(projectId);
  const server = servers[name];
  const state = serverState(server);
  const named = namedServerCount(servers);
  return {
    name,
    state,
    url: state === "running" && server ? server.url : null,
    pendingUrl: `${access.baseUrl}spawn-pending/${encodeURIComponent(access.user)}/${name}`,
    exists: server !== undefined,
    limitReached: server === undefined && limit !== null && limit > 0 && named >= limit,
  };
}

/** How many named servers the hub keeps for the user (the default server is not one). */
export function namedServerCount(servers: Readonly<Record<string, HubServer>>): number {
  return Object.keys(servers).filter((key) => key !== "").length;
}
