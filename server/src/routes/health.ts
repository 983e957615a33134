import type { FastifyInstance } from "fastify";

/**
 * `GET {prefix}`: the hub's check_services_health GETs the service prefix and treats any non-5xx as
 * healthy (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/app.py#L3005-L3028, https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/utils.py#L323-L366).
 * `GET {prefix}api/health`: the same, for Kubernetes probes.
 * Neither needs auth or touches the hub, so a hub outage does not restart the companion.
 */
export function healthRoutes(app: FastifyInstance): Promise<void> {
  const healthy = { status: "ok" } as const;
  for (const url of ["/", "/api/health"]) {
    app.get(url, (_request, reply) => reply.header("cache-control", "no-store").send(healthy));
  }
  return Promise.resolve();
}
