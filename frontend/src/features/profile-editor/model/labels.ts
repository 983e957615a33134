/**
 * Words for people: the names of fields, where a path points in the document, and ids that tie
 * an issue in the summary to its control.
 */
import type { ChangeLocation } from "../../../../../contract/profile-editor/diff.ts";
import type { IssuePath, ProfileDocument } from "../../../../../contract/profile-editor/schema.ts";

export const FIELD_LABELS: Record<string, string> = {
  slug: "Slug",
  key: "Key",
  display_name: "Name",
  description: "Description",
  default: "Default",
  groups: "Groups",
  "settings.image": "Image",
  "settings.node_group": "Node group",
  "settings.cpu_guarantee": "CPU guarantee",
  "settings.cpu_limit": "CPU limit",
  "settings.mem_guarantee": "Memory guarantee",
  "settings.mem_limit": "Memory limit",
  "settings.gpu": "GPUs",
  "unlisted.enabled": "Free text allowed",
  "unlisted.display_name": "Free-text label",
  "unlisted.validation_regex": "Free-text pattern",
  "unlisted.validation_message": "Free-text message",
  "unlisted.dynamic_image_building": "Building from a repository",
};

/** The DOM id of the control at `path`. */
export function fieldId(path: IssuePath): string {
  return `pe-${path.join("-")}`;
}

/** "Python › Image › Jupyter SciPy": where a path points, by the names admins gave things. */
export function describeLocation(document: ProfileDocument, path: IssuePath): string {
  const parts: string[] = [];
  const profile = typeof path[1] === "number" ? document.profiles[path[1]] : undefined;
  if (profile)
    parts.push(profile.display_name || profile.slug || `Profile ${(path[1] as number) + 1}`);
  const option =
    profile && path[2] === "options" && typeof path[3] === "number"
      ? profile.options[path[3]]
      : undefined;
  if (option) parts.push(option.display_name || option.key);
  const choice =
    option && path[4] === "choices" && typeof path[5] === "number"
      ? option.choices[path[5]]
      : undefined;
  if (choice) parts.push(choice.display_name || choice.key);
  return parts.length > 0 ? parts.join(" › ") : "The profile list";
}

export function describeChangeLocation(where: ChangeLocation): string {
  return [where.profile, where.option, where.choice].filter(Boolean).join(" › ");
}
