/**
 * The projects API under a steady 200 requests/s on loopback (budget: p99 ≤ 10 ms, DESIGN.md "Budgets"),
 * with records in ConfigMaps on the Kubernetes double. Open loop: requests go out on schedule
 * whether or not earlier ones finished, and latency counts from the scheduled time, so a stall
 * shows up in the figures instead of slowing the load down.
 *
 * The measured requests follow a warm-up at the same rate, not counted: a fresh process's first
 * requests run code V8 has not optimised yet, and they were the slowest of every run.
 *
 * Mix: 80% `GET api/projects`, 20% `POST api/projects/<id>/launch` (relaunches with a new ref,
 * so each is a ConfigMap read-modify-replace), spread over 20 users with 3 projects each.
 */
import { Agent, request } from "node:http";
import type { AddressInfo } from "node:net";

import { projectId, type LaunchProjectRequest } from "../contract/projects.ts";
import { doubleClusterHarness, PREFIX } from "../server/src/projects/test-harness.ts";

export const PROJECTS_P99_BUDGET_MS = 10;
const WARM_UP_MS = 2_000;

export interface ProjectsBenchResult {
  requests: number;
  errors: number;
  ratePerSecond: number;
  durationMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  budgetMs: number;
  /** Requests of the warm-up before the measured ones (their errors count, their times not). */
  warmUpRequests: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function measureProjectsApi(
  options: { ratePerSecond?: number; durationMs?: number } = {},
): Promise<ProjectsBenchResult> {
  const ratePerSecond = options.ratePerSecond ?? 200;
  const durationMs = options.durationMs ?? 10_000;
  const harness = await doubleClusterHarness({ limit: 10 });
  await harness.app.listen({ host: "127.0.0.1", port: 0 });
  const port = (harness.app.server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  const users = Array.from({ length: 20 }, (_, i) => `user-${i}`);
  const repos = ["o/alpha", "o/beta", "o/gamma"];
  const body = (repository: string, ref: string): LaunchProjectRequest => ({
    provider: "gh",
    repository,
    ref,
    image: `registry.example.org/img:${ref}`,
    profile_slug: "python",
    display_name: repository,
  });

  function send(method: string, path: string, user: string, payload?: unknown): Promise<number> {
    return new Promise((resolve, reject) => {
      const data = payload === undefined ? undefined : JSON.stringify(payload);
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method,
          path: `${PREFIX}${path}`,
          agent,
          headers: {
            "x-test-user": user,
            "x-launchpad-csrf": "ok",
            ...(data === undefined
              ? {}
              : { "content-type": "application/json", "content-length": Buffer.byteLength(data) }),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  }

  try {
    for (const user of users) {
      for (const repo of repos)
        await send(
          "POST",
          `/api/projects/${projectId("gh", repo)}/launch`,
          user,
          body(repo, "main"),
        );
    }

    /** `durationMs` of the open-loop mix at `ratePerSecond`; the latencies, from the schedule. */
    const load = async (ms: number, from: number) => {
      const latencies: number[] = [];
      let errors = 0;
      const inFlight: Promise<void>[] = [];
      const total = Math.round((ratePerSecond * ms) / 1000);
      const interval = 1000 / ratePerSecond;
      const start = performance.now();
      for (let n = 0; n < total; n++) {
        const i = from + n;
        const scheduled = start + n * interval;
        const wait = scheduled - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        const user = users[i % users.length]!;
        const repo = repos[i % repos.length]!;
        const call =
          i % 5 === 0
            ? send(
                "POST",
                `/api/projects/${projectId("gh", repo)}/launch`,
                user,
                body(repo, `ref-${i}`),
              )
            : send("GET", "/api/projects", user);
        inFlight.push(
          call.then(
            (status) => {
              latencies.push(performance.now() - scheduled);
              if (status >= 400) errors++;
            },
            () => {
              errors++;
            },
          ),
        );
      }
      await Promise.all(inFlight);
      return { latencies, errors, total, elapsed: performance.now() - start };
    };

    // A warm-up at the same rate, not counted: the first requests run code not yet optimised
    // (its slowest requests, up to 23 ms here, were all in the first 50 ms).
    const warm = await load(WARM_UP_MS, 0);
    const {
      latencies,
      errors: measuredErrors,
      total,
      elapsed,
    } = await load(durationMs, warm.total);
    const errors = warm.errors + measuredErrors;
    latencies.sort((a, b) => a - b);
    return {
      requests: total,
      errors,
      ratePerSecond: Math.round((total / elapsed) * 1000),
      durationMs: Math.round(elapsed),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? Number.NaN,
      budgetMs: PROJECTS_P99_BUDGET_MS,
      warmUpRequests: warm.total,
    };
  } finally {
    agent.destroy();
    await harness.close();
  }
}

/** Prints the figures the way bench/run.ts does; returns whether the budget held. */
export async function benchProjects(options?: {
  ratePerSecond?: number;
  durationMs?: number;
}): Promise<boolean> {
  console.log("\n# Projects API (ConfigMaps on the Kubernetes double, loopback, open loop)");
  const r = await measureProjectsApi(options);
  const ok = r.errors === 0 && r.p99Ms <= r.budgetMs;
  console.log(
    `  ${r.requests} requests in ${r.durationMs} ms (${r.ratePerSecond}/s) after ${r.warmUpRequests} not counted, ${r.errors} errors`,
  );
  console.log(
    `${ok ? "ok  " : "OVER"}  projects API p99: ${r.p99Ms.toFixed(1)} ms (p50 ${r.p50Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms) (budget ${r.budgetMs} ms, no errors)`,
  );
  return ok;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ok = await benchProjects();
  if (!ok) process.exitCode = 1;
}
