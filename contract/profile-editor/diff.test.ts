import { describe, expect, it } from "vitest";

import { diffProfileDocuments } from "./diff.ts";
import { SAMPLE_DOCUMENT } from "./sample.ts";
import type { EditableProfile, ProfileDocument } from "./schema.ts";

function edited(change: (document: ProfileDocument) => void): ProfileDocument {
  const copy = structuredClone(SAMPLE_DOCUMENT);
  change(copy);
  return copy;
}

const first = (d: ProfileDocument) => d.profiles[0] as EditableProfile;

describe("diffProfileDocuments", () => {
  it("finds nothing between a document and itself", () => {
    expect(diffProfileDocuments(SAMPLE_DOCUMENT, structuredClone(SAMPLE_DOCUMENT))).toEqual([]);
  });

  it("names the changed field of a choice with its old and new value", () => {
    const after = edited((d) => {
      const choice = first(d).options[0]?.choices[0];
      if (choice) choice.settings.image = "quay.io/jupyter/scipy-notebook:2025-07-01";
    });
    expect(diffProfileDocuments(SAMPLE_DOCUMENT, after)).toEqual([
      {
        kind: "changed",
        where: { profile: "Python", option: "Image", choice: "Jupyter SciPy" },
        field: "settings.image",
        before: "quay.io/jupyter/scipy-notebook:2025-06-02",
        after: "quay.io/jupyter/scipy-notebook:2025-07-01",
      },
    ]);
  });

  it("reports added, removed and renamed things by their identity (slug, key)", () => {
    const after = edited((d) => {
      d.profiles.pop();
      first(d).display_name = "Python 3";
      first(d).options[1]?.choices.push({
        key: "mem_8",
        display_name: "8 GB",
        default: false,
        settings: { mem_limit: "8G" },
      });
      first(d).groups = ["staff", "students"];
      d.profiles.push({
        ...structuredClone(first(SAMPLE_DOCUMENT)),
        slug: "r",
        display_name: "R",
        default: false,
      });
    });
    expect(diffProfileDocuments(SAMPLE_DOCUMENT, after)).toEqual([
      { kind: "removed", where: { profile: "GPU" } },
      {
        kind: "changed",
        where: { profile: "Python 3" },
        field: "display_name",
        before: "Python",
        after: "Python 3",
      },
      {
        kind: "changed",
        where: { profile: "Python 3" },
        field: "groups",
        before: undefined,
        after: "staff, students",
      },
      { kind: "added", where: { profile: "Python 3", option: "Memory", choice: "8 GB" } },
      { kind: "added", where: { profile: "R" } },
    ]);
  });

  it("reports only what moved, not everything after it", () => {
    const after = edited((d) => {
      const choices = first(d).options[0]?.choices ?? [];
      choices.push(...choices.splice(0, 1));
    });
    expect(diffProfileDocuments(SAMPLE_DOCUMENT, after)).toEqual([
      {
        kind: "moved",
        where: { profile: "Python", option: "Image", choice: "Jupyter SciPy" },
        before: "1",
        after: "2",
      },
    ]);
  });
});
