/**
 * The companion's configuration: read once at start from the environment (and optionally a JSON
 * file named by LAUNCHPAD_CONFIG_FILE; the environment wins), validated as a whole so that one
 * error lists every bad variable with how to fix it.
 *
 * Env names mirror the ones JupyterHub gives its own services where they exist
 * (the hub sets them only for services it launches itself, in `Service.start`,
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/service.py#L414-L440;
 * for an external service the chart sets them).
 *
 * Other areas extend the config by adding keys to `configShape` consumers: export their own zod
 * object and merge it with `BaseConfigSchema.extend(...)`; `ENV_KEYS` maps env names to keys.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import * as z from "zod";
import { PROVIDERS } from "../../contract/build.ts";
import { parseBytes } from "../../contract/profile-editor/quantities.ts";

export const MODES = ["hub", "local"] as const;
export type Mode = (typeof MODES)[number];

/** JupyterHub's service name rule (the glue's SERVICE_NAME_RE, contract/spawn-page.ts). */
const SERVICE_NAME = /^[a-zA-Z0-9._-]+$/;

const booleanFromEnv = z
  .union([z.boolean(), z.enum(["1", "0", "true", "false", "yes", "no", "on", "off"])], {
    error: "must be true or false (1/0, yes/no and on/off also work)",
  })
  .transform((v) => (typeof v === "boolean" ? v : ["1", "true", "yes", "on"].includes(v)));

const portFromEnv = z.coerce
  .number({ error: "must be a port number, 0-65535" })
  .int()
  .min(0)
  .max(65535);

/** A path that starts and ends with `/`, as JupyterHub's prefixes do. */
const urlPath = z
  .string()
  .refine(
    (v) => v.startsWith("/") && v.endsWith("/"),
    "must start and end with '/', e.g. /services/launchpad/",
  );

const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. http://hub:8081/hub/api" })
  .transform((v) => v.replace(/\/+$/, ""));

const countFromEnv = z.coerce.number({ error: "must be a whole number" }).int().min(0);

const secondsFromEnv = z.coerce.number({ error: "must be a number of seconds" }).positive();

/** A comma-separated env value or a JSON array. */
const listFromEnv = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === "string"
        ? v
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item),
  );

/** Kubernetes objects (tolerations, affinity) are passed through to the API, which validates them. */
const kubernetesObject = z.record(z.string(), z.unknown());

/**
 * Building images through BinderHub's build API (`GET /build/<provider>/<spec>`,
 * https://github.com/jupyterhub/binderhub/blob/b9fad995d5529e487c25a9f0795f4fe150a96f25/binderhub/builder.py#L273-L274). The chart
 * writes these into the config file (chart/templates/companion/configmap.yaml).
 */
export const BuildConfigShape = {
  /** e.g. http://binderhub.binder/services/binder/; required in hub mode when building is on. */
  binderhubUrl: z
    .url({
      protocol: /^https?$/,
      error: "must be an http(s) URL, e.g. http://binderhub/services/binder/",
    })
    .optional(),
  /** Default: the companion's own hub token, whose role grants access:services!service=binder. */
  binderhubToken: z.string().min(1).optional(),
  binderhubServiceName: z
    .string()
    .regex(SERVICE_NAME, "letters, digits, '.', '_' and '-' only")
    .default("binder"),
  /** Where BinderHub runs build pods (for cancel); default: hubNamespace. */
  buildNamespace: z.string().min(1).optional(),
  buildProviders: listFromEnv(
    z.enum(PROVIDERS, { error: `must be one of ${PROVIDERS.join(", ")}` }),
  ).default([...PROVIDERS]),
  /** Defaults: LIMIT_DEFAULTS, by mode. */
  buildConcurrentPerUser: countFromEnv.optional(),
  buildsPerHourPerUser: countFromEnv.optional(),
  /** No log line from BinderHub for this long (keepalives are not progress) stops a build. */
  buildIdleTimeoutSeconds: secondsFromEnv.default(900),
  /** The longest a build may run. */
  buildTimeoutSeconds: secondsFromEnv.default(7200),
};

/** "Your Projects" (docs/projects.md); `removalJob` has the shape of RemovalJobSettings. */
export const ProjectsConfigShape = {
  /** Default: LIMIT_DEFAULTS, by mode. */
  projectLimitPerUser: countFromEnv.optional(),
  removalJob: z
    .object({
      image: z.string().min(1),
      imagePullPolicy: z.string().optional(),
      defaultUid: z.number().int().optional(),
      defaultGid: z.number().int().optional(),
      nodeSelector: z.record(z.string(), z.string()).optional(),
      tolerations: z.array(kubernetesObject).optional(),
      affinity: kubernetesObject.optional(),
      ttlSecondsAfterFinished: z.number().int().optional(),
      backoffLimit: z.number().int().optional(),
      activeDeadlineSeconds: z.number().int().optional(),
    })
    // Any image with a POSIX sh and rm; the chart pins its own (values.yaml projects.removalJob).
    .default({ image: "docker.io/library/busybox:1.37.0" }),
  /** Local mode: where project records and folders live. */
  localDataDir: z.string().min(1).default(".launchpad-local"),
};

export const KubernetesConfigShape = {
  /** The hub's namespace: project records, removal Jobs and users' pods. */
  hubNamespace: z.string().min(1).optional(),
  /** Outside a pod only; in a pod the ServiceAccount is used. */
  kubeconfigPath: z.string().min(1).optional(),
};

const NodeGroupConfigSchema = z.object({
  name: z
    .string()
    .regex(
      /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
      "lower-case letters, digits and '-', at most 63",
    ),
  displayName: z.string().min(1),
  nodeSelector: z.record(z.string(), z.string()).default({}),
  tolerations: z.array(kubernetesObject).default([]),
  /** Cores. */
  maxCpu: z.number().positive(),
  /** KubeSpawner byte text: a number and K, M, G or T. */
  maxMemory: z
    .string()
    .refine((v) => parseBytes(v) !== null, "must be a number and K, M, G or T, e.g. 64G"),
  maxGpu: z.number().int().min(0).default(0),
  gpuResource: z.string().min(1).default("nvidia.com/gpu"),
});

/**
 * The profile editor (DESIGN.md "Admin editor"): the bounds infrastructure admins set in the chart
 * values (`profileEditor.*`), within which hub admins edit the profile list in the browser.
 */
export const ProfileEditorConfigShape = {
  /** Default: on in local mode (the demo), off in hub mode (the chart turns it on). */
  profileEditorEnabled: booleanFromEnv.optional(),
  profileEditor: z
    .object({
      editors: z
        .object({
          admins: z.boolean().default(true),
          groups: z.array(z.string().min(1)).default([]),
        })
        .default({ admins: true, groups: [] }),
      nodeGroups: z.array(NodeGroupConfigSchema).default([]),
      allowedImages: z.array(z.string().min(1)).default([]),
      /** Registries reached over plain HTTP (`host:port`). */
      insecureRegistries: z.array(z.string().min(1)).default([]),
      retention: z.number().int().min(1).max(500).default(50),
      /** Seconds the hub glue caches the published list. */
      hubCacheSeconds: z.number().min(0).max(3600).default(10),
      /** The starting list, in the editor's own shape (contract/profile-editor/schema.ts). */
      baseProfiles: z.unknown().optional(),
    })
    .default({
      editors: { admins: true, groups: [] },
      nodeGroups: [],
      allowedImages: [],
      insecureRegistries: [],
      retention: 50,
      hubCacheSeconds: 10,
    }),
  /** Shared with the hub glue (the chart's Secret); the glue's fetch of the published list. */
  profileListToken: z.string().min(16, "must be at least 16 characters").optional(),
  /** A docker config JSON (`.dockerconfigjson`) with credentials for private registries. */
  registryCredentialsFile: z.string().min(1).optional(),
};

/**
 * Every key, with the env variable it comes from. Values arrive as strings (env) or JSON values
 * (file); the schema coerces both. Areas add keys through their own `…ConfigShape`.
 */
export const BaseConfigSchema = z.object({
  ...BuildConfigShape,
  ...ProjectsConfigShape,
  ...KubernetesConfigShape,
  ...ProfileEditorConfigShape,
  mode: z.enum(MODES, { error: "must be hub or local (or pass --local)" }).default("hub"),
  /** Default 0.0.0.0 in hub mode (a pod), 127.0.0.1 in local mode (a laptop). */
  host: z.string().min(1).optional(),
  port: portFromEnv.default(8000),
  /**
   * Prometheus metrics (`GET /metrics`) on a port of their own, never routed through the hub's
   * proxy; unset: no metrics server (local mode's default). The chart sets it (`metrics.port`).
   */
  metricsPort: portFromEnv.optional(),
  logLevel: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "must be one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
  serviceName: z
    .string()
    .regex(SERVICE_NAME, "letters, digits, '.', '_' and '-' only")
    .default("launchpad"),
  /** `{hubPrefix}services/{name}/`; CHP keeps it when proxying (https://github.com/jupyterhub/configurable-http-proxy/blob/5.3.0/lib/configproxy.js#L186-L190). */
  servicePrefix: urlPath.optional(),
  /** e.g. http://hub:8081/hub/api (server-to-server, never shown to browsers). */
  hubApiUrl: httpUrl.optional(),
  /** The service's api_token, which is also its OAuth client secret (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/app.py#L2967-L2972). */
  hubApiToken: z.string().min(1).optional(),
  clientId: z
    .string()
    .startsWith("service-", "must start with 'service-' (JupyterHub's rule)")
    .optional(),
  /**
   * Must equal the hub's registered oauth_redirect_uri byte for byte (validate_redirect_uri,
   * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/oauth/provider.py#L568-L597).
   */
  oauthCallbackUrl: z.string().min(1).optional(),
  /** The hub's public base URL path for browser redirects: `{hubBase}hub/api/oauth2/authorize`. */
  hubBaseUrl: urlPath.default("/"),
  cookieSecret: z
    .string()
    .refine(
      (v) => Buffer.byteLength(v) >= 32,
      "must be at least 32 bytes, e.g. `openssl rand -hex 32`",
    )
    .optional(),
  staticDir: z.string().min(1).default("dist/static"),
  /** CHP adds X-Forwarded-*; trusting them lets the session cookie be Secure behind https. */
  trustProxy: booleanFromEnv.default(true),
  /**
   * Seconds a client has to send a whole request, headers and body; then it gets 408 and the
   * connection closes. Event streams are not cut by it: their request is complete once sent.
   */
  requestDeadlineSeconds: z.coerce
    .number({ error: "must be a number of seconds" })
    .positive()
    .default(30),
  /**
   * Seconds the hub's answer about a token is reused before asking again: a hub logout counts
   * after at most this long (writes always ask). HubAuth uses 300.
   */
  identityCacheSeconds: z.coerce
    .number({ error: "must be a number of seconds" })
    .min(0)
    .default(60),
  /** Seconds a SIGTERM waits for open requests (build streams included) before exiting. */
  shutdownDeadlineSeconds: secondsFromEnv.default(25),
  buildEnabled: booleanFromEnv.default(true),
  projectsEnabled: booleanFromEnv.default(true),
  /**
   * This replica in the Leases it holds (`holderIdentity`); the chart sets the pod's name.
   * Default: the host name and a random suffix.
   */
  replicaId: z.string().min(1).optional(),
});

/** env variable → config key. Extend it (spread) when adding keys in another area. */
export const ENV_KEYS = {
  LAUNCHPAD_MODE: "mode",
  LAUNCHPAD_HOST: "host",
  LAUNCHPAD_PORT: "port",
  LAUNCHPAD_METRICS_PORT: "metricsPort",
  LAUNCHPAD_LOG_LEVEL: "logLevel",
  JUPYTERHUB_SERVICE_NAME: "serviceName",
  JUPYTERHUB_SERVICE_PREFIX: "servicePrefix",
  JUPYTERHUB_API_URL: "hubApiUrl",
  JUPYTERHUB_API_TOKEN: "hubApiToken",
  JUPYTERHUB_CLIENT_ID: "clientId",
  JUPYTERHUB_OAUTH_CALLBACK_URL: "oauthCallbackUrl",
  JUPYTERHUB_BASE_URL: "hubBaseUrl",
  LAUNCHPAD_COOKIE_SECRET: "cookieSecret",
  LAUNCHPAD_STATIC_DIR: "staticDir",
  LAUNCHPAD_TRUST_PROXY: "trustProxy",
  LAUNCHPAD_SHUTDOWN_DEADLINE_SECONDS: "shutdownDeadlineSeconds",
  LAUNCHPAD_REQUEST_DEADLINE_SECONDS: "requestDeadlineSeconds",
  LAUNCHPAD_IDENTITY_CACHE_SECONDS: "identityCacheSeconds",
  LAUNCHPAD_BUILD_ENABLED: "buildEnabled",
  LAUNCHPAD_PROJECTS_ENABLED: "projectsEnabled",
  LAUNCHPAD_REPLICA_ID: "replicaId",
  LAUNCHPAD_BINDERHUB_URL: "binderhubUrl",
  LAUNCHPAD_BINDERHUB_TOKEN: "binderhubToken",
  LAUNCHPAD_BINDERHUB_SERVICE_NAME: "binderhubServiceName",
  LAUNCHPAD_BUILD_NAMESPACE: "buildNamespace",
  LAUNCHPAD_BUILD_PROVIDERS: "buildProviders",
  LAUNCHPAD_BUILD_CONCURRENT_PER_USER: "buildConcurrentPerUser",
  LAUNCHPAD_BUILDS_PER_HOUR_PER_USER: "buildsPerHourPerUser",
  LAUNCHPAD_BUILD_IDLE_TIMEOUT_SECONDS: "buildIdleTimeoutSeconds",
  LAUNCHPAD_BUILD_TIMEOUT_SECONDS: "buildTimeoutSeconds",
  LAUNCHPAD_PROJECT_LIMIT_PER_USER: "projectLimitPerUser",
  LAUNCHPAD_LOCAL_DATA_DIR: "localDataDir",
  LAUNCHPAD_HUB_NAMESPACE: "hubNamespace",
  LAUNCHPAD_KUBECONFIG: "kubeconfigPath",
  LAUNCHPAD_PROFILE_EDITOR_ENABLED: "profileEditorEnabled",
  LAUNCHPAD_PROFILE_LIST_TOKEN: "profileListToken",
  LAUNCHPAD_REGISTRY_CREDENTIALS_FILE: "registryCredentialsFile",
} as const satisfies Record<string, keyof z.input<typeof BaseConfigSchema>>;

const KEY_TO_ENV: Record<string, string> = Object.fromEntries(
  Object.entries(ENV_KEYS).map(([env, key]) => [key, env]),
);

/**
 * Per-user limits when the config sets none. A hub shares BinderHub and storage between its users
 * (the chart sets its own values, chart/values.yaml); local mode is one person trying everything,
 * failure scenarios included, so its limits only stop a runaway loop.
 */
export const LIMIT_DEFAULTS = {
  hub: { buildConcurrentPerUser: 1, buildsPerHourPerUser: 10, projectLimitPerUser: 5 },
  local: { buildConcurrentPerUser: 2, buildsPerHourPerUser: 100, projectLimitPerUser: 20 },
} as const satisfies Record<Mode, Record<string, number>>;

/** The validated config with every derived value filled in. */
export type Config = Omit<
  z.output<typeof BaseConfigSchema>,
  | "buildConcurrentPerUser"
  | "buildsPerHourPerUser"
  | "projectLimitPerUser"
  | "host"
  | "servicePrefix"
  | "clientId"
  | "oauthCallbackUrl"
  | "cookieSecret"
  | "hubApiUrl"
  | "hubApiToken"
  | "profileEditorEnabled"
  | "replicaId"
> & {
  buildConcurrentPerUser: number;
  buildsPerHourPerUser: number;
  projectLimitPerUser: number;
  host: string;
  servicePrefix: string;
  clientId: string;
  oauthCallbackUrl: string;
  cookieSecret: string;
  replicaId: string;
  /** Absent in local mode only. */
  hubApiUrl: string | undefined;
  hubApiToken: string | undefined;
  profileEditorEnabled: boolean;
};

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Launchpad configuration is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export interface LoadConfigInput {
  env?: Record<string, string | undefined>;
  /** argv after the script name; `--local` selects local mode. */
  argv?: readonly string[];
  /** Overrides applied last (tests). */
  overrides?: Partial<z.input<typeof BaseConfigSchema>>;
}

function describe(key: string): string {
  const env = KEY_TO_ENV[key];
  return env ? `${env} (${key})` : key;
}

function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
    problems.push(`LAUNCHPAD_CONFIG_FILE: ${path} must hold a JSON object of config keys`);
  } catch (error) {
    problems.push(
      `LAUNCHPAD_CONFIG_FILE: cannot read ${path} as JSON (${(error as Error).message})`,
    );
  }
  return {};
}

/** Reads, validates and derives the config, or throws one ConfigError listing every problem. */
export function loadConfig(input: LoadConfigInput = {}): Config {
  const env = input.env ?? process.env;
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const file = env.LAUNCHPAD_CONFIG_FILE;
  if (file) Object.assign(raw, readConfigFile(file, problems));
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  if (input.argv?.includes("--local")) raw.mode = "local";
  Object.assign(raw, input.overrides);

  const result = BaseConfigSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? "(config)");
      // Inside an object-valued key (profileEditor), say which field; list indices add nothing.
      const inner =
        typeof issue.path[1] === "string" ? issue.path.slice(1).map(String).join(".") : "";
      problems.push(`${describe(key)}${inner ? ` → ${inner}` : ""}: ${issue.message}`);
    }
  }
  if ((raw.mode ?? "hub") === "hub") {
    // HubOAuth needs all of these (HubAuth's api_url and api_token, HubOAuth's client id and
    // redirect URI:
    // https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/auth.py#L868);
    // say which are missing at once, alongside any malformed values.
    if (raw.hubApiUrl === undefined)
      problems.push(`${describe("hubApiUrl")}: required in hub mode, e.g. http://hub:8081/hub/api`);
    if (raw.hubApiToken === undefined)
      problems.push(
        `${describe("hubApiToken")}: required in hub mode; the service's api_token from the hub's config`,
      );
    if (raw.cookieSecret === undefined)
      problems.push(
        `${describe("cookieSecret")}: required in hub mode, at least 32 bytes, e.g. \`openssl rand -hex 32\``,
      );
  }
  if (result.success && result.data.mode === "hub") {
    const parsed = result.data;
    if (parsed.buildEnabled && !parsed.binderhubUrl) {
      problems.push(
        `${describe("binderhubUrl")}: required in hub mode while building is on (or set LAUNCHPAD_BUILD_ENABLED=false), e.g. http://binderhub/services/binder/`,
      );
    }
    if (!parsed.hubNamespace) {
      problems.push(
        `${describe("hubNamespace")}: required in hub mode: the hub's namespace (ended sessions, build limits, project records and profile versions live there)`,
      );
    }
    if (parsed.profileEditorEnabled && !parsed.profileListToken) {
      problems.push(
        `${describe("profileListToken")}: required in hub mode while the profile editor is on: the hub glue fetches the published list with it (the chart generates one into its Secret)`,
      );
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const c = result.data;

  const servicePrefix =
    c.servicePrefix ??
    (c.mode === "local" ? "/services/launchpad/" : `${c.hubBaseUrl}services/${c.serviceName}/`);
  const limits = LIMIT_DEFAULTS[c.mode];
  return {
    ...c,
    buildConcurrentPerUser: c.buildConcurrentPerUser ?? limits.buildConcurrentPerUser,
    buildsPerHourPerUser: c.buildsPerHourPerUser ?? limits.buildsPerHourPerUser,
    projectLimitPerUser: c.projectLimitPerUser ?? limits.projectLimitPerUser,
    host: c.host ?? (c.mode === "local" ? "127.0.0.1" : "0.0.0.0"),
    servicePrefix,
    clientId: c.clientId ?? `service-${c.serviceName}`,
    // JupyterHub's default oauth_redirect_uri is `{base_url}services/{name}/oauth_callback`
    // (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/services/service.py#L346-L350).
    oauthCallbackUrl: c.oauthCallbackUrl ?? `${servicePrefix}oauth_callback`,
    // Local mode only: a per-process secret, so sessions simply end when the process restarts.
    cookieSecret: c.cookieSecret ?? randomBytes(32).toString("hex"),
    hubApiUrl: c.hubApiUrl,
    hubApiToken: c.hubApiToken,
    profileEditorEnabled: c.profileEditorEnabled ?? c.mode === "local",
    replicaId: c.replicaId ?? `${hostname()}-${randomBytes(3).toString("hex")}`,
  };
}
