/**
 * The image the chart runs. There is no container engine here, so the Dockerfile is not built in
 * tests; these checks hold it to what the chart and the companion expect.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
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
const runtimeStage = instructions.slice(instructions.findLastIndex((line) => line.startsWith("FROM ")));
const runtimeCopies = runtimeStage
  .filter((line) => line.startsWith("COPY --from=build"))
  .map((line) => line.split(/\s+/).at(-1)!.replace(/^\.\//, ""));
const chartValues = parse(readFileSync(join(ROOT, "chart/values.yaml"), "utf8")) as {
  port: number;
  podSecurityContext: { runAsUser: number; runAsGroup: number };
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
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
    expect(user).toBe(`USER ${chartValues.podSecurityContext.runAsUser}:${chartValues.podSecurityContext.runAsGroup}`);
    expect(chartValues.podSecurityContext.runAsUser).toBeGreaterThan(0);
    expect(runtimeStage).toContain(`EXPOSE ${chartValues.port}`);
  });

  it("copies every file the companion imports at run time", () => {
    const copied = (file: string) => runtimeCopies.some((dir) => file === dir || file.startsWith(`${dir}/`));
    const missing: string[] = [];
    for (const file of sourceFiles(join(ROOT, "server/src"))) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = relative(ROOT, resolve(dirname(file), match[1]!));
        if (!copied(target)) missing.push(`${relative(ROOT, file)} → ${target}`);
      }
    }
    expect(missing).toEqual([]);
    expect(copied("server/src/server.ts")).toBe(true);
    expect(copied("dist/static/launchpad.js")).toBe(true);
    expect(copied("node_modules/fastify/package.json")).toBe(true);
  });

  it("keeps what the build stage needs out of .dockerignore", () => {
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"));
    for (const needed of ["package.json", "package-lock.json", "server", "contract", "frontend", "scripts", "vite.config.ts"]) {
      expect(existsSync(join(ROOT, needed)), needed).toBe(true);
      expect(ignored, needed).not.toContain(needed);
    }
    for (const heavy of ["node_modules", ".git", "dist", ".cache"]) expect(ignored).toContain(heavy);
  });
});
