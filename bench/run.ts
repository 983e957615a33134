/**
 * `npm run bench`: measures the budgets in DESIGN.md and prints the figures. Timed checks live
 * here, never in tests (CI machines are noisy). Exits non-zero when a budget is exceeded.
 */
import { measureBundle } from "./bundle-size.ts";
import { measureDependencyCost } from "./dependency-cost.ts";

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const failures: string[] = [];

function check(what: string, ok: boolean, figure: string, budget: string): void {
  console.log(`${ok ? "ok  " : "OVER"}  ${what}: ${figure} (budget ${budget})`);
  if (!ok) failures.push(what);
}

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

console.log("\n# What the page's dependencies cost (gzip -9, cumulative)");
const stack = await measureDependencyCost();
let previous = 0;
for (const row of stack) {
  console.log(`  ${row.name.padEnd(20)} ${kib(row.cumulative)}  (+${kib(row.cumulative - previous)})`);
  previous = row.cumulative;
}
// DOMPurify is loaded only when an admin's description holds markup (frontend/src/lib/admin-html.ts).
const initialStack = stack.find((row) => row.name === "+ zod/mini")?.cumulative ?? previous;
console.log(
  `  the page's own code and CSS: ${kib(bundle.initialTotal - initialStack)} ` +
    "(initial page minus React, ReactDOM, TanStack Query and zod/mini; DOMPurify is lazy)",
);

if (failures.length > 0) {
  console.log(`\nBudgets exceeded: ${failures.join(", ")}`);
  process.exitCode = 1;
}
