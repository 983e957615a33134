import type { FastifyInstance } from "fastify";

/**
 * `GET {prefix}`: the hub's check_services_health GETs the service prefix and treats any non-5xx as
 * healthy (hub-contracts.md §3.1). `GET {prefix}api/health`: the same, for Kubernetes probes.
 * Neither needs auth or touches the hub, so a hub outage does not restart the companion.
 */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const healthy = { status: "ok" } as const;
  app.get("/", async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return healthy;
  });
  app.get("/api/health", async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return healthy;
  });
}
