/**
 * One companion replica's build limiter as a process of its own, for tests of several replicas
 * against the real API server (limiter.kube.test.ts): the companion's own limiter module with
 * the companion's own Kubernetes client, driven over stdin/stdout in JSON lines.
 *   node server/test-support/kube/limiter-replica-cli.ts --kubeconfig k.json --namespace hub \
 *     --replica a [--concurrent 1] [--hourly 10] [--lease-seconds 60]
 * Requests: {"id":1,"op":"acquire","build":{…BuildRef}} | {"id":2,"op":"release","ticket":"…"}
 *   | {"id":3,"op":"cancel","build":{…}} | {"id":4,"op":"watchers","build":{…}}
 *   | {"id":5,"op":"starts","build":{…}} | {"id":6,"op":"detach","ticket":"…"}
 *   | {"id":7,"op":"running","user":"…"}
 * Answers: {"id":1,"result":…} or {"id":1,"error":"…"}; {"event":"cancelled","ticket":"…"} when a
 * ticket's build is cancelled. It stops (renewals end, nothing released) when stdin closes.
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

import {
  createKubernetesBuildLimiter,
  type BuildRef,
  type BuildTicket,
} from "../../src/builds/limiter.ts";
import { createKubernetesClient, loadConnection } from "../../src/kubernetes/rest-client.ts";

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    namespace: { type: "string" },
    replica: { type: "string" },
    concurrent: { type: "string", default: "2" },
    hourly: { type: "string", default: "10" },
    "lease-seconds": { type: "string", default: "60" },
  },
});
if (!values.kubeconfig || !values.namespace || !values.replica)
  throw new Error("--kubeconfig, --namespace and --replica are required");

const limiter = createKubernetesBuildLimiter({
  kube: createKubernetesClient(loadConnection({ kubeconfigPath: values.kubeconfig, env: {} })),
  namespace: values.namespace,
  replicaId: values.replica,
  concurrentPerUser: Number(values.concurrent),
  perHourPerUser: Number(values.hourly),
  leaseDurationSeconds: Number(values["lease-seconds"]),
});
const tickets = new Map<string, BuildTicket>();
const send = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);

interface Request {
  id: number;
  op: "acquire" | "release" | "detach" | "cancel" | "watchers" | "starts" | "running";
  user?: string;
  build?: BuildRef;
  ticket?: string;
}

async function answer(request: Request): Promise<unknown> {
  switch (request.op) {
    case "acquire": {
      const result = await limiter.acquire(request.build!);
      if (!result.ok) return result;
      const { ticket } = result;
      tickets.set(ticket.id, ticket);
      ticket.cancelled.addEventListener("abort", () =>
        send({ event: "cancelled", ticket: ticket.id }),
      );
      return { ok: true, ticket: ticket.id, reattached: ticket.reattached };
    }
    case "release":
      await tickets.get(request.ticket!)?.release();
      return { ok: true };
    case "detach":
      await tickets.get(request.ticket!)?.detach();
      return { ok: true };
    case "running":
      return limiter.running(request.user!);
    case "cancel":
      return limiter.requestCancel(request.build!);
    case "watchers":
      return limiter.otherWatchers(request.build!);
    case "starts":
      return limiter.starts(request.build!);
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line) as Request;
  answer(request).then(
    (result) => send({ id: request.id, result }),
    (error: unknown) => send({ id: request.id, error: String(error) }),
  );
}
limiter.close();
