/**
 * Every call the companion makes to Kubernetes and to the hub, who needs it and why — the one
 * list the chart's Role (chart/templates/companion/rbac.yaml) and the hub scopes the chart's NOTES
 * print (chart/templates/NOTES.txt) are checked against, in both directions: a call not listed
 * here fails server/src/permissions.test.ts (what each client method sends) and
 * server/src/permissions.kube.test.ts (what each feature's flows call, as the chart's
 * ServiceAccount on a real API server, where a refused call or a rule of the Role no call uses
 * fails too); a grant nothing here needs fails chart/tests/permissions.test.ts; each failure says
 * what to add or remove where.
 *
 * To add a call: add the method to KubernetesClient (kubernetes/client.ts) or HubClient
 * (hub/hub-client.ts), describe it in KUBERNETES_API or HUB_API, say who uses it in
 * KUBERNETES_USES (which namespace, which feature) or HUB_API's `scope`, then give the Role or the
 * NOTES the grant the tests ask for.
 */
import type { KubernetesClient } from "./kubernetes/client.ts";
import { REVOCATIONS_CONFIG_MAP } from "./auth/session-revocations.ts";
import type { HubClient } from "./hub/hub-client.ts";

export type Verb = "get" | "list" | "create" | "update" | "delete";

/** One Kubernetes API request, as RBAC sees it (apiGroup "" is the core group). */
export interface KubernetesRequest {
  group: "" | "coordination.k8s.io" | "batch";
  resource: "pods" | "leases" | "configmaps" | "jobs";
  verb: Verb;
}

/** What each method of the companion's Kubernetes client sends (checked on the wire). */
export const KUBERNETES_API = {
  listPods: { group: "", resource: "pods", verb: "list" },
  deletePod: { group: "", resource: "pods", verb: "delete" },
  createLease: { group: "coordination.k8s.io", resource: "leases", verb: "create" },
  readLease: { group: "coordination.k8s.io", resource: "leases", verb: "get" },
  listLeases: { group: "coordination.k8s.io", resource: "leases", verb: "list" },
  replaceLease: { group: "coordination.k8s.io", resource: "leases", verb: "update" },
  deleteLease: { group: "coordination.k8s.io", resource: "leases", verb: "delete" },
  readConfigMap: { group: "", resource: "configmaps", verb: "get" },
  listConfigMaps: { group: "", resource: "configmaps", verb: "list" },
  createConfigMap: { group: "", resource: "configmaps", verb: "create" },
  replaceConfigMap: { group: "", resource: "configmaps", verb: "update" },
  deleteConfigMap: { group: "", resource: "configmaps", verb: "delete" },
  createJob: { group: "batch", resource: "jobs", verb: "create" },
  readJob: { group: "batch", resource: "jobs", verb: "get" },
  deleteJob: { group: "batch", resource: "jobs", verb: "delete" },
} as const satisfies Record<keyof KubernetesClient, KubernetesRequest>;

export type KubernetesCall = keyof typeof KUBERNETES_API;

/** A chart feature switch (`projects.enabled`, `build.enabled`, `profileEditor.enabled`). */
export type Feature = "projects" | "build" | "profileEditor";

/** The hub's namespace (the release namespace), or BinderHub's build namespace (may differ). */
export type Namespace = "hub" | "build";

export interface KubernetesUse {
  call: KubernetesCall;
  namespace: Namespace;
  /** The switch that turns the use on; `always` whatever is switched on (hub mode). */
  feature: Feature | "always";
  /**
   * The objects the call is limited to (the Role rule's resourceNames). Not for create or list:
   * RBAC has no object name to check there.
   */
  names?: readonly string[];
  /** The module and what it does with the call. */
  by: string;
}

export const KUBERNETES_USES: readonly KubernetesUse[] = [
  // Projects (server/src/projects/): records, removal Jobs, users' pods.
  {
    call: "readConfigMap",
    namespace: "hub",
    feature: "projects",
    by: "projects/store.ts: read a user's records",
  },
  {
    call: "createConfigMap",
    namespace: "hub",
    feature: "projects",
    by: "projects/store.ts: a user's first record",
  },
  {
    call: "replaceConfigMap",
    namespace: "hub",
    feature: "projects",
    by: "projects/store.ts: change records (resourceVersion)",
  },
  {
    call: "listConfigMaps",
    namespace: "hub",
    feature: "projects",
    by: "projects/store.ts all(): the sweep reads every user's records in one list",
  },
  {
    call: "readLease",
    namespace: "hub",
    feature: "projects",
    by: "kubernetes/leader-lease.ts: whose turn the projects sweep is",
  },
  {
    call: "createLease",
    namespace: "hub",
    feature: "projects",
    by: "kubernetes/leader-lease.ts: the first replica to sweep",
  },
  {
    call: "replaceLease",
    namespace: "hub",
    feature: "projects",
    by: "kubernetes/leader-lease.ts: renew, take over or give up the sweep",
  },
  {
    call: "createJob",
    namespace: "hub",
    feature: "projects",
    by: "projects/folder-removal.ts: start removing a project folder",
  },
  {
    call: "readJob",
    namespace: "hub",
    feature: "projects",
    by: "projects/folder-removal.ts: the removal's outcome",
  },
  {
    call: "deleteJob",
    namespace: "hub",
    feature: "projects",
    by: "projects/folder-removal.ts: clean up a finished or stale removal",
  },
  {
    call: "listPods",
    namespace: "hub",
    feature: "projects",
    by: "projects/running-servers.ts: users' servers (running projects, where files live, the node a removal runs on)",
  },
  // Building (server/src/builds/): per-user limits across replicas, cancel.
  {
    call: "createLease",
    namespace: "hub",
    feature: "build",
    by: "builds/limiter.ts: hold a place for a running build; a user's first admission Lease",
  },
  {
    call: "readLease",
    namespace: "hub",
    feature: "build",
    by: "builds/limiter.ts: renew, end or cancel a build's Lease; read the user's admission Lease",
  },
  {
    call: "replaceLease",
    namespace: "hub",
    feature: "build",
    by: "builds/limiter.ts: renew, end or cancel a build's Lease; admit a build (resourceVersion)",
  },
  {
    call: "listLeases",
    namespace: "hub",
    feature: "build",
    by: "builds/limiter.ts: a user's builds, a build's other watchers",
  },
  {
    call: "deleteLease",
    namespace: "hub",
    feature: "build",
    by: "builds/limiter.ts: prune an hour-old Lease, withdraw one that lost the admission race",
  },
  {
    call: "listPods",
    namespace: "build",
    feature: "build",
    by: "builds/pod-canceller.ts: find the build pod to cancel",
  },
  {
    call: "deletePod",
    namespace: "build",
    feature: "build",
    by: "builds/pod-canceller.ts: cancel a build (uid precondition)",
  },
  // The profile editor (server/src/profile-editor/store.ts): versions, the pointer, drafts. Version
  // objects have random names and drafts one per admin, so no rule can name them.
  {
    call: "readConfigMap",
    namespace: "hub",
    feature: "profileEditor",
    by: "profile-editor/store.ts: read the pointer, a version, an admin's draft",
  },
  {
    call: "createConfigMap",
    namespace: "hub",
    feature: "profileEditor",
    by: "profile-editor/store.ts: each published version (immutable), the first pointer, a first draft",
  },
  {
    call: "replaceConfigMap",
    namespace: "hub",
    feature: "profileEditor",
    by: "profile-editor/store.ts: swap the pointer (resourceVersion), save a draft",
  },
  {
    call: "deleteConfigMap",
    namespace: "hub",
    feature: "profileEditor",
    by: "profile-editor/store.ts: versions past the retention or lost in a race, a published draft",
  },
  {
    call: "listConfigMaps",
    namespace: "hub",
    feature: "profileEditor",
    by: "profile-editor/store.ts listVersions(): the sweep finds versions a crashed publish left",
  },
  // Sessions (server/src/auth/session-revocations.ts): ended sessions, whatever is switched on.
  {
    call: "readConfigMap",
    namespace: "hub",
    feature: "always",
    names: [REVOCATIONS_CONFIG_MAP],
    by: "auth/session-revocations.ts: read the ended sessions",
  },
  {
    call: "createConfigMap",
    namespace: "hub",
    feature: "always",
    by: "auth/session-revocations.ts: the first ended session",
  },
  {
    call: "replaceConfigMap",
    namespace: "hub",
    feature: "always",
    names: [REVOCATIONS_CONFIG_MAP],
    by: "auth/session-revocations.ts: record an ended session (resourceVersion)",
  },
];

/** One Role rule's worth: a resource and verb in a namespace, on named objects or all. */
export interface Grant extends KubernetesRequest {
  namespace: Namespace;
  names?: readonly string[] | undefined;
}

export function isOn(use: KubernetesUse, features: readonly Feature[]): boolean {
  return use.feature === "always" || features.includes(use.feature);
}

/**
 * The grants the companion needs with these features on (the chart's Role must match). A grant on
 * named objects is not needed where the same verb is granted on every object.
 */
export function requiredGrants(features: readonly Feature[]): Grant[] {
  const seen = new Map<string, Grant>();
  for (const use of KUBERNETES_USES) {
    if (!isOn(use, features)) continue;
    const grant = { ...KUBERNETES_API[use.call], namespace: use.namespace, names: use.names };
    seen.set(grantKey(grant), grant);
  }
  return [...seen.values()].filter(
    (grant) => grant.names === undefined || !seen.has(grantKey({ ...grant, names: undefined })),
  );
}

export function grantKey(grant: Grant): string {
  const names = grant.names ? `[${[...grant.names].sort().join(",")}]` : "";
  return `${grant.namespace}:${grant.group || "core"}/${grant.resource}${names}:${grant.verb}`;
}

/**
 * The hub's REST API, with whose token the companion calls it and the scope that token needs.
 * `user`: the signed-in user's own OAuth token (its scopes are the user's business, granted by
 * the hub's `user` role); `client`: the OAuth client's secret, no token; `service`: the
 * companion's own token, whose scopes are the companion's role in the NOTES.
 */
export interface HubApiCall {
  method: "GET" | "POST";
  /** Under the hub's API URL (`{hub}/hub/api`). */
  path: string;
  token: "user" | "client" | "service";
  /** The scope the token needs (null: none beyond the call itself). */
  scope: string | null;
  feature?: Feature;
  by: string;
}

export const HUB_API = {
  exchangeCode: {
    method: "POST",
    path: "/oauth2/token",
    token: "client",
    scope: null,
    by: "auth/oauth-routes.ts: finish a login (client secret in the body)",
  },
  getTokenOwner: {
    method: "GET",
    path: "/user",
    token: "user",
    scope: null,
    by: "auth/identity.ts: who a session is (any token may read its own model)",
  },
  userExists: {
    method: "GET",
    path: "/users/{name}",
    token: "service",
    // The narrowest scope UserAPIHandler.get admits (hub/hub-client.ts).
    scope: "read:users:name",
    feature: "projects",
    by: "auth/target-user.ts: an admin's ?user= (projects, and builds' project limit) names an existing hub user",
  },
} as const satisfies Record<keyof HubClient, HubApiCall>;

/**
 * Other services the companion calls with its own hub token, and the scope the hub must grant
 * the token so those services accept it (jupyterhub/services/auth.py `HubAuthenticated`).
 */
export const SERVICE_CALLS = [
  {
    service: "binderhub",
    /** The service name comes from the chart value `build.binderhub.serviceName`. */
    scope: "access:services!service={binderhub}",
    feature: "build",
    by: "builds/binderhub-client.ts: GET build/<provider>/<spec> with Authorization: token <companion token>",
  },
] as const satisfies readonly { service: string; scope: string; feature: Feature; by: string }[];

/** The scopes the companion's own role needs (the NOTES' `loadRoles.<serviceName>.scopes`). */
export function requiredServiceScopes(
  features: readonly Feature[],
  names: { binderhub: string },
): string[] {
  const scopes: string[] = [];
  for (const call of Object.values(HUB_API) as HubApiCall[])
    if (
      call.token === "service" &&
      call.scope !== null &&
      (!call.feature || features.includes(call.feature))
    )
      scopes.push(call.scope);
  for (const call of SERVICE_CALLS)
    if (features.includes(call.feature))
      scopes.push(call.scope.replace("{binderhub}", names.binderhub));
  return [...new Set(scopes)];
}
