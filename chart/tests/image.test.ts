/**
 * The image the chart runs. There is no container engine here, so the Dockerfile is not built in
 * tests; these checks hold it to what the chart and the companion expect.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildServer } from "../../scripts/build-server.ts";
import { imageCommand } from "../../server/test-support/companion-process.ts";
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

describe("Dockerfile", () => {
  it("builds on Node 24 slim in two stages and runs the companion as the chart expects", () => {
    const froms = instructions.filter((line) => line.startsWith("FROM "));
    expect(froms).toHaveLength(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:24-[a-z]+-slim\b/);
    expect(imageCommand()).toEqual(["node", "--max-semi-space-size=2", "dist/server/server.js"]);
    const build = instructions.filter((line) => line.startsWith("RUN ")).join(" ");
    expect(build).toContain("npm ci");
    expect(build).toContain("vite build");
    expect(build).toContain("scripts/compress-static.ts");
    expect(build).toContain("node scripts/build-server.ts dist/server");
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

  it("copies the built companion, whose imports are all production dependencies", async () => {
    const copied = (file: string) =>
      runtimeCopies.some((dir) => file === dir || file.startsWith(`${dir}/`));
    expect(copied("dist/server/server.js")).toBe(true);
    expect(copied("dist/static/launchpad.js")).toBe(true);
    expect(copied("node_modules/fastify/package.json")).toBe(true);
    // Nothing of the sources is needed at run time.
    expect(copied("server/src/server.ts")).toBe(false);

    const out = mkdtempSync(join(tmpdir(), "launchpad-server-build-"));
    const { outputs } = await buildServer(out);
    expect(Object.keys(outputs).some((file) => file.endsWith("/server.js"))).toBe(true);
    // What the built files import and esbuild left out: npm packages and Node's modules.
    const packages = new Set<string>();
    for (const output of Object.values(outputs))
      for (const { path, external } of output.imports) {
        if (!external || path.startsWith("node:")) continue;
        const [scope, name] = path.split("/");
        packages.add(scope!.startsWith("@") ? `${scope}/${name}` : scope!);
      }
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(packages).toContain("fastify");
    expect([...packages].filter((name) => !(name in manifest.dependencies))).toEqual([]);
  });

  it("is what `npm start` runs, with --local", () => {
    const exec = readFileSync(join(ROOT, "scripts/start-local.sh"), "utf8")
      .split("\n")
      .find((line) => line.startsWith("exec node "));
    expect(exec).toBe(`exec ${imageCommand().join(" ")} --local "$@"`);
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
