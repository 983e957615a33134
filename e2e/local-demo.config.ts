/**
 * Playwright against `npm start` itself: the local demo as a newcomer runs it (the page built by
 * scripts/start-local.sh, the companion in local mode with its BinderHub simulator), in Debian's
 * Chromium, with the hub suites' settings but no hub stack: e2e/local-demo/ starts its own
 * `npm start`. Run through e2e/run.sh, or:
 *
 *   npx playwright test -c e2e/local-demo.config.ts
 */
import { defineConfig } from "@playwright/test";
import hubSuites from "./playwright.config.ts";

export default defineConfig({
  ...hubSuites,
  testDir: "./local-demo",
  outputDir: "../test-results/e2e-local-demo",
  globalSetup: undefined,
  reporter: process.env.CI
    ? [["list"], ["html", { open: "never", outputFolder: "../playwright-report/local-demo" }]]
    : "list",
  projects: [{ name: "local-demo" }],
});
