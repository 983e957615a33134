import type { Project } from "../../../../contract/projects.ts";

/**
 * What the shell shows before the user starts `project` on another ref. The same repository is the
 * same project (docs/projects.md): the folder is kept and the image replaced, as
 * persistent_binderhub did silently (projects keyed by repo_url, the folder copied only when
 * missing: https://github.com/gesiscss/persistent_binderhub/blob/198bbac1f582864ab78cb868efc504af3219c198/persistent_binderhub/files/jupyterhub/persistent_bhub_config.py#L276-L293,
 * #L182-L186 there) — here the user is told first.
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
