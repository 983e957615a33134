/**
 * Playwright against a real JupyterHub + KubeSpawner + CHP + the Launchpad companion (see
 * e2e/support/stack.ts). Run through e2e/run.sh, or directly:
 *
 *   bash scripts/setup-e2e.sh && npx vite build
 *   npx playwright test -c e2e/playwright.config.ts                      # JupyterHub 5.5
 *   E2E_JH=6 npx playwright test -c e2e/playwright.config.ts --grep @smoke  # JupyterHub 6.1
 */
import { defineConfig, devices } from "@playwright/test";

export default defineConfig({
  testDir: "./tests",
  outputDir: "../test-results/e2e",
  globalSetup: "./global-setup.ts",
  // Hubs and spawns are shared state; 2 CPUs are shared with everything else.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  reporter: process.env.CI
    ? [["list"], ["html", { open: "never", outputFolder: "../playwright-report" }]]
    : "list",
  use: {
    ...devices["Desktop Chrome"],
    trace: "on-first-retry",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    },
  },
  projects: [{ name: process.env.E2E_JH === "6" ? "jupyterhub-6" : "jupyterhub-5" }],
});
