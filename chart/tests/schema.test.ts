import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CONFIG_DOC,
  readSchemaSource,
  renderConfigurationDoc,
  renderSchemaJson,
  SCHEMA_JSON,
  schemaKeys,
  type SchemaNode,
} from "../../scripts/generate-config-docs.ts";
import { templateRaw } from "./helm.ts";

describe("values schema", () => {
  const schema = readSchemaSource();

  it("is draft-07", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
  });

  it("describes every key, including the keys of list items", () => {
    const undescribed: string[] = [];
    const walk = (node: SchemaNode, path: string) => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        const childPath = path ? `${path}.${key}` : key;
        if (typeof child.description !== "string" || child.description.trim().length < 10)
          undescribed.push(childPath);
        walk(child, childPath);
      }
      if (node.items) walk(node.items, `${path}[]`);
    };
    walk(schema, "");
    expect(undescribed).toEqual([]);
    expect(schemaKeys(schema).length).toBeGreaterThan(60);
  });

  it("closes every object whose keys it lists, so a typo fails", () => {
    const open: string[] = [];
    const walk = (node: SchemaNode, path: string) => {
      if (node.properties && node.additionalProperties !== false) open.push(path);
      for (const [key, child] of Object.entries(node.properties ?? {}))
        walk(child, path ? `${path}.${key}` : key);
    };
    walk(schema, "");
    expect(open).toEqual([]);
  });

  it("rejects a misspelt key with a message naming it", () => {
    const result = templateRaw({ values: ["misspelt-key.yaml"] });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      "at '/projects': additional properties 'limitPerUsr' not allowed",
    );
  });

  it("rejects a value of the wrong type or shape", () => {
    for (const [set, message] of [
      ["replicas=two", "at '/replicas'"],
      ["build.providers={gh,bitbucket}", "at '/build/providers/1'"],
      ["cookieSecret=short", "at '/cookieSecret'"],
      ["hub.serviceName=my service", "at '/hub/serviceName'"],
      ["extraEnv[0].name=DEBUG,extraEnv[0].value=1", "at '/extraEnv/0/value'"],
      // They become Python string literals in the hub's extraConfig line.
      ['projects.home.mountPath=/home/x"); import os; ("', "at '/projects/home/mountPath'"],
      ["projects.home.mountPath=home", "at '/projects/home/mountPath'"],
      ["projects.home.volumeName=Home Volume", "at '/projects/home/volumeName'"],
    ] as const) {
      const result = templateRaw({ set: [set] });
      expect(result.status, set).not.toBe(0);
      expect(result.stderr, set).toContain(message);
    }
  });

  it("is the schema Helm reads: chart/values.schema.json is generated from the YAML source", async () => {
    expect(readFileSync(SCHEMA_JSON, "utf8")).toBe(await renderSchemaJson(schema));
  });
});

describe("docs/configuration.md", () => {
  it("is up to date with the schema (node scripts/generate-config-docs.ts)", () => {
    expect(readFileSync(CONFIG_DOC, "utf8")).toBe(renderConfigurationDoc());
  });

  it("lists every key", () => {
    const doc = readFileSync(CONFIG_DOC, "utf8");
    for (const { path } of schemaKeys(readSchemaSource())) expect(doc).toContain(`\`${path}\``);
  });
});
