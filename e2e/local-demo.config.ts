/**
 * Playwright against `npm start` itself: the local demo as a newcomer runs it (the page built by
 * scripts/start-local.sh, the companion in local mode with its BinderHub simulator), in Debian's
 * Chromium. No hub stack: e2e/local-demo/ starts its own `npm start`. Run through e2e/run.sh, or:
 *
 *   npx playwright test -c e2e/local-demo.config.ts
 */
import { defineConfig, devices } from "@playwright/test";

export default defineConfig({
  testDir: "./local-demo",
  outputDir: "../test-results/e2e-local-demo",
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  reporter: process.env.CI
    ? [["list"], ["html", { open: "never", outputFolder: "../playwright-report/local-demo" }]]
    : "list",
  use: {
    ...devices["Desktop Chrome"],
    trace: "on-first-retry",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    },
  },
  projects: [{ name: "local-demo" }],
});
