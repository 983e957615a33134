/**
 * Projects as named servers: the server name and display name a project starts under, where the
 * hub allows named servers (the spawn data's `hub.named_servers`, from the glue's `hub_facts`).
 *
 * The server name names the server in the hub's database and URLs (`{base_url}spawn/{user}/{name}`,
 * `/user/{user}/{name}/`), so its derivation never changes once released.
 */
import { sha256Hex } from "./sha256.ts";

/** JupyterHub 6's limit for a server name (`is_valid_safe_slug`, 30 characters). */
export const SERVER_NAME_MAX_LENGTH = 30;

/**
 * JupyterHub 6's `is_valid_safe_slug` (https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/slugs.py#L132-L148):
 * 1–30 characters, lowercase ASCII letters, digits and `-`, starting with a letter, ending with a
 * letter or digit, no `--`. JupyterHub 5.5 accepts every such name too.
 */
export const SAFE_SLUG_PATTERN = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

export function isValidServerName(name: string): boolean {
  return name.length >= 1 && name.length <= SERVER_NAME_MAX_LENGTH && SAFE_SLUG_PATTERN.test(name);
}

const HASH_LENGTH = 8;

/**
 * The named server of a project: `p-<readable part>-<8 hex digits of SHA-256 of the project id>`.
 * The readable part is the id's (already lowercase `[a-z0-9-]`) text with runs of `-` collapsed,
 * cut to fit; the hash keeps two projects whose ids share the readable part apart. `p-` makes it
 * start with a letter whatever the id starts with.
 */
export function projectServerName(projectId: string): string {
  const hash = sha256Hex(projectId).slice(0, HASH_LENGTH);
  const room = SERVER_NAME_MAX_LENGTH - "p-".length - "-".length - HASH_LENGTH;
  const readable = projectId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, room)
    .replace(/^-+|-+$/g, "");
  return readable ? `p-${readable}-${hash}` : `p-${hash}`;
}

/** JupyterHub 6's display name limit (`is_valid_display_name`, 1–255 characters). */
export const DISPLAY_NAME_MAX_LENGTH = 255;

/**
 * A JupyterHub 6 display name for a project's server, from its repository: letters, marks, numbers,
 * punctuation, symbols and single spaces, not at either end, at most 255 code points (as Python
 * counts them) — what `is_valid_display_name` accepts
 * (https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/slugs.py#L271-L290). Nothing
 * left: the server name. JupyterHub 5.5 has no display names: never send one to it.
 */
export function serverDisplayName(repository: string, serverName: string): string {
  const cleaned = repository
    .normalize("NFC")
    .replace(/[^\p{L}\p{M}\p{N}\p{P}\p{S} ]+/gu, " ")
    .replace(/ {2,}/g, " ")
    .trim();
  const cut = Array.from(cleaned).slice(0, DISPLAY_NAME_MAX_LENGTH).join("").trimEnd();
  return cut || serverName;
}

/** Whether the hub (its `jupyterhub.__version__`) has display names: JupyterHub 6 and later. */
export function hubHasDisplayNames(version: string): boolean {
  const major = /^(\d+)\./.exec(version);
  return major !== null && Number(major[1]) >= 6;
}
