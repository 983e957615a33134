import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  HubRequestError,
  hubFetch,
  hubServersQueryKey,
  hubUserPath,
  type HubAccess,
} from "./hub-servers.ts";

/**
 * Stops a named server, keeping it (and its name and display name) in the hub:
 * `DELETE api/users/{user}/servers/{name}` answers 202 while the server is stopping, 204 once it
 * has stopped (apihandlers/users.py `UserServerAPIHandler.delete`,
 * https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/apihandlers/users.py#L681-L720).
 */
export async function stopServer(
  access: HubAccess,
  serverName: string,
): Promise<"stopping" | "stopped"> {
  const response = await hubFetch(
    access,
    `${hubUserPath(access)}/servers/${encodeURIComponent(serverName)}`,
    { method: "DELETE" },
  );
  if (response.status === 202) return "stopping";
  if (response.status === 204) return "stopped";
  throw new HubRequestError(`The hub refused to stop the server (HTTP ${response.status}).`);
}

/** The server list is read again once the hub has answered: a 202 polls until it has stopped. */
export function useStopServer(access: HubAccess | null) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (serverName: string) => {
      if (access === null) return Promise.reject(new HubRequestError("No hub to ask."));
      return stopServer(access, serverName);
    },
    onSettled: () =>
      access ? client.invalidateQueries({ queryKey: hubServersQueryKey(access) }) : undefined,
  });
}
