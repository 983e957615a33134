/**
 * Element ids come from positions, not from slugs or option keys: those are admin-written and
 * may hold characters that make awkward ids. Only one Launchpad mounts per page. The glue's
 * server-rendered form uses the same ids with the prefix `lps-` (launchpad_glue.py), so focus
 * can move from one to the other.
 */
export const profileId = (profileIndex: number): string => `lp-${profileIndex}`;
export const optionId = (profileIndex: number, optionIndex: number): string =>
  `lp-${profileIndex}-${optionIndex}`;
/** The free-text field of an option; the control an error summary links to for it. */
export const optionTextId = (profileIndex: number, optionIndex: number): string =>
  `${optionId(profileIndex, optionIndex)}-text`;
/** The page's element for an element of the server-rendered form. */
export const pageIdOf = (serverId: string): string => serverId.replace(/^lps-/, "lp-");
