import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENV_KEYS } from "../../server/src/config.ts";
import {
  CHART,
  find,
  NAMESPACE,
  only,
  render,
  runHelm,
  templateRaw,
  type K8sObject,
} from "./helm.ts";

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Container {
  name: string;
  env: EnvVar[];
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  ports?: { name: string; containerPort: number; protocol: string }[];
  startupProbe: { httpGet: { path: string; port: string } };
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    serviceAccountName: string;
    securityContext: Record<string, unknown>;
    containers: Container[];
    volumes: { name: string; emptyDir?: object; configMap?: { name: string } }[];
  };
}

const VALUES_FILES = [
  "defaults.yaml",
  "build-off.yaml",
  "projects-off.yaml",
  "existing-secret.yaml",
  "two-replicas.yaml",
  "binderhub-other-namespace.yaml",
];

/** The companion's ended sessions (server/src/auth/session-revocations.ts REVOCATIONS_CONFIG_MAP). */
const SESSIONS = "core/configmaps[launchpad-session-revocations]";

function rules(role: K8sObject): Rule[] {
  return role.rules as Rule[];
}

/**
 * `group/resource` (with `[names]` for a rule limited to resourceNames) → sorted verbs, so
 * assertions state the whole grant at once.
 */
function grants(role: K8sObject): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const rule of rules(role)) {
    for (const group of rule.apiGroups)
      for (const resource of rule.resources) {
        const names = rule.resourceNames ? `[${rule.resourceNames.join(",")}]` : "";
        const key = `${group || "core"}/${resource}${names}`;
        out[key] = [...new Set([...(out[key] ?? []), ...rule.verbs])].sort();
      }
  }
  return out;
}

function podTemplate(objects: K8sObject[]): PodTemplate {
  return (only(objects, "Deployment", "launchpad").spec as { template: PodTemplate }).template;
}

function container(objects: K8sObject[]): Container {
  return podTemplate(objects).spec.containers[0]!;
}

function env(objects: K8sObject[]): Map<string, EnvVar> {
  return new Map(container(objects).env.map((e) => [e.name, e]));
}

function configFile(objects: K8sObject[]): Record<string, unknown> {
  const data = only(objects, "ConfigMap", "launchpad").data as Record<string, string>;
  return JSON.parse(data["config.json"]!) as Record<string, unknown>;
}

interface EgressRule {
  ports: { port: number | string; protocol?: string }[];
  to?: {
    podSelector?: { matchLabels: Record<string, string> };
    namespaceSelector?: { matchLabels: Record<string, string> };
    ipBlock?: { cidr: string };
  }[];
}

function egress(objects: K8sObject[]): EgressRule[] {
  return (only(objects, "NetworkPolicy", "launchpad").spec as { egress: EgressRule[] }).egress;
}

const sorted = (...verbs: string[]) => verbs.sort();

describe("helm lint --strict", () => {
  it.each(VALUES_FILES)("passes with %s", (file) => {
    const result = runHelm([
      "lint",
      "--strict",
      CHART,
      "--namespace",
      NAMESPACE,
      "--values",
      join(CHART, "tests/values", file),
    ]);
    expect(result.stderr + result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.status).toBe(0);
  });
});

describe("defaults", () => {
  const objects = render();

  it("renders exactly the companion's objects, in the release namespace", () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "ConfigMap/launchpad",
      "ConfigMap/launchpad-hub-glue",
      "Deployment/launchpad",
      "NetworkPolicy/launchpad",
      "Role/launchpad",
      "RoleBinding/launchpad",
      "Secret/launchpad",
      "Service/launchpad",
      "ServiceAccount/launchpad",
    ]);
    expect(objects.filter((o) => o.metadata.namespace !== undefined)).toEqual([]);
  });

  it("grants only the verbs the companion uses, all in the hub's namespace", () => {
    expect(grants(only(objects, "Role"))).toEqual({
      "core/pods": sorted("list", "delete"),
      "core/configmaps": sorted("get", "list", "create", "update"),
      "batch/jobs": sorted("create", "get", "delete"),
      "coordination.k8s.io/leases": sorted("get", "list", "create", "update", "delete"),
    });
    const binding = only(objects, "RoleBinding");
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: "launchpad", namespace: NAMESPACE },
    ]);
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "launchpad",
    });
  });

  it("runs the companion locked down: non-root, read-only root, no capabilities, RuntimeDefault seccomp", () => {
    const pod = podTemplate(objects);
    expect(pod.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.spec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container(objects).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    const tmp = pod.spec.volumes.find((v) => v.name === "tmp");
    expect(tmp?.emptyDir).toBeDefined();
    expect(container(objects).volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
  });

  it("labels the pod for z2jh's hub NetworkPolicy and selects it with labels that never change", () => {
    const pod = podTemplate(objects);
    expect(pod.metadata.labels["hub.jupyter.org/network-access-hub"]).toBe("true");
    const selector = (
      only(objects, "Deployment").spec as { selector: { matchLabels: Record<string, string> } }
    ).selector.matchLabels;
    expect(selector).toEqual({ app: "launchpad", release: "launchpad", component: "companion" });
    expect(pod.metadata.labels).toMatchObject(selector);
    expect(
      (only(objects, "Service").spec as { selector: Record<string, string> }).selector,
    ).toEqual(selector);
    for (const object of objects) {
      expect(object.metadata.labels, `${object.kind}/${object.metadata.name}`).toMatchObject({
        "app.kubernetes.io/name": "launchpad",
        "app.kubernetes.io/instance": "launchpad",
        "app.kubernetes.io/managed-by": "Helm",
      });
    }
  });

  it("probes the health route under the service prefix", () => {
    const c = container(objects);
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      expect(probe.httpGet).toEqual({ path: "/services/launchpad/api/health", port: "http" });
    }
  });

  it("sets the env the companion reads (server/src/config.ts) with the hub's defaults", () => {
    const vars = env(objects);
    const known = new Set<string>([...Object.keys(ENV_KEYS), "LAUNCHPAD_CONFIG_FILE"]);
    for (const name of vars.keys())
      expect(known, `${name} is not read by server/src/config.ts`).toContain(name);
    expect(vars.get("JUPYTERHUB_SERVICE_PREFIX")?.value).toBe("/services/launchpad/");
    expect(vars.get("JUPYTERHUB_API_URL")?.value).toBe("http://hub:8081/hub/api");
    expect(vars.get("JUPYTERHUB_CLIENT_ID")?.value).toBe("service-launchpad");
    expect(vars.get("JUPYTERHUB_OAUTH_CALLBACK_URL")?.value).toBe(
      "/services/launchpad/oauth_callback",
    );
    expect(vars.get("JUPYTERHUB_BASE_URL")?.value).toBe("/");
    expect(vars.get("LAUNCHPAD_PORT")?.value).toBe("8080");
    expect(vars.get("LAUNCHPAD_BUILD_ENABLED")?.value).toBe("true");
    expect(vars.get("LAUNCHPAD_PROJECTS_ENABLED")?.value).toBe("true");
    expect(vars.get("LAUNCHPAD_CONFIG_FILE")?.value).toBe("/etc/launchpad/config.json");
    // No hand-copied token: the one z2jh generates for hub.services.launchpad
    // (https://github.com/jupyterhub/zero-to-jupyterhub-k8s/blob/4.4.0/jupyterhub/templates/hub/secret.yaml#L21-L26).
    expect(vars.get("JUPYTERHUB_API_TOKEN")?.valueFrom?.secretKeyRef).toEqual({
      name: "hub",
      key: "hub.services.launchpad.apiToken",
    });
    expect(vars.get("LAUNCHPAD_COOKIE_SECRET")?.valueFrom?.secretKeyRef).toEqual({
      name: "launchpad",
      key: "cookie-secret",
    });
    expect(vars.has("LAUNCHPAD_BINDERHUB_TOKEN")).toBe(false);
    // The port the pod listens on is the one the Service targets and the probes hit.
    const ports = (
      podTemplate(objects).spec.containers[0] as unknown as {
        ports: { name: string; containerPort: number }[];
      }
    ).ports;
    expect(ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ]);
    expect(vars.get("LAUNCHPAD_METRICS_PORT")?.value).toBe("9090");
  });

  it("generates a cookie secret of at least 32 bytes", () => {
    const secret = only(objects, "Secret", "launchpad").data as Record<string, string>;
    expect(Buffer.from(secret["cookie-secret"]!, "base64").length).toBeGreaterThanOrEqual(32);
    expect(Object.keys(secret)).toEqual(["cookie-secret"]);
  });

  it("ships the hub glue byte for byte", () => {
    const glue = only(objects, "ConfigMap", "launchpad-hub-glue").data as Record<string, string>;
    expect(glue["launchpad_glue.py"]).toBe(
      readFileSync(join(CHART, "files/launchpad_glue.py"), "utf8"),
    );
  });

  it("writes the non-secret config for the companion, and no secrets in it", () => {
    const config = configFile(objects);
    expect(config).toMatchObject({
      serviceName: "launchpad",
      hubNamespace: NAMESPACE,
      binderhubUrl: "http://binderhub.jhub/services/binder/",
      buildNamespace: NAMESPACE,
      buildProviders: [
        "gh",
        "gl",
        "git",
        "gist",
        "zenodo",
        "figshare",
        "dataverse",
        "hydroshare",
        "ckan",
      ],
      buildConcurrentPerUser: 1,
      buildsPerHourPerUser: 10,
      projectLimitPerUser: 5,
    });
    // RemovalJobSettings (server/src/projects/removal-job.ts) without the namespace (hubNamespace).
    expect(config.removalJob).toEqual({
      image: "docker.io/library/busybox:1.37.0",
      imagePullPolicy: "IfNotPresent",
      defaultUid: 1000,
      defaultGid: 100,
      nodeSelector: {},
      tolerations: [],
      affinity: {},
      ttlSecondsAfterFinished: 3600,
    });
  });

  it("keeps tokens out of the ConfigMap", () => {
    const withTokens = render({
      set: ["hub.apiToken=hub-token-value", "build.binderhub.token=binderhub-token-value"],
    });
    const configMaps = JSON.stringify(find(withTokens, "ConfigMap"));
    expect(configMaps).not.toContain("hub-token-value");
    expect(configMaps).not.toContain("binderhub-token-value");
    expect(env(withTokens).get("LAUNCHPAD_BINDERHUB_TOKEN")?.valueFrom?.secretKeyRef).toEqual({
      name: "launchpad",
      key: "binderhub-token",
      optional: false,
    });
  });

  it("allows ingress only from the hub and its proxy, egress only to what the companion calls", () => {
    const spec = only(objects, "NetworkPolicy").spec as {
      policyTypes: string[];
      ingress: { from: unknown[]; ports: unknown[] }[];
    };
    expect(spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(spec.ingress).toEqual([
      {
        ports: [{ port: "http" }],
        from: [
          { podSelector: { matchLabels: { component: "proxy" } } },
          { podSelector: { matchLabels: { component: "hub" } } },
        ],
      },
      // Prometheus, on the metrics port only (metrics.from empty: from anywhere in the cluster).
      { ports: [{ port: "metrics" }] },
    ]);
    const rules = egress(objects);
    expect(rules).toContainEqual({
      ports: [{ port: 8081, protocol: "TCP" }],
      to: [{ podSelector: { matchLabels: { component: "hub" } } }],
    });
    expect(rules).toContainEqual({
      ports: [{ port: 8585, protocol: "TCP" }],
      to: [
        {
          podSelector: {
            matchLabels: {
              "app.kubernetes.io/name": "binderhub-service",
              "app.kubernetes.io/component": "binderhub",
            },
          },
        },
      ],
    });
    expect(rules.some((r) => r.ports.some((p) => p.port === 53 && p.protocol === "UDP"))).toBe(
      true,
    );
    // The API server's address is cluster-specific; without it, only its ports are allowed.
    expect(rules).toContainEqual({
      ports: [
        { port: 443, protocol: "TCP" },
        { port: 6443, protocol: "TCP" },
      ],
    });
    expect(rules).toHaveLength(4);
  });

  it("has no PodDisruptionBudget with one replica", () => {
    expect(find(objects, "PodDisruptionBudget")).toEqual([]);
  });
});

describe("toggles remove what they should", () => {
  it("building off: no build-pod delete, no build Leases, no BinderHub egress or config", () => {
    const objects = render({ values: ["build-off.yaml"] });
    expect(grants(only(objects, "Role"))).toEqual({
      "core/pods": sorted("list"),
      "core/configmaps": sorted("get", "list", "create", "update"),
      "batch/jobs": sorted("create", "get", "delete"),
      // Only the projects sweep's Lease (kubernetes/leader-lease.ts): no list, no delete.
      "coordination.k8s.io/leases": sorted("get", "create", "update"),
    });
    expect(egress(objects).some((r) => r.ports.some((p) => p.port === 8585))).toBe(false);
    expect(egress(objects)).toHaveLength(3);
    expect(Object.keys(configFile(objects)).filter((k) => /build|binderhub/i.test(k))).toEqual([]);
    expect(env(objects).get("LAUNCHPAD_BUILD_ENABLED")?.value).toBe("false");
  });

  it("projects off: no project ConfigMap or Job rules, pods only for cancelling builds", () => {
    const objects = render({ values: ["projects-off.yaml"] });
    expect(grants(only(objects, "Role"))).toEqual({
      "core/pods": sorted("list", "delete"),
      "coordination.k8s.io/leases": sorted("get", "list", "create", "update", "delete"),
      "core/configmaps": ["create"],
      [SESSIONS]: sorted("get", "update"),
    });
    expect(configFile(objects)).not.toHaveProperty("removalJob");
    expect(configFile(objects)).not.toHaveProperty("projectLimitPerUser");
    expect(env(objects).get("LAUNCHPAD_PROJECTS_ENABLED")?.value).toBe("false");
  });

  it("both off: only the ended-sessions ConfigMap", () => {
    const objects = render({ values: ["build-off.yaml", "projects-off.yaml"] });
    expect(grants(only(objects, "Role"))).toEqual({
      "core/configmaps": ["create"],
      [SESSIONS]: sorted("get", "update"),
    });
    expect(find(objects, "RoleBinding")).toHaveLength(1);
  });

  it("rbac.create=false: no Roles or bindings; serviceAccount.create=false: the pod uses the named account", () => {
    const objects = render({
      set: ["rbac.create=false", "serviceAccount.create=false", "serviceAccount.name=launchpad-sa"],
    });
    expect(find(objects, "Role")).toEqual([]);
    expect(find(objects, "RoleBinding")).toEqual([]);
    expect(find(objects, "ServiceAccount")).toEqual([]);
    expect(podTemplate(objects).spec.serviceAccountName).toBe("launchpad-sa");
  });

  it("networkPolicy.enabled=false: no NetworkPolicy", () => {
    expect(find(render({ set: ["networkPolicy.enabled=false"] }), "NetworkPolicy")).toEqual([]);
  });
});

describe("BinderHub in another namespace", () => {
  const objects = render({ values: ["binderhub-other-namespace.yaml"] });

  it("splits the rules: hub namespace for records, Jobs, users' pods and Leases; build namespace for build pods", () => {
    const hubRole = only(objects, "Role", "launchpad");
    expect(hubRole.metadata.namespace).toBeUndefined();
    expect(grants(hubRole)).toEqual({
      "core/pods": sorted("list"),
      "core/configmaps": sorted("get", "list", "create", "update"),
      "batch/jobs": sorted("create", "get", "delete"),
      "coordination.k8s.io/leases": sorted("get", "list", "create", "update", "delete"),
    });
    const buildRole = only(objects, "Role", "launchpad-build", "binderhub");
    expect(grants(buildRole)).toEqual({ "core/pods": sorted("list", "delete") });
    const buildBinding = only(objects, "RoleBinding", "launchpad-build", "binderhub");
    expect(buildBinding.subjects).toEqual([
      { kind: "ServiceAccount", name: "launchpad", namespace: NAMESPACE },
    ]);
    expect(buildBinding.roleRef).toMatchObject({ kind: "Role", name: "launchpad-build" });
    expect(find(objects, "Role")).toHaveLength(2);
  });

  it("lets the companion reach BinderHub's namespace and the pinned API server only", () => {
    const rules = egress(objects);
    expect(rules).toContainEqual({
      ports: [{ port: 8585, protocol: "TCP" }],
      to: [
        {
          podSelector: {
            matchLabels: {
              "app.kubernetes.io/name": "binderhub-service",
              "app.kubernetes.io/component": "binderhub",
            },
          },
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "binderhub" } },
        },
      ],
    });
    expect(rules).toContainEqual({
      ports: [{ port: 6443, protocol: "TCP" }],
      to: [{ ipBlock: { cidr: "172.18.0.2/32" } }],
    });
  });

  it("follows the hub's prefix and service name, and takes an explicit token from the chart's Secret", () => {
    const vars = env(objects);
    expect(vars.get("JUPYTERHUB_SERVICE_PREFIX")?.value).toBe("/jupyter/services/spawner/");
    expect(vars.get("JUPYTERHUB_API_URL")?.value).toBe("http://hub:8081/jupyter/hub/api");
    expect(vars.get("JUPYTERHUB_CLIENT_ID")?.value).toBe("service-spawner");
    expect(vars.get("JUPYTERHUB_OAUTH_CALLBACK_URL")?.value).toBe(
      "/jupyter/services/spawner/oauth_callback",
    );
    expect(vars.get("JUPYTERHUB_BASE_URL")?.value).toBe("/jupyter/");
    expect(container(objects).readinessProbe.httpGet.path).toBe(
      "/jupyter/services/spawner/api/health",
    );
    expect(vars.get("JUPYTERHUB_API_TOKEN")?.valueFrom?.secretKeyRef).toEqual({
      name: "launchpad",
      key: "hub-api-token",
    });
    const secret = only(objects, "Secret").data as Record<string, string>;
    expect(Buffer.from(secret["hub-api-token"]!, "base64").toString()).toBe(
      "explicit-token-for-tests",
    );
  });

  it("passes the build namespace, limits and the removal Job's placement to the companion", () => {
    const config = configFile(objects);
    expect(config).toMatchObject({
      serviceName: "spawner",
      buildNamespace: "binderhub",
      binderhubUrl: "http://binderhub.binderhub.svc:80/services/binder/",
      buildConcurrentPerUser: 2,
      buildsPerHourPerUser: 20,
    });
    expect(config.removalJob).toMatchObject({
      defaultUid: 1001,
      defaultGid: 1001,
      nodeSelector: { "hub.jupyter.org/node-purpose": "user" },
      tolerations: [
        {
          key: "hub.jupyter.org/dedicated",
          operator: "Equal",
          value: "user",
          effect: "NoSchedule",
        },
      ],
    });
  });
});

describe("secrets", () => {
  it("existingSecret: renders no Secret and reads every secret from the admin's Secrets", () => {
    const objects = render({ values: ["existing-secret.yaml"] });
    expect(find(objects, "Secret")).toEqual([]);
    const vars = env(objects);
    expect(vars.get("JUPYTERHUB_API_TOKEN")?.valueFrom?.secretKeyRef).toEqual({
      name: "jupyterhub-service-tokens",
      key: "launchpad",
    });
    expect(vars.get("LAUNCHPAD_COOKIE_SECRET")?.valueFrom?.secretKeyRef).toEqual({
      name: "launchpad-secrets",
      key: "cookie-secret",
    });
  });

  it("refuses an explicit hub token together with existingSecret, with a clear message", () => {
    const result = templateRaw({ values: ["existing-secret.yaml"], set: ["hub.apiToken=abc"] });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("hub.apiToken cannot be combined with existingSecret");
  });

  it("keeps an explicit cookie secret", () => {
    const objects = render({ values: ["two-replicas.yaml"] });
    const secret = only(objects, "Secret").data as Record<string, string>;
    expect(Buffer.from(secret["cookie-secret"]!, "base64").toString()).toBe(
      "0123456789abcdef0123456789abcdef0123456789abcdef",
    );
  });
});

describe("checksum annotations roll the pods when config changes", () => {
  const fixed = ["cookieSecret=0123456789abcdef0123456789abcdef0123456789abcdef"];
  const annotations = (set: string[]) =>
    podTemplate(render({ set: [...fixed, ...set] })).metadata.annotations;

  it("is stable for the same values", () => {
    expect(annotations([])).toEqual(annotations([]));
  });

  it("changes checksum/config, not checksum/secret, when a config value changes", () => {
    const before = annotations([]);
    const after = annotations(["projects.limitPerUser=7"]);
    expect(after["checksum/config"]).not.toBe(before["checksum/config"]);
    expect(after["checksum/secret"]).toBe(before["checksum/secret"]);
  });

  it("changes checksum/secret when a secret changes", () => {
    const before = annotations([]);
    const after = annotations(["cookieSecret=fedcba9876543210fedcba9876543210fedcba9876543210"]);
    expect(after["checksum/secret"]).not.toBe(before["checksum/secret"]);
  });

  it("keeps the admin's pod annotations and labels beside the chart's own", () => {
    const pod = podTemplate(
      render({ set: [...fixed, "podAnnotations.team=data", "podLabels.cost-center=finance"] }),
    );
    expect(pod.metadata.annotations.team).toBe("data");
    expect(pod.metadata.annotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
    expect(pod.metadata.labels["cost-center"]).toBe("finance");
    expect(pod.metadata.labels["hub.jupyter.org/network-access-hub"]).toBe("true");
  });
});

describe("metrics", () => {
  const fixed = ["cookieSecret=0123456789abcdef0123456789abcdef0123456789abcdef"];
  it("serves them on a port of their own, annotated for scraping, reachable only as metrics.from says", () => {
    const on = render({ set: [...fixed, "metrics.port=9102"] });
    expect(container(on).ports).toContainEqual({
      name: "metrics",
      containerPort: 9102,
      protocol: "TCP",
    });
    expect(env(on).get("LAUNCHPAD_METRICS_PORT")?.value).toBe("9102");
    expect(podTemplate(on).metadata.annotations).toMatchObject({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9102",
      "prometheus.io/path": "/metrics",
    });
    // Not through the hub's proxy: the Service the proxy routes to exposes the page's port only.
    const service = only(on, "Service").spec as { ports: { targetPort: unknown }[] };
    expect(service.ports.map((p) => p.targetPort)).toEqual(["http"]);

    const monitoring = render({
      set: [
        ...fixed,
        "metrics.scrapeAnnotations=false",
        "metrics.from[0].namespaceSelector.matchLabels.team=monitoring",
      ],
    });
    expect(podTemplate(monitoring).metadata.annotations).not.toHaveProperty("prometheus.io/scrape");
    const ingress = (only(monitoring, "NetworkPolicy").spec as { ingress: unknown[] }).ingress;
    expect(ingress).toContainEqual({
      ports: [{ port: "metrics" }],
      from: [{ namespaceSelector: { matchLabels: { team: "monitoring" } } }],
    });

    const off = render({ set: [...fixed, "metrics.enabled=false"] });
    expect(env(off).has("LAUNCHPAD_METRICS_PORT")).toBe(false);
    expect(container(off).ports?.map((p) => p.name)).toEqual(["http"]);
    expect((only(off, "NetworkPolicy").spec as { ingress: unknown[] }).ingress).toHaveLength(1);
  });
});

describe("PodDisruptionBudget", () => {
  it("exists with two replicas and selects the companion's pods", () => {
    const objects = render({ values: ["two-replicas.yaml"] });
    const pdb = only(objects, "PodDisruptionBudget");
    expect(pdb.spec).toEqual({
      minAvailable: 1,
      selector: { matchLabels: { app: "launchpad", release: "launchpad", component: "companion" } },
    });
    expect((only(objects, "Deployment").spec as { replicas: number }).replicas).toBe(2);
  });

  it("can be turned off", () => {
    expect(
      find(
        render({ values: ["two-replicas.yaml"], set: ["podDisruptionBudget.enabled=false"] }),
        "PodDisruptionBudget",
      ),
    ).toEqual([]);
  });
});
