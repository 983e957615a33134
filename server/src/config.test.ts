import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, LIMIT_DEFAULTS, loadConfig } from "./config.ts";

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("lists every bad or missing variable in one error, by env name", () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          LAUNCHPAD_PORT: "eighty",
          JUPYTERHUB_SERVICE_PREFIX: "/services/launchpad",
          JUPYTERHUB_CLIENT_ID: "launchpad",
          LAUNCHPAD_COOKIE_SECRET: "short",
          LAUNCHPAD_BUILD_ENABLED: "maybe",
        },
      }),
    );
    const text = problems.join("\n");
    for (const name of [
      "LAUNCHPAD_PORT",
      "JUPYTERHUB_SERVICE_PREFIX",
      "JUPYTERHUB_CLIENT_ID",
      "LAUNCHPAD_COOKIE_SECRET",
      "LAUNCHPAD_BUILD_ENABLED",
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toContain("must start and end with '/'");
    // Missing values are listed with the malformed ones, not after the user fixes those.
    expect(text).toContain("JUPYTERHUB_API_URL (hubApiUrl): required in hub mode");
    expect(text).toContain("JUPYTERHUB_API_TOKEN (hubApiToken): required in hub mode");
    expect(text).toContain("LAUNCHPAD_PORT (port): must be a port number");
    expect(text).toContain("LAUNCHPAD_BUILD_ENABLED (buildEnabled): must be true or false");
    expect(text).toContain("at least 32 bytes");
  });

  it("names every setting hub mode requires at once", () => {
    const problems = problemsOf(() => loadConfig({ env: {} }));
    expect(problems.map((p) => p.split(" ")[0])).toEqual([
      "JUPYTERHUB_API_URL",
      "JUPYTERHUB_API_TOKEN",
      "LAUNCHPAD_COOKIE_SECRET",
      "LAUNCHPAD_BINDERHUB_URL",
      "LAUNCHPAD_HUB_NAMESPACE",
    ]);
  });

  it("derives the client id, prefix and callback the way JupyterHub registers them", () => {
    const config = loadConfig({
      env: {
        JUPYTERHUB_API_URL: "http://hub:8081/hub/api/",
        JUPYTERHUB_API_TOKEN: "t",
        LAUNCHPAD_COOKIE_SECRET: "x".repeat(32),
        JUPYTERHUB_BASE_URL: "/jh/",
        LAUNCHPAD_BINDERHUB_URL: "http://binderhub/services/binder/",
        LAUNCHPAD_HUB_NAMESPACE: "hub",
      },
    });
    expect(config).toMatchObject({
      mode: "hub",
      host: "0.0.0.0",
      hubApiUrl: "http://hub:8081/hub/api",
      clientId: "service-launchpad",
      servicePrefix: "/jh/services/launchpad/",
      oauthCallbackUrl: "/jh/services/launchpad/oauth_callback",
      buildEnabled: true,
    });
  });

  it("runs local mode with --local and no other settings", () => {
    const config = loadConfig({ env: {}, argv: ["--local"] });
    expect(config).toMatchObject({
      mode: "local",
      host: "127.0.0.1",
      servicePrefix: "/services/launchpad/",
    });
    expect(Buffer.byteLength(config.cookieSecret)).toBeGreaterThanOrEqual(32);
  });

  it("limits a hub's users more than the local demo's one user", () => {
    const hub = loadConfig({
      env: {
        JUPYTERHUB_API_URL: "http://hub:8081/hub/api",
        JUPYTERHUB_API_TOKEN: "t",
        LAUNCHPAD_COOKIE_SECRET: "x".repeat(32),
        LAUNCHPAD_HUB_NAMESPACE: "hub",
        LAUNCHPAD_BUILD_ENABLED: "false",
        LAUNCHPAD_PROJECTS_ENABLED: "false",
      },
    });
    expect(hub).toMatchObject(LIMIT_DEFAULTS.hub);
    expect(loadConfig({ env: {}, argv: ["--local"] })).toMatchObject(LIMIT_DEFAULTS.local);
    expect(LIMIT_DEFAULTS.hub).toEqual({
      buildConcurrentPerUser: 1,
      buildsPerHourPerUser: 10,
      projectLimitPerUser: 5,
    });
  });

  it("reads the build and projects settings, with comma-separated providers from the environment", () => {
    const config = loadConfig({
      env: { LAUNCHPAD_BUILD_PROVIDERS: "gh, zenodo", LAUNCHPAD_PROJECT_LIMIT_PER_USER: "3" },
      argv: ["--local"],
    });
    expect(config).toMatchObject({
      buildProviders: ["gh", "zenodo"],
      projectLimitPerUser: 3,
      buildConcurrentPerUser: 2,
      removalJob: { image: "docker.io/library/busybox:1.37.0" },
    });
    const problems = problemsOf(() =>
      loadConfig({ env: { LAUNCHPAD_BUILD_PROVIDERS: "gh,svn" }, argv: ["--local"] }),
    );
    expect(problems[0]).toMatch(
      /^LAUNCHPAD_BUILD_PROVIDERS \(buildProviders\): must be one of gh, /,
    );
  });

  it("reads LAUNCHPAD_CONFIG_FILE, and the environment wins over it", () => {
    const dir = mkdtempSync(join(tmpdir(), "launchpad-config-"));
    const file = join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({ mode: "local", port: 9000, buildEnabled: false, projectsEnabled: false }),
    );
    const config = loadConfig({
      env: {
        LAUNCHPAD_CONFIG_FILE: file,
        LAUNCHPAD_PORT: "9100",
        LAUNCHPAD_PROJECTS_ENABLED: "true",
      },
    });
    expect(config).toMatchObject({
      mode: "local",
      port: 9100,
      buildEnabled: false,
      projectsEnabled: true,
    });
  });

  it("reports an unreadable config file with the others", () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { LAUNCHPAD_CONFIG_FILE: "/nonexistent/launchpad.json" } }),
    );
    expect(problems[0]).toMatch(/^LAUNCHPAD_CONFIG_FILE: cannot read/);
    expect(problems.length).toBeGreaterThan(1);
  });

  describe("the profile editor", () => {
    const hub = {
      JUPYTERHUB_API_URL: "http://hub:8081/hub/api",
      JUPYTERHUB_API_TOKEN: "t",
      LAUNCHPAD_COOKIE_SECRET: "0123456789abcdef0123456789abcdef",
      LAUNCHPAD_BUILD_ENABLED: "false",
      LAUNCHPAD_PROJECTS_ENABLED: "false",
      LAUNCHPAD_HUB_NAMESPACE: "hub",
    };

    it("is on in local mode and off in hub mode unless the chart turns it on", () => {
      expect(loadConfig({ env: {}, argv: ["--local"] }).profileEditorEnabled).toBe(true);
      expect(loadConfig({ env: hub }).profileEditorEnabled).toBe(false);
    });

    it("needs the shared token in hub mode", () => {
      const problems = problemsOf(() =>
        loadConfig({ env: { ...hub, LAUNCHPAD_PROFILE_EDITOR_ENABLED: "true" } }),
      );
      expect(problems).toEqual([
        expect.stringMatching(/^LAUNCHPAD_PROFILE_LIST_TOKEN \(profileListToken\): required/),
      ]);
    });

    it("reads the chart's bounds and names the field that is wrong", () => {
      const dir = mkdtempSync(join(tmpdir(), "launchpad-config-"));
      const file = join(dir, "config.json");
      const group = { name: "small", displayName: "Small", maxCpu: 2, maxMemory: "8G" };
      writeFileSync(
        file,
        JSON.stringify({ profileEditor: { nodeGroups: [group], allowedImages: ["quay.io"] } }),
      );
      const config = loadConfig({ env: { LAUNCHPAD_CONFIG_FILE: file }, argv: ["--local"] });
      expect(config.profileEditor).toMatchObject({
        editors: { admins: true, groups: [] },
        nodeGroups: [
          { ...group, nodeSelector: {}, tolerations: [], maxGpu: 0, gpuResource: "nvidia.com/gpu" },
        ],
        retention: 50,
        hubCacheSeconds: 10,
      });
      writeFileSync(
        file,
        JSON.stringify({ profileEditor: { nodeGroups: [{ ...group, maxMemory: "8 GB" }] } }),
      );
      expect(
        problemsOf(() => loadConfig({ env: { LAUNCHPAD_CONFIG_FILE: file }, argv: ["--local"] })),
      ).toEqual([
        "profileEditor → nodeGroups.0.maxMemory: must be a number and K, M, G or T, e.g. 64G",
      ]);
    });
  });
});
