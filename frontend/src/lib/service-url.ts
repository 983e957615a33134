/** A JupyterHub service lives at `{prefix}services/{name}/` (hub-contracts.md §3.2). */
export function serviceUrl(prefix: string, serviceName: string): string {
  const root = prefix.endsWith("/") ? prefix : `${prefix}/`;
  return `${root}services/${encodeURIComponent(serviceName)}/`;
}
