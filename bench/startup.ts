/**
 * The companion's resident memory right after it starts listening, in local mode (no cluster) and
 * in hub mode (its Kubernetes client loaded), each as its own process started as the image starts
 * it: the built JavaScript with the Dockerfile's node flags (DESIGN.md: ≤ 90 MB local, ≤ 120 MB
 * hub). The TypeScript entry (`npm run dev`, the tests) is measured beside it, as a figure.
 */
import { readFileSync } from "node:fs";
import { buildServer } from "../scripts/build-server.ts";
import {
  hubModeEnv,
  imageCommand,
  listening,
  startCompanion,
  type StartOptions,
} from "../server/test-support/companion-process.ts";
import type { BenchRow } from "./builds.ts";

export const LOCAL_RSS_BUDGET_MB = 90;
export const HUB_RSS_BUDGET_MB = 120;
/** Starts per mode; the median is reported (a start is noisy on a shared machine). */
const RUNS = 3;
/** After listening, let start-up work settle (lazy imports, the first timers) before reading. */
const SETTLE_MS = 1000;

/** VmRSS of a process, in bytes (Linux /proc, as `ps -o rss` reads it). */
function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

async function startupRss(
  args: string[],
  env: Record<string, string>,
  options: StartOptions,
): Promise<number> {
  const { child, exited } = startCompanion(args, { ...env, LAUNCHPAD_PORT: "0" }, options);
  try {
    await listening(child);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    if (child.pid === undefined) throw new Error("the companion did not start");
    return residentBytes(child.pid);
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

async function median(run: () => Promise<number>): Promise<number> {
  const figures: number[] = [];
  for (let i = 0; i < RUNS; i++) figures.push(await run());
  figures.sort((a, b) => a - b);
  return figures[Math.floor(figures.length / 2)] ?? Number.NaN;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function measureStartup(): Promise<BenchRow[]> {
  await buildServer();
  const image = { asImage: true };
  const local = await median(() => startupRss(["--local"], {}, image));
  const hub = await median(() => startupRss([], hubModeEnv(), image));
  const sources = await median(() => startupRss(["--local"], {}, {}));
  return [
    { what: "the image's command", figure: imageCommand().join(" ") },
    {
      what: "companion RSS at start, local mode",
      figure: `${mb(local)} (median of ${RUNS} starts)`,
      budget: `≤ ${LOCAL_RSS_BUDGET_MB} MB`,
      ok: local <= LOCAL_RSS_BUDGET_MB * 1024 * 1024,
    },
    {
      what: "companion RSS at start, hub mode",
      figure: `${mb(hub)} (median of ${RUNS} starts)`,
      budget: `≤ ${HUB_RSS_BUDGET_MB} MB`,
      ok: hub <= HUB_RSS_BUDGET_MB * 1024 * 1024,
    },
    {
      what: "local mode from the TypeScript sources (npm run dev), for comparison",
      figure: `${mb(sources)} (median of ${RUNS} starts)`,
    },
  ];
}
