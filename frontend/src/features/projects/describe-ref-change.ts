import type { Project } from "../../../../contract/projects.ts";

/**
 * What the shell shows before the user starts `project` on another ref. The same repository is the
 * same project (DESIGN.md "Projects"): the folder is kept and the image replaced, as
 * persistent_binderhub did silently (reference/binderhub.md §C.7) — here the user is told first.
 * Null when nothing changes, or for providers without refs (their records are versioned).
 */
export function describeRefChange(
  project: Pick<Project, "display_name" | "ref">,
  newRef: string,
): string | null {
  const next = newRef.trim();
  if (next === "" || project.ref === "" || next === project.ref) return null;
  return `${project.display_name} was built from ${project.ref}; you are starting ${next}. Your files stay; the environment changes.`;
}
