/**
 * What each dependency of the page costs: the same production build of a tiny entry that uses
 * React + ReactDOM, then adds TanStack Query, zod/mini and DOMPurify one at a time. The page's own
 * code is what the real bundle weighs beyond the full stack.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Rollup } from "vite";

const STACK = [
  {
    name: "React + ReactDOM",
    code: `import { createRoot } from "react-dom/client"; import { createElement } from "react";
           globalThis.__launchpad_a = (el) => createRoot(el).render(createElement("p", null, "x"));`,
  },
  {
    name: "+ TanStack Query",
    code: `import { QueryClient, QueryClientProvider, useQuery, useMutation } from "@tanstack/react-query";
           globalThis.__launchpad_b = [QueryClient, QueryClientProvider, useQuery, useMutation];`,
  },
  {
    name: "+ zod/mini",
    code: `import * as z from "zod/mini";
           globalThis.__launchpad_c = z.object({ a: z.string(), b: z.optional(z.array(z.number())) });`,
  },
  {
    name: "+ DOMPurify",
    code: `import DOMPurify from "dompurify"; globalThis.__launchpad_d = (s) => DOMPurify.sanitize(s);`,
  },
];

async function gzipOfEntry(source: string, dir: string): Promise<number> {
  const entry = join(dir, "entry.js");
  writeFileSync(entry, source);
  const output = (await build({
    configFile: false,
    logLevel: "silent",
    root: process.cwd(),
    build: { write: false, target: "es2022", lib: false, rollupOptions: { input: entry } },
  })) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const outputs = Array.isArray(output) ? output : [output];
  let total = 0;
  for (const out of outputs) {
    for (const item of out.output) {
      const bytes = item.type === "chunk" ? item.code : item.source;
      if (item.fileName.endsWith(".js") || item.fileName.endsWith(".css")) {
        total += gzipSync(bytes, { level: 9 }).length;
      }
    }
  }
  return total;
}

export async function measureDependencyCost(): Promise<{ name: string; cumulative: number }[]> {
  // Inside the project, so the entry resolves packages from its node_modules.
  mkdirSync(".cache", { recursive: true });
  const dir = mkdtempSync(join(process.cwd(), ".cache", "bench-deps-"));
  try {
    const rows: { name: string; cumulative: number }[] = [];
    let source = "";
    for (const layer of STACK) {
      source += `${layer.code}\n`;
      rows.push({ name: layer.name, cumulative: await gzipOfEntry(source, dir) });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
