/**
 * The chart's env and config file, fed to the companion's own config loader (server/src/config.ts)
 * as the pod would see them: the chart configures the companion the way the companion reads it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/src/config.ts";
import { only, render, type RenderOptions } from "./helm.ts";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

const scratch = mkdtempSync(join(tmpdir(), "launchpad-config-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The environment of the companion's container, with Secret references replaced by stand-ins. */
function podEnvironment(options: RenderOptions): Record<string, string> {
  const objects = render(options);
  const deployment = only(objects, "Deployment");
  const container = (deployment.spec as { template: { spec: { containers: { env: EnvVar[] }[] } } })
    .template.spec.containers[0]!;
  const env: Record<string, string> = {};
  for (const variable of container.env) {
    const ref = variable.valueFrom?.secretKeyRef;
    env[variable.name] = ref ? `secret:${ref.name}/${ref.key}`.padEnd(40, "x") : variable.value!;
  }
  // The ConfigMap is mounted at the directory LAUNCHPAD_CONFIG_FILE names; write it there instead.
  const configFile = join(mkdtempSync(join(scratch, "pod-")), "config.json");
  writeFileSync(
    configFile,
    (only(objects, "ConfigMap", "launchpad").data as Record<string, string>)["config.json"]!,
  );
  expect(env.LAUNCHPAD_CONFIG_FILE).toBe("/etc/launchpad/config.json");
  env.LAUNCHPAD_CONFIG_FILE = configFile;
  // Kubernetes sets this in every pod; the companion uses it to pick in-cluster credentials.
  env.KUBERNETES_SERVICE_HOST = "10.0.0.1";
  return env;
}

describe("the companion accepts the chart's configuration", () => {
  it("defaults", () => {
    const config = loadConfig({ env: podEnvironment({}), argv: [] });
    expect(config).toMatchObject({
      mode: "hub",
      host: "0.0.0.0",
      port: 8080,
      serviceName: "launchpad",
      servicePrefix: "/services/launchpad/",
      hubApiUrl: "http://hub:8081/hub/api",
      clientId: "service-launchpad",
      oauthCallbackUrl: "/services/launchpad/oauth_callback",
      hubBaseUrl: "/",
      buildEnabled: true,
      projectsEnabled: true,
    });
    expect(config.hubApiToken).toMatch(/^secret:hub\/hub\.services\.launchpad\.apiToken/);
    expect(config.cookieSecret).toMatch(/^secret:launchpad\/cookie-secret/);
  });

  it("another prefix and service name, building and projects off", () => {
    const config = loadConfig({
      env: podEnvironment({
        values: ["binderhub-other-namespace.yaml", "build-off.yaml", "projects-off.yaml"],
      }),
      argv: [],
    });
    expect(config).toMatchObject({
      serviceName: "spawner",
      servicePrefix: "/jupyter/services/spawner/",
      hubApiUrl: "http://hub:8081/jupyter/hub/api",
      clientId: "service-spawner",
      oauthCallbackUrl: "/jupyter/services/spawner/oauth_callback",
      hubBaseUrl: "/jupyter/",
      buildEnabled: false,
      projectsEnabled: false,
    });
  });

  it("the profile editor: bounds, the shared list token, registry credentials", () => {
    const config = loadConfig({
      env: podEnvironment({
        values: ["profile-editor.yaml"],
        set: ["profileEditor.registryCredentialsSecret=registry-pull", "profileEditor.retention=7"],
      }),
      argv: [],
    });
    expect(config.profileEditorEnabled).toBe(true);
    expect(config.profileListToken).toMatch(/^secret:launchpad\/profile-list-token/);
    expect(config.registryCredentialsFile).toBe("/etc/launchpad-registry/.dockerconfigjson");
    expect(config.profileEditor).toMatchObject({
      editors: { admins: true, groups: [] },
      allowedImages: ["quay.io/jupyter/"],
      retention: 7,
      hubCacheSeconds: 10,
      nodeGroups: [
        {
          name: "standard",
          displayName: "Standard nodes",
          nodeSelector: { "node.kubernetes.io/instance-type": "n2-highmem-4" },
          maxCpu: 4,
          maxMemory: "28G",
          maxGpu: 0,
          gpuResource: "nvidia.com/gpu",
        },
      ],
    });
    expect(config.profileEditor.baseProfiles).toBeUndefined();
  });

  it("no profile editor by default", () => {
    const config = loadConfig({ env: podEnvironment({}), argv: [] });
    expect(config.profileEditorEnabled).toBe(false);
    expect(config.profileListToken).toBeUndefined();
  });
});
