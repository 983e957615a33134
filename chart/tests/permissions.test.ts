/**
 * The chart grants what the companion calls, no more: the rendered Role(s) against
 * server/src/permissions.ts's declared Kubernetes calls, and the companion's hub role in the NOTES
 * against its declared hub calls, for each way the chart is switched. A failure names the grant to
 * add or remove and the file it lives in.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

import {
  grantKey,
  isOn,
  KUBERNETES_USES,
  requiredGrants,
  requiredServiceScopes,
  SERVICE_CALLS,
  type Feature,
  type Grant,
} from "../../server/src/permissions.ts";
import { find, NAMESPACE, notesBlock, render, renderNotes, type K8sObject } from "./helm.ts";

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

interface Variant {
  values: string[];
  features: Feature[];
  buildNamespace: string;
  serviceName: string;
}

const VARIANTS: Variant[] = [
  { values: ["defaults.yaml"], features: ["projects", "build"] },
  { values: ["build-off.yaml"], features: ["projects"] },
  { values: ["projects-off.yaml"], features: ["build"] },
  { values: ["build-off.yaml", "projects-off.yaml"], features: [] },
  { values: ["profile-editor.yaml"], features: ["projects", "build", "profileEditor"] },
  { values: ["profile-editor-only.yaml"], features: ["profileEditor"] },
].map((v) => ({
  ...v,
  features: v.features as Feature[],
  buildNamespace: NAMESPACE,
  serviceName: "launchpad",
}));
VARIANTS.push({
  values: ["binderhub-other-namespace.yaml"],
  features: ["projects", "build"],
  buildNamespace: "binderhub",
  serviceName: "spawner",
});

/** The grants the rendered Roles make, keyed as permissions.ts keys them. */
function granted(objects: K8sObject[], buildNamespace: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const role of find(objects, "Role").concat(
    find(objects, "Role", undefined, buildNamespace),
  )) {
    const roleNamespace = role.metadata.namespace ?? NAMESPACE;
    for (const rule of role.rules as Rule[])
      for (const group of rule.apiGroups)
        for (const resource of rule.resources)
          for (const verb of rule.verbs) {
            // Same namespace: one Role holds both, and a build grant is a hub grant too.
            const namespace = roleNamespace === NAMESPACE ? "hub" : "build";
            const key = grantKey({
              group,
              resource,
              verb,
              namespace,
              names: rule.resourceNames,
            } as Grant);
            out.set(key, `Role ${role.metadata.name} in ${roleNamespace}`);
          }
  }
  return out;
}

function needed(features: Feature[], sameNamespace: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const grant of requiredGrants(features)) {
    const namespace = sameNamespace ? "hub" : grant.namespace;
    const users = KUBERNETES_USES.filter(
      (u) => isOn(u, features) && u.namespace === grant.namespace,
    )
      .filter(
        (u) => grantKey({ ...grant, namespace: u.namespace, names: u.names }) === grantKey(grant),
      )
      .map((u) => u.by);
    out.set(grantKey({ ...grant, namespace }), users.join("; "));
  }
  return out;
}

describe("the Role grants exactly the Kubernetes calls server/src/permissions.ts declares", () => {
  it.each(VARIANTS.map((v) => [v.values.join(" + "), v] as const))("%s", (_name, variant) => {
    const objects = render({ values: variant.values });
    const have = granted(objects, variant.buildNamespace);
    const want = needed(variant.features, variant.buildNamespace === NAMESPACE);
    const problems = [
      ...[...want]
        .filter(([key]) => !have.has(key))
        .map(
          ([key, by]) =>
            `missing ${key} (needed by ${by}): add it to chart/templates/companion/rbac.yaml`,
        ),
      ...[...have]
        .filter(([key]) => !want.has(key))
        .map(
          ([key, where]) =>
            `${where} grants ${key}, which no call in server/src/permissions.ts needs: remove it from chart/templates/companion/rbac.yaml (or declare the call that needs it)`,
        ),
    ];
    expect(problems).toEqual([]);
  });
});

interface Roles {
  hub: { loadRoles: Record<string, { scopes: string[]; services?: string[] }> };
}

describe("the companion's hub role asks for exactly the scopes its hub calls need", () => {
  it.each(VARIANTS.map((v) => [v.values.join(" + "), v] as const))("%s", (_name, variant) => {
    const values = parse(
      notesBlock(renderNotes({ values: variant.values }), "z2jh values for Launchpad"),
    ) as Roles;
    // build.binderhub.serviceName is "binder" in every variant.
    const want = requiredServiceScopes(variant.features, { binderhub: "binder" });
    const role = values.hub.loadRoles[variant.serviceName];
    const have = role?.scopes ?? [];
    const problems = [
      ...want
        .filter((s) => !have.includes(s))
        .map(
          (s) =>
            `the NOTES' loadRoles.${variant.serviceName} lacks ${s} (${SERVICE_CALLS.find((c) => s.startsWith(c.scope.split("{")[0]!))?.by ?? "see server/src/permissions.ts"}): add it to chart/templates/NOTES.txt`,
        ),
      ...have
        .filter((s) => !want.includes(s))
        .map(
          (s) =>
            `the NOTES ask the hub for ${s}, which no hub call in server/src/permissions.ts needs: remove it from chart/templates/NOTES.txt (or declare the call)`,
        ),
    ];
    expect(problems).toEqual([]);
    // A role without scopes would be noise in the admin's values.
    if (want.length === 0) expect(role).toBeUndefined();
    else expect(role?.services).toEqual([variant.serviceName]);
  });
});
