/**
 * `npm run bench`: measures the performance budgets of DESIGN.md's "Budgets" table (the `*_BUDGET*`
 * constants of each bench file) and prints the figures, each check beside its budget and the
 * machine's load average when it was taken, then every check again in one table. Where a peer or a
 * direct path exists, it runs in the same process tree in the same run and the ratio is printed.
 * Timed checks live here, never in tests (CI machines are noisy). Exits non-zero when a budget is
 * exceeded.
 *
 * `npm run bench -- spawn-page bundle` runs only the sections named (bundle, dependencies,
 * spawn-page, startup, projects, builds, terminal); the page is built first in any case.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { measureBuilds, type BenchRow } from "./builds.ts";
import { measureBundle } from "./bundle-size.ts";
import { measureDependencyCost } from "./dependency-cost.ts";
import { measureProjectsApi } from "./projects.ts";
import { measureSpawnPage, RUNS as SPAWN_RUNS } from "./spawn-page.ts";
import { measureStartup } from "./startup.ts";
import { TERMINAL_SCROLLBACK } from "../frontend/src/features/build/log/terminal-size.ts";
import { measureTerminal } from "./terminal.ts";

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

interface Check {
  what: string;
  ok: boolean;
  figure: string;
  budget: string;
  load: string;
}
const checks: Check[] = [];

/** The 1-minute load average (timed figures depend on what else the machine runs). */
const oneMinuteLoad = () => loadavg()[0]!.toFixed(2);

function check(what: string, ok: boolean, figure: string, budget: string): void {
  const entry = { what, ok, figure, budget, load: oneMinuteLoad() };
  checks.push(entry);
  console.log(`${ok ? "ok  " : "OVER"}  ${what}: ${figure} (budget ${budget}; load ${entry.load})`);
}

/** Rows with a budget are checks; the others are figures to read. */
function report(rows: BenchRow[]): void {
  for (const row of rows) {
    if (row.budget === undefined || row.ok === undefined)
      console.log(`  ${row.what}: ${row.figure}`);
    else check(row.what, row.ok, row.figure, row.budget);
  }
}

function load(): void {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  console.log(`  load average ${one}, ${five}, ${fifteen} on ${availableParallelism()} cores`);
}

const SECTIONS = [
  "bundle",
  "dependencies",
  "spawn-page",
  "startup",
  "projects",
  "builds",
  "terminal",
];
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !SECTIONS.includes(name));
if (unknown.length > 0)
  throw new Error(`unknown bench sections ${unknown.join(", ")}: ${SECTIONS.join(", ")}`);
const runs = (section: string) => asked.length === 0 || asked.includes(section);

// The figures are of the page as it is now, precompressed as the companion serves it.
execFileSync("vite", ["build", "--logLevel", "warn"], { stdio: "inherit" });
execFileSync("node", ["scripts/compress-static.ts"], { stdio: "ignore" });

if (runs("bundle")) {
  console.log("# Spawn page size (gzip -9)");
  const bundle = measureBundle();
  for (const file of bundle.initial) console.log(`  initial  ${file.file}  ${kib(file.gzip)}`);
  for (const file of bundle.lazy) console.log(`  lazy     ${file.file}  ${kib(file.gzip)}`);
  check(
    "initial page",
    bundle.initialTotal <= bundle.budget,
    `${kib(bundle.initialTotal)} (${bundle.initialTotal} bytes)`,
    `${kib(bundle.budget)}`,
  );
}

if (runs("dependencies")) {
  const bundle = measureBundle();
  console.log("\n# What the page's dependencies cost (gzip -9, cumulative)");
  const stack = await measureDependencyCost();
  let previous = 0;
  for (const row of stack) {
    console.log(
      `  ${row.name.padEnd(20)} ${kib(row.cumulative)}  (+${kib(row.cumulative - previous)})`,
    );
    previous = row.cumulative;
  }
  // DOMPurify is loaded only when an admin's description holds markup (frontend/src/lib/admin-html.ts).
  const initialStack = stack.find((row) => row.name === "+ zod/mini")?.cumulative ?? previous;
  console.log(
    `  the page's own code and CSS: ${kib(bundle.initialTotal - initialStack)} ` +
      "(initial page minus React, ReactDOM, TanStack Query and zod/mini; DOMPurify is lazy)",
  );
}

if (runs("spawn-page")) {
  console.log(
    `\n# The spawn page in a real hub (Chromium, 10 Mbit/s, 40 ms; medians of ${SPAWN_RUNS} loads each, beside jupyterhub-fancy-profiles 0.7.0)`,
  );
  load();
  report(await measureSpawnPage());
}

if (runs("startup")) {
  console.log("\n# Companion memory at start (its entry point, one process per start)");
  load();
  report(await measureStartup());
}

if (runs("projects")) {
  console.log(
    "\n# Projects API (ConfigMaps on the Kubernetes double, loopback, 200 requests/s open loop)",
  );
  load();
  const projects = await measureProjectsApi();
  console.log(
    `  ${projects.requests} requests in ${projects.durationMs} ms (${projects.ratePerSecond}/s) after ${projects.warmUpRequests} not counted, ${projects.errors} errors`,
  );
  check(
    "projects API p99",
    projects.errors === 0 && projects.p99Ms <= projects.budgetMs,
    `${projects.p99Ms.toFixed(1)} ms (p50 ${projects.p50Ms.toFixed(1)} ms, max ${projects.maxMs.toFixed(1)} ms, ${projects.errors} errors)`,
    `${projects.budgetMs} ms, no errors`,
  );
}

if (runs("builds")) {
  console.log(
    "\n# Build events through the companion (BinderHub double → companion → node:http client, 3 processes)",
  );
  load();
  report(await measureBuilds());
}

if (runs("terminal")) {
  console.log(
    `\n# The build log in the terminal (Chromium, the app's buffer → write batcher → xterm path, which keeps the last ${TERMINAL_SCROLLBACK.toLocaleString("en-US")} lines)`,
  );
  load();
  report(await measureTerminal());
  load();
}

console.log(`\n# Every budget (DESIGN.md "Budgets"), on ${availableParallelism()} cores`);
const width = Math.max(...checks.map((c) => c.what.length));
for (const c of checks)
  console.log(
    `${c.ok ? "ok  " : "OVER"}  ${c.what.padEnd(width)}  ${c.figure}  (budget ${c.budget}; load ${c.load})`,
  );
const failures = checks.filter((c) => !c.ok).map((c) => c.what);
if (failures.length > 0) {
  console.log(`\nBudgets exceeded: ${failures.join(", ")}`);
  process.exitCode = 1;
}
