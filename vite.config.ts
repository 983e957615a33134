import react from "@vitejs/plugin-react";
import { build, type Plugin } from "vite";
import { defineConfig } from "vitest/config";

const output = {
  entryFileNames: "[name].js",
  chunkFileNames: "chunks/[name]-[hash].js",
  assetFileNames: "assets/[name]-[hash][extname]",
};

/**
 * The profile editor's page (`{service}/admin/`) has a bundle of its own, `admin/admin.js`, built
 * by a second, separate build once the spawn page's is written: the two share no chunk, so nothing
 * the editor needs can change the spawn page's entry or what it imports (its budget, DESIGN.md).
 */
function adminBundle(): Plugin {
  let outDir = "";
  return {
    name: "launchpad-admin-bundle",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    async closeBundle() {
      // Storybook builds with this config too, into its own folder: only the page build counts.
      if (!outDir.endsWith("dist/static")) return;
      await build({
        configFile: false,
        base: "./",
        logLevel: "warn",
        plugins: [react(), adminBundle()],
        build: {
          outDir: `${outDir}/admin`,
          emptyOutDir: true,
          target: "es2022",
          manifest: true,
          modulePreload: false,
          rollupOptions: {
            input: { admin: "frontend/src/admin/main.tsx" },
            output,
            onLog(level, log, handler) {
              // The editor's checks (contract/profile-editor/rules.ts) need the regex translator
              // up front, so here it sits in the entry; only the spawn page loads it on demand.
              if (
                log.code === "INEFFECTIVE_DYNAMIC_IMPORT" &&
                log.id?.endsWith("/contract/python-regex.ts")
              )
                return;
              handler(level, log);
            },
          },
        },
      });
    },
  };
}

// The page is an ES module loaded by the hub glue from `{jhdata.prefix}services/<name>/static/`.
// A stable entry name lets the glue find it; every other chunk is content-hashed (long cache), and
// relative `base` makes lazy chunks resolve against the entry's own URL under any hub prefix.
export default defineConfig({
  base: "./",
  plugins: [react(), adminBundle()],
  build: {
    outDir: "dist/static",
    emptyOutDir: true,
    target: "es2022",
    manifest: true,
    modulePreload: false,
    rollupOptions: {
      input: { launchpad: "frontend/src/main.tsx" },
      output,
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "frontend",
          environment: "jsdom",
          include: ["frontend/**/*.test.{ts,tsx}", "stories/**/*.test.{ts,tsx}"],
          setupFiles: ["frontend/src/testing/setup-tests.ts"],
        },
      },
      {
        test: {
          name: "server",
          environment: "node",
          include: ["server/**/*.test.ts", "contract/**/*.test.ts"],
          exclude: ["**/*.kube.test.ts", "**/node_modules/**"],
        },
      },
      {
        // Against a real kube-apiserver + etcd (scripts/setup-kube.sh builds them; one control plane
        // per run, started by the global setup; each test file works in namespaces of its own).
        test: {
          name: "kubernetes",
          environment: "node",
          include: ["server/**/*.kube.test.ts"],
          globalSetup: ["server/test-support/kube/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // The API server and the test kubelet take their time on a loaded machine.
          expect: { poll: { timeout: 15_000, interval: 50 } },
          // After the other projects, so its processes do not starve their timed tests.
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: "chart",
          environment: "node",
          include: ["chart/tests/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
