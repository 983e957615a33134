/**
 * The metrics: served on a port of their own (not the app's), each one documented in
 * docs/metrics.md, and counted where the work happens (real sockets: the metrics server, the hub
 * client against a hub that stalls).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createHubClient } from "./hub/hub-client.ts";
import { observed, KubernetesError, type KubernetesClient } from "./kubernetes/client.ts";
import { Metrics } from "./metrics.ts";
import { startMetricsServer } from "./metrics-server.ts";

const DOC = readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8");

async function scrape(metrics: Metrics): Promise<string> {
  return metrics.registry.metrics();
}

describe("metrics", () => {
  it("docs/metrics.md describes every launchpad_ metric, and no other", async () => {
    const names = (await new Metrics({ processMetrics: false }).registry.getMetricsAsJSON())
      .map((m) => m.name)
      .sort();
    const documented = [...DOC.matchAll(/^\| `(launchpad_[a-z_]+)`/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(names);
  });

  it("are served at /metrics on their own port, in Prometheus's text format, and nothing else there", async () => {
    const metrics = new Metrics();
    metrics.buildsStarted.inc({ provider: "gh" });
    metrics.countOpenStreams(() => 3);
    const server = await startMetricsServer(metrics, { host: "127.0.0.1", port: 0 });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toContain('launchpad_builds_started_total{provider="gh"} 1');
      expect(text).toContain("launchpad_build_streams_open 3");
      expect(text).toContain("process_resident_memory_bytes");
      expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
      expect(
        (await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: "POST" })).status,
      ).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("time each hub call by outcome, a stalled hub as `timeout`", async () => {
    const hub = createServer((request, response) => {
      if (request.url?.endsWith("/user")) return; // never answers
      response.writeHead(400, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve));
    const metrics = new Metrics({ processMetrics: false });
    const client = createHubClient({
      apiUrl: `http://127.0.0.1:${(hub.address() as AddressInfo).port}/hub/api`,
      clientId: "service-launchpad",
      clientSecret: "s",
      serviceToken: "s",
      timeoutMs: 200,
      observe: (call, status, seconds) => metrics.hubRequests.observe({ call, status }, seconds),
    });
    try {
      await client.getTokenOwner("t").catch(() => undefined);
      await client
        .exchangeCode({ code: "c", redirectUri: "http://x/cb", codeVerifier: "v" })
        .catch(() => undefined);
    } finally {
      hub.closeAllConnections();
      hub.close();
    }
    const text = await scrape(metrics);
    expect(text).toContain(
      'launchpad_hub_request_duration_seconds_count{call="getTokenOwner",status="timeout"} 1',
    );
    expect(text).toContain(
      'launchpad_hub_request_duration_seconds_count{call="exchangeCode",status="400"} 1',
    );
  });

  it("time each Kubernetes call by operation and outcome", async () => {
    const metrics = new Metrics({ processMetrics: false });
    const fake = {
      readLease: () => Promise.resolve({}),
      replaceLease: () =>
        Promise.reject(new KubernetesError(409, "Conflict", "replace lease hub/x: conflict")),
      listPods: () =>
        Promise.reject(new KubernetesError(0, undefined, "list pods in hub: no answer")),
    } as unknown as KubernetesClient;
    const kube = observed(fake, (operation, status, seconds) =>
      metrics.kubernetesRequests.observe({ operation, status }, seconds),
    );
    await kube.readLease("hub", "x");
    await kube.replaceLease("hub", {}).catch(() => undefined);
    await kube.listPods("hub", "a=b").catch(() => undefined);
    const text = await scrape(metrics);
    for (const [operation, status] of [
      ["readLease", "ok"],
      ["replaceLease", "409"],
      ["listPods", "error"],
    ])
      expect(text).toContain(
        `launchpad_kubernetes_request_duration_seconds_count{operation="${operation}",status="${status}"} 1`,
      );
  });
});
