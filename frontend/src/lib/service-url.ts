/**
 * A JupyterHub service lives at `{prefix}services/{name}/`
 * (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/service.py#L381-L383).
 */
export function serviceUrl(prefix: string, serviceName: string): string {
  const root = prefix.endsWith("/") ? prefix : `${prefix}/`;
  return `${root}services/${encodeURIComponent(serviceName)}/`;
}
