/** Who is asking for whose projects: the companion serves another user's projects to admins only. */
export interface ProjectsScope {
  /** `{prefix}services/<name>/`. */
  serviceUrl: string;
  /** Whose projects: the spawn page's user (an admin may be spawning for someone else). */
  user: string;
  /** The signed-in user, `api/me`'s `name`. */
  viewer: string;
}

/** `api/projects[/<id>[/<action>]]`, with `?user=` only when the projects are someone else's. */
export function projectsPath(scope: ProjectsScope, id?: string, action?: string): string {
  let path = "api/projects";
  if (id !== undefined) path += `/${encodeURIComponent(id)}`;
  if (action !== undefined) path += `/${action}`;
  return scope.user === scope.viewer ? path : `${path}?user=${encodeURIComponent(scope.user)}`;
}

export function projectsQueryKey(scope: Pick<ProjectsScope, "serviceUrl" | "user">) {
  return ["projects", scope.serviceUrl, scope.user] as const;
}
