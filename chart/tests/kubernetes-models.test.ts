/**
 * Every rendered object validated offline against the Kubernetes API schemas, through the model
 * class of its apiVersion and kind from `kubernetes-models`.
 */
import { describe, expect, it } from "vitest";
import { render, type K8sObject } from "./helm.ts";

interface Model {
  validate(): void;
}
type ModelClass = new (data: object) => Model;

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass> {
  // "v1" is the core group; "apps/v1" → the module kubernetes-models/apps/v1, which exports <Kind>.
  const module = (await import(/* @vite-ignore */ `kubernetes-models/${apiVersion}`)) as Record<
    string,
    ModelClass
  >;
  const cls = module[kind];
  if (!cls) throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return cls;
}

async function validate(object: K8sObject): Promise<void> {
  const Model = await modelClass(object.apiVersion, object.kind);
  new Model(object).validate();
}

const CASES: { name: string; values?: string[]; set?: string[] }[] = [
  { name: "defaults", values: ["defaults.yaml"] },
  { name: "building off", values: ["build-off.yaml"] },
  { name: "projects off", values: ["projects-off.yaml"] },
  { name: "existing Secret", values: ["existing-secret.yaml"] },
  { name: "two replicas", values: ["two-replicas.yaml"] },
  { name: "BinderHub in another namespace", values: ["binderhub-other-namespace.yaml"] },
  {
    name: "the profile editor with registry credentials",
    values: ["profile-editor.yaml"],
    set: ["profileEditor.registryCredentialsSecret=registry-pull"],
  },
  {
    name: "placement and extras",
    set: [
      "nodeSelector.pool=core",
      "tolerations[0].key=dedicated",
      "tolerations[0].operator=Exists",
      "extraEnv[0].name=EXTRA",
      "extraEnv[0].value=enabled",
      "image.pullSecrets[0]=registry",
      "networkPolicy.extraEgress[0].ports[0].port=9090",
    ],
  },
];

describe("rendered objects validate against the Kubernetes API schemas", () => {
  it.each(CASES)("$name", async ({ values, set }) => {
    const objects = render({ values, set });
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      await expect(
        validate(object),
        `${object.kind}/${object.metadata.name}`,
      ).resolves.toBeUndefined();
    }
  });

  it("the validation itself catches a malformed object", async () => {
    const [deployment] = render().filter((o) => o.kind === "Deployment");
    const broken = structuredClone(deployment!);
    (broken.spec as { replicas: unknown }).replicas = "two";
    await expect(validate(broken)).rejects.toThrow();
  });
});
