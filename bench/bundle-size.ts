/**
 * The spawn page's weight before any build: gzip -9 sizes of the entry chunk, everything it
 * imports statically, and their CSS, read from Vite's manifest. Lazily imported chunks (the
 * terminal) are listed apart: they load only when a build starts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

// DESIGN.md: initial JS+CSS ≤ 90 KiB (gzip -9).
export const PAGE_BUDGET_BYTES = 90 * 1024;

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

export interface BundleReport {
  initial: { file: string; gzip: number }[];
  initialTotal: number;
  lazy: { file: string; gzip: number }[];
  budget: number;
}

function gzipSize(path: string): number {
  return gzipSync(readFileSync(path), { level: 9 }).length;
}

export function measureBundle(staticDir = "dist/static"): BundleReport {
  const manifest = JSON.parse(
    readFileSync(join(staticDir, ".vite", "manifest.json"), "utf8"),
  ) as Record<string, ManifestChunk>;
  const entryKey = Object.keys(manifest).find((key) => manifest[key]?.isEntry);
  if (!entryKey) throw new Error(`no entry chunk in ${staticDir}/.vite/manifest.json`);

  const initialFiles = new Set<string>();
  const lazyKeys = new Set<string>();
  const visit = (key: string): void => {
    const chunk = manifest[key];
    if (!chunk || initialFiles.has(chunk.file)) return;
    initialFiles.add(chunk.file);
    for (const css of chunk.css ?? []) initialFiles.add(css);
    for (const imported of chunk.imports ?? []) visit(imported);
    for (const dynamic of chunk.dynamicImports ?? []) lazyKeys.add(dynamic);
  };
  visit(entryKey);

  const lazyFiles = new Set<string>();
  const visitLazy = (key: string): void => {
    const chunk = manifest[key];
    if (!chunk || initialFiles.has(chunk.file) || lazyFiles.has(chunk.file)) return;
    lazyFiles.add(chunk.file);
    for (const css of chunk.css ?? []) lazyFiles.add(css);
    for (const imported of [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])]) {
      visitLazy(imported);
    }
  };
  for (const key of lazyKeys) visitLazy(key);

  const sized = (files: Set<string>) =>
    [...files].sort().map((file) => ({ file, gzip: gzipSize(join(staticDir, file)) }));
  const initial = sized(initialFiles);
  return {
    initial,
    initialTotal: initial.reduce((sum, f) => sum + f.gzip, 0),
    lazy: sized(lazyFiles),
    budget: PAGE_BUDGET_BYTES,
  };
}
