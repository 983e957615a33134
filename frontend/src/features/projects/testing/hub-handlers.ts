/**
 * The hub's own API for a user's named servers, as MSW handlers for unit tests and stories:
 * `GET {base_url}api/users/{user}?include_stopped_servers`, `DELETE …/servers/{name}` (202, then
 * stopped after a few reads) and the spawn page's `GET spawn/{user}/{name}?display_name=` of
 * JupyterHub 6 (it creates the server, stopped). Calls without the page's XSRF token get 403, as
 * JupyterHub answers them.
 */
import { http, HttpResponse, type HttpHandler } from "msw";
import { projectServerName } from "../../../../../contract/named-servers.ts";
import type { HubAccess, HubServer } from "../api/hub-servers.ts";
import type { ServerState } from "../project-servers.ts";
import { FIXTURE_USER } from "./fixtures.ts";

export const TEST_HUB_ACCESS: HubAccess = {
  baseUrl: "/prefix/hub/",
  xsrfToken: "xsrf-from-jhdata",
  user: FIXTURE_USER,
};

export function hubServer(name: string, state: ServerState, user = FIXTURE_USER): HubServer {
  return {
    name,
    ready: state === "running",
    pending: state === "starting" ? "spawn" : state === "stopping" ? "stop" : null,
    stopped: state === "stopped",
    url: `/prefix/user/${user}/${name}/`,
    progress_url: `/prefix/hub/api/users/${user}/servers/${name}/progress`,
  };
}

/** A project's server in a state, keyed by its name as the hub lists it. */
export function projectHubServer(id: string, state: ServerState): [string, HubServer] {
  const name = projectServerName(id);
  return [name, hubServer(name, state)];
}

export interface HubServersOptions {
  servers: Record<string, HubServer>;
  /** The hub refuses the read (e.g. a hub in front of which a proxy answers 502). */
  status?: number;
  /** How many reads a stopping server stays "stop" pending. */
  stopPolls?: number;
}

export interface HubCalls {
  reads: number;
  stops: string[];
  created: Array<{ name: string; displayName: string | null }>;
}

export function hubServersApi(options: HubServersOptions): {
  handlers: HttpHandler[];
  calls: HubCalls;
} {
  const servers = structuredClone(options.servers);
  const stopping = new Map<string, number>();
  const calls: HubCalls = { reads: 0, stops: [], created: [] };
  const forbidden = (request: Request) =>
    request.headers.get("x-xsrftoken") !== TEST_HUB_ACCESS.xsrfToken
      ? HttpResponse.json({ status: 403, message: "XSRF cookie does not match" }, { status: 403 })
      : null;
  const handlers = [
    http.get("*/hub/api/users/:user", ({ request, params }) => {
      calls.reads += 1;
      const refused = forbidden(request);
      if (refused) return refused;
      if (options.status) return HttpResponse.json({}, { status: options.status });
      for (const [name, left] of stopping) {
        const server = servers[name];
        if (!server) continue;
        if (left <= 0) {
          Object.assign(server, { pending: null, ready: false, stopped: true });
          stopping.delete(name);
        } else stopping.set(name, left - 1);
      }
      return HttpResponse.json({ kind: "user", name: params.user, servers });
    }),
    http.delete("*/hub/api/users/:user/servers/:name", ({ request, params }) => {
      const refused = forbidden(request);
      if (refused) return refused;
      const name = String(params.name);
      calls.stops.push(name);
      const server = servers[name];
      if (!server) return new HttpResponse(null, { status: 404 });
      Object.assign(server, { pending: "stop", ready: false });
      stopping.set(name, options.stopPolls ?? 1);
      return new HttpResponse(null, { status: 202 });
    }),
    http.get("*/hub/spawn/:user/:name", ({ request, params }) => {
      const name = String(params.name);
      calls.created.push({
        name,
        displayName: new URL(request.url).searchParams.get("display_name"),
      });
      servers[name] ??= hubServer(name, "stopped");
      return new HttpResponse("<form></form>", { headers: { "content-type": "text/html" } });
    }),
  ];
  return { handlers, calls };
}
