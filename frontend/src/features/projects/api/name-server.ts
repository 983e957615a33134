import { hubFetch, type HubAccess } from "./hub-servers.ts";

/**
 * Creates a named server that does not exist yet with a display name, without starting it
 * (JupyterHub 6 and later only). JupyterHub 6.1.1's spawn page takes `display_name` out of its
 * query before anything else reads the query, creates the server with it and renders the form
 * (https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/handlers/pages.py#L137-L158 and
 * #L238-L250); the form's own post (`/hub/spawn/{user}/{name}`) never carries a display name
 * (pages.py#L305-L316), and `PATCH api/users/{user}/servers/{name}` renames only a server that
 * exists and is stopped (apihandlers/users.py#L776-L866 at 6.1.1).
 *
 * Never call it on JupyterHub 5.5: its spawn page hands every query parameter but `next` to
 * `options_from_query` and STARTS the server with it, with no form
 * (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/handlers/pages.py#L195-L215).
 *
 * A display name only labels the server: a failure here leaves the start to go ahead unnamed.
 */
export async function createNamedServer(
  access: HubAccess,
  serverName: string,
  displayName: string,
): Promise<boolean> {
  const url =
    `${access.baseUrl}spawn/${encodeURIComponent(access.user)}/${encodeURIComponent(serverName)}` +
    `?display_name=${encodeURIComponent(displayName)}`;
  try {
    const response = await hubFetch(access, url, { redirect: "manual" });
    return response.ok;
  } catch {
    return false;
  }
}
