/**
 * Element ids come from positions, not from slugs or option keys: those are admin-written and
 * may hold characters that make awkward ids. Only one Launchpad mounts per page.
 */
export const profileId = (profileIndex: number): string => `lp-p${profileIndex}`;
export const optionId = (profileIndex: number, optionIndex: number): string =>
  `lp-p${profileIndex}-o${optionIndex}`;
/** The control an error summary links to for an option. */
export const optionTextId = (profileIndex: number, optionIndex: number): string =>
  `${optionId(profileIndex, optionIndex)}-text`;
