/**
 * The image the chart runs. There is no container engine here, so the Dockerfile is not built in
 * tests; these checks hold it to what the chart and the companion expect.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "./helm.ts";

const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"));
const runtimeStage = instructions.slice(
  instructions.findLastIndex((line) => line.startsWith("FROM ")),
);
const runtimeCopies = runtimeStage
  .filter((line) => line.startsWith("COPY --from=build"))
  .map((line) => line.split(/\s+/).at(-1)!.replace(/^\.\//, ""));
const chartValues = parse(readFileSync(join(ROOT, "chart/values.yaml"), "utf8")) as {
  port: number;
  podSecurityContext: { runAsUser: number; runAsGroup: number };
};

/**
 * Files Node loads when it runs the entry: relative imports followed transitively. Type-only
 * imports are left out: Node strips them (type stripping) and never loads their targets.
 */
function runtimeGraph(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.[cm]?[jt]sx?$/.test(file) || !existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    const specifiers = [
      ...text.matchAll(
        /^\s*(?:import|export)(?!\s+type\b)[^;]*?\sfrom\s*["'](\.{1,2}\/[^"']+)["']/gm,
      ),
      ...text.matchAll(/^\s*import\s*["'](\.{1,2}\/[^"']+)["']/gm),
      ...text.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g),
    ].map((match) => match[1]!);
    for (const specifier of specifiers) queue.push(resolve(dirname(file), specifier));
  }
  return [...seen];
}

/** The npm packages the files import at run time (type-only imports left out, as above). */
function runtimePackages(files: string[]): string[] {
  const names = new Set<string>();
  for (const file of files) {
    if (!/\.[cm]?[jt]sx?$/.test(file) || !existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    for (const match of [
      ...text.matchAll(/^\s*(?:import|export)(?!\s+type\b)[^;]*?\sfrom\s*["']([^."'][^"']*)["']/gm),
      ...text.matchAll(/^\s*import\s*["']([^."'][^"']*)["']/gm),
      ...text.matchAll(/\bimport\(\s*["']([^."'][^"']*)["']\s*\)/g),
    ]) {
      const specifier = match[1]!;
      if (specifier.startsWith("node:")) continue;
      const [scope, name] = specifier.split("/");
      names.add(scope!.startsWith("@") ? `${scope}/${name}` : scope!);
    }
  }
  return [...names].sort();
}

describe("Dockerfile", () => {
  it("builds on Node 24 slim in two stages and runs the companion as the chart expects", () => {
    const froms = instructions.filter((line) => line.startsWith("FROM "));
    expect(froms).toHaveLength(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:24-[a-z]+-slim\b/);
    expect(runtimeStage.at(-1)).toBe('CMD ["node", "server/src/server.ts"]');
    const build = instructions.filter((line) => line.startsWith("RUN ")).join(" ");
    expect(build).toContain("npm ci");
    expect(build).toContain("vite build");
    expect(build).toContain("scripts/compress-static.ts");
    expect(build).toContain("npm prune --omit=dev");
  });

  it("runs as the same non-root uid:gid the chart sets, on the chart's port", () => {
    const user = runtimeStage.find((line) => line.startsWith("USER "));
    expect(user).toBe(
      `USER ${chartValues.podSecurityContext.runAsUser}:${chartValues.podSecurityContext.runAsGroup}`,
    );
    expect(chartValues.podSecurityContext.runAsUser).toBeGreaterThan(0);
    expect(runtimeStage).toContain(`EXPOSE ${chartValues.port}`);
  });

  it("copies every file the companion imports at run time", () => {
    const copied = (file: string) =>
      runtimeCopies.some((dir) => file === dir || file.startsWith(`${dir}/`));
    const graph = runtimeGraph(join(ROOT, "server/src/server.ts")).map((file) =>
      relative(ROOT, file),
    );
    expect(graph.length).toBeGreaterThan(5);
    expect(graph.some((file) => file.startsWith("contract/"))).toBe(true);
    const missing = graph.filter((file) => !copied(file));
    expect(missing).toEqual([]);
    expect(copied("server/src/server.ts")).toBe(true);
    expect(copied("dist/static/launchpad.js")).toBe(true);
    expect(copied("node_modules/fastify/package.json")).toBe(true);
  });

  it("keeps every package the companion imports at run time after `npm prune --omit=dev`", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const imported = runtimePackages(runtimeGraph(join(ROOT, "server/src/server.ts")));
    expect(imported).toContain("fastify");
    expect(imported.filter((name) => !(name in manifest.dependencies))).toEqual([]);
  });

  it("keeps what the build stage needs out of .dockerignore", () => {
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"));
    for (const needed of [
      "package.json",
      "package-lock.json",
      "server",
      "contract",
      "frontend",
      "scripts",
      "vite.config.ts",
    ]) {
      expect(existsSync(join(ROOT, needed)), needed).toBe(true);
      expect(ignored, needed).not.toContain(needed);
    }
    for (const heavy of ["node_modules", ".git", "dist", ".cache"])
      expect(ignored).toContain(heavy);
    // `vite build` runs in the build stage: nothing the page imports may be left out of the context.
    const pageGraph = runtimeGraph(join(ROOT, "frontend/src/main.tsx")).map((file) =>
      relative(ROOT, file),
    );
    expect(pageGraph.length).toBeGreaterThan(5);
    const excluded = pageGraph.filter((file) =>
      ignored.some(
        (pattern) => !pattern.includes("*") && (file === pattern || file.startsWith(`${pattern}/`)),
      ),
    );
    expect(excluded).toEqual([]);
  });
});
