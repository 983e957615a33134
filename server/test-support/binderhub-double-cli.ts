/**
 * Runs the BinderHub double as a process, for e2e and the bench:
 *   node server/test-support/binderhub-double-cli.ts --port 8585 --token secret \
 *     [--base-url /services/binder/] [--keepalive-ms 25000] [--event-delay-ms 5] \
 *     [--kubeconfig /tmp/x/kubeconfig.json --build-namespace builds]
 * Prints one line `binderhub-double listening on <url>` once it accepts connections.
 */
import { parseArgs } from "node:util";
import { startBinderHubDouble } from "./binderhub-double.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    token: {
      type: "string",
      default: process.env.BINDERHUB_DOUBLE_TOKEN ?? "binderhub-double-token",
    },
    "base-url": { type: "string", default: "/" },
    "keepalive-ms": { type: "string", default: "25000" },
    "event-delay-ms": { type: "string", default: "0" },
    kubeconfig: { type: "string" },
    "build-namespace": { type: "string", default: "default" },
  },
});

const double = await startBinderHubDouble({
  port: Number(values.port),
  token: values.token,
  baseUrl: values["base-url"],
  keepaliveMs: Number(values["keepalive-ms"]),
  eventDelayMs: Number(values["event-delay-ms"]),
  kubernetes: values.kubeconfig
    ? { kubeconfig: values.kubeconfig, namespace: values["build-namespace"] }
    : undefined,
});
console.log(`binderhub-double listening on ${double.buildEndpoint}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void double.close().then(() => process.exit(0));
  });
}
