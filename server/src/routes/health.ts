import type { FastifyInstance } from "fastify";

/**
 * `GET {prefix}`: the hub's check_services_health GETs the service prefix and treats any non-5xx as
 * healthy (hub-contracts.md §3.1). `GET {prefix}api/health`: the same, for Kubernetes probes.
 * Neither needs auth or touches the hub, so a hub outage does not restart the companion.
 */
export function healthRoutes(app: FastifyInstance): Promise<void> {
  const healthy = { status: "ok" } as const;
  for (const url of ["/", "/api/health"]) {
    app.get(url, (_request, reply) => reply.header("cache-control", "no-store").send(healthy));
  }
  return Promise.resolve();
}
