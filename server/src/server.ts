/**
 * Entry point: `node server/src/server.ts [--local]`. Owns what the app plugin does not: config
 * loading, listening and graceful shutdown (the fastify/demo split); the app sets its own
 * deadlines, so every listener gets them.
 */
import type { AddressInfo } from "node:net";
import { buildApp } from "./app.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { loggerOptions } from "./logging.ts";
import { Metrics } from "./metrics.ts";
import { startMetricsServer, type MetricsServer } from "./metrics-server.ts";

function readConfig(argv: readonly string[]): Config {
  try {
    return loadConfig({ env: process.env, argv });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig(process.argv.slice(2));
  const metrics = new Metrics();
  const app = await buildApp(config, { logger: loggerOptions(config.logLevel), metrics });

  // Not behind the hub's proxy, and nothing else on it (metrics-server.ts).
  const metricsServer: MetricsServer | undefined =
    config.metricsPort === undefined
      ? undefined
      : await startMetricsServer(metrics, { host: config.host, port: config.metricsPort });
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    app.log.info(
      { signal, deadlineSeconds: config.shutdownDeadlineSeconds },
      "shutting down: draining open requests",
    );
    // close() refuses new requests, ends every build stream with a reconnect event (their builds
    // go on; each stream gives its Lease up, so its re-attach elsewhere is the same build: app.ts
    // preClose, builds/limiter.ts), stops the sweep and gives its Lease up, then waits
    // for the rest. Past the deadline we stop waiting, so Kubernetes'
    // terminationGracePeriodSeconds is never what kills us.
    const deadline = setTimeout(() => {
      app.log.warn("drain deadline passed; exiting with requests still open");
      process.exit(1);
    }, config.shutdownDeadlineSeconds * 1000);
    deadline.unref();
    Promise.all([app.close(), metricsServer?.close()]).then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, "error while closing");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    // Often a second `npm start`, or another program on the demo's port 8000.
    process.stderr.write(
      `Launchpad cannot listen on ${config.host}:${config.port}: another program is using that port. Stop it, or set LAUNCHPAD_PORT to another port (0 takes any free one).\n`,
    );
    process.exit(2);
  }
  // The bound port: LAUNCHPAD_PORT=0 lets the system pick one.
  const { port } = app.server.address() as AddressInfo;
  if (metricsServer) app.log.info({ port: metricsServer.port }, "metrics at /metrics");
  const open = `http://${config.host}:${port}/hub/spawn`;
  app.log.info(
    {
      mode: config.mode,
      prefix: config.servicePrefix,
      ...(config.mode === "local" ? { open } : {}),
    },
    "Launchpad companion ready",
  );
  // The log is JSON for machines; a person who ran `npm start` gets the address in words.
  if (config.mode === "local")
    process.stderr.write(`\nLaunchpad's local demo is ready: open ${open}\nCtrl-C stops it.\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Launchpad failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
