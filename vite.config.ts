import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The page is an ES module loaded by the hub glue from `{jhdata.prefix}services/<name>/static/`.
// A stable entry name lets the glue find it; every other chunk is content-hashed (long cache), and
// relative `base` makes lazy chunks resolve against the entry's own URL under any hub prefix.
export default defineConfig({
  base: "./",
  plugins: [react()],
  build: {
    outDir: "dist/static",
    emptyOutDir: true,
    target: "es2022",
    manifest: true,
    modulePreload: false,
    rollupOptions: {
      input: { launchpad: "frontend/src/main.tsx" },
      output: {
        entryFileNames: "[name].js",
        chunkFileNames: "chunks/[name]-[hash].js",
        assetFileNames: "assets/[name]-[hash][extname]",
      },
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
