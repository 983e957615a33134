import { describe, expect, it } from "vitest";

import { imagesOf, MAX_COMBINATIONS, validateProfileDocument } from "./rules.ts";
import { SAMPLE_BOUNDS, SAMPLE_DOCUMENT } from "./sample.ts";
import type { EditableProfile, ProfileBounds, ProfileDocument, ProfileIssue } from "./schema.ts";

function clone<T>(value: T): T {
  return structuredClone(value);
}

function python(document: ProfileDocument = SAMPLE_DOCUMENT): EditableProfile {
  return document.profiles[0] as EditableProfile;
}

function issues(document: ProfileDocument, bounds: ProfileBounds = SAMPLE_BOUNDS): ProfileIssue[] {
  return validateProfileDocument(document, bounds);
}

function errorsAt(document: ProfileDocument, bounds: ProfileBounds = SAMPLE_BOUNDS) {
  return issues(document, bounds)
    .filter((i) => i.severity === "error")
    .map((i) => ({ path: i.path.join("."), message: i.message }));
}

describe("validateProfileDocument", () => {
  it("accepts the sample document without errors or warnings", () => {
    expect(issues(SAMPLE_DOCUMENT)).toEqual([]);
  });

  it("needs a profile, and exactly one default", () => {
    expect(errorsAt({ profiles: [] })).toEqual([
      { path: "profiles", message: "Add at least one profile." },
    ]);
    const none = clone(SAMPLE_DOCUMENT);
    python(none).default = false;
    expect(errorsAt(none)).toEqual([
      { path: "profiles", message: "Mark one profile as the default." },
    ]);
    const two = clone(SAMPLE_DOCUMENT);
    (two.profiles[1] as EditableProfile).default = true;
    expect(errorsAt(two)[0]?.message).toContain("2 profiles are marked as the default");
  });

  it("refuses duplicate slugs, option keys and choice keys", () => {
    const doc = clone(SAMPLE_DOCUMENT);
    (doc.profiles[1] as EditableProfile).slug = "python";
    const first = python(doc);
    (first.options[1] as EditableProfile["options"][number]).key = "image";
    const choices = (first.options[0] as EditableProfile["options"][number]).choices;
    (choices[1] as (typeof choices)[number]).key = "scipy";
    expect(errorsAt(doc).map((e) => e.path)).toEqual(
      expect.arrayContaining([
        "profiles.0.slug",
        "profiles.1.slug",
        "profiles.0.options.0.key",
        "profiles.0.options.1.key",
        "profiles.0.options.0.choices.0.key",
        "profiles.0.options.0.choices.1.key",
      ]),
    );
  });

  it("says where an invisible character is", () => {
    const doc = clone(SAMPLE_DOCUMENT);
    python(doc).display_name = "Py\u200bthon";
    python(doc).slug = "python ";
    const choices = (python(doc).options[0] as EditableProfile["options"][number]).choices;
    (choices[0] as (typeof choices)[number]).settings.image =
      "quay.io/jupyter/scipy-notebook:2025-06-02\u00a0";
    expect(errorsAt(doc)).toEqual([
      {
        path: "profiles.0.slug",
        message: "The slug has space at the end (U+0020) at character 7.",
      },
      {
        path: "profiles.0.display_name",
        message: "The name has zero-width space (U+200B) at character 3.",
      },
      {
        path: "profiles.0.options.0.choices.0.settings.image",
        message: "The image has space at the end (U+00A0) at character 42.",
      },
    ]);
  });

  it("lets descriptions span lines but not names", () => {
    const doc = clone(SAMPLE_DOCUMENT);
    python(doc).description = "Line one\nLine two";
    expect(errorsAt(doc)).toEqual([]);
    python(doc).display_name = "Line one\nLine two";
    expect(errorsAt(doc)[0]?.message).toContain("line break (U+000A) at character 9");
  });

  it("checks images by the OCI grammar, the allowed prefixes, and warns about a missing tag", () => {
    const doc = clone(SAMPLE_DOCUMENT);
    const choices = (python(doc).options[0] as EditableProfile["options"][number]).choices;
    (choices[0] as (typeof choices)[number]).settings.image = "quay.io/Jupyter/scipy:1";
    (choices[1] as (typeof choices)[number]).settings.image = "docker.io/someone/miner:1";
    (doc.profiles[1] as EditableProfile).settings.image = "quay.io/jupyter/pytorch-notebook";
    const found = issues(doc);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: ["profiles", 0, "options", 0, "choices", 0, "settings", "image"],
          message: expect.stringContaining("must be lower-case"),
        }),
        expect.objectContaining({
          path: ["profiles", 0, "options", 0, "choices", 1, "settings", "image"],
          message: expect.stringContaining(
            "docker.io/someone/miner is not under an allowed registry",
          ),
        }),
        {
          path: ["profiles", 1, "settings", "image"],
          severity: "warning",
          message: expect.stringContaining("No tag"),
        },
      ]),
    );
  });

  it("checks numbers as KubeSpawner would read them", () => {
    const doc = clone(SAMPLE_DOCUMENT);
    python(doc).settings.cpu_guarantee = "half";
    python(doc).settings.mem_guarantee = "2GB";
    (doc.profiles[1] as EditableProfile).settings.gpu = "1.5";
    expect(errorsAt(doc).map((e) => e.path)).toEqual([
      "profiles.0.settings.cpu_guarantee",
      "profiles.0.settings.mem_guarantee",
      "profiles.1.settings.gpu",
    ]);
  });

  describe("node groups and their ceilings", () => {
    it("needs a node group, from the profile or from every choice of one option", () => {
      const doc = clone(SAMPLE_DOCUMENT);
      delete python(doc).settings.node_group;
      expect(errorsAt(doc)).toEqual([
        {
          path: "profiles.0.settings.node_group",
          message: expect.stringContaining("Choose the node group this profile runs on"),
        },
      ]);
      const memory = python(doc).options[1] as EditableProfile["options"][number];
      (memory.choices[0] as (typeof memory.choices)[number]).settings.node_group = "standard";
      expect(errorsAt(doc)).toEqual([
        {
          path: "profiles.0.options.1",
          message: expect.stringContaining("set it on every choice"),
        },
      ]);
      (memory.choices[1] as (typeof memory.choices)[number]).settings.node_group = "gpu";
      expect(errorsAt(doc)).toEqual([]);
      python(doc).settings.node_group = "standard";
      expect(errorsAt(doc)[0]?.message).toContain("set it in one place only");
    });

    it("refuses a second option choosing node groups, and free text next to a node group choice", () => {
      const doc = clone(SAMPLE_DOCUMENT);
      delete python(doc).settings.node_group;
      for (const option of python(doc).options)
        for (const choice of option.choices) choice.settings.node_group = "standard";
      expect(errorsAt(doc).map((e) => e.message)).toEqual([
        expect.stringContaining("Only one option of a profile may choose the node group"),
        expect.stringContaining("Free text cannot choose a node group"),
      ]);
    });

    it("checks every combination of choices against its node group's ceilings", () => {
      const doc = clone(SAMPLE_DOCUMENT);
      const memory = python(doc).options[1] as EditableProfile["options"][number];
      (memory.choices[1] as (typeof memory.choices)[number]).settings.mem_limit = "32G";
      python(doc).settings.mem_guarantee = "8G";
      expect(errorsAt(doc)).toEqual([
        {
          path: "profiles.0.settings.mem_guarantee",
          message: 'The memory guarantee 8G is above the memory limit 4G (with "4 GB" for Memory).',
        },
        {
          path: "profiles.0.options.1.choices.1.settings.mem_limit",
          message:
            'The memory limit 32G is above the 30G ceiling of node group "Standard nodes" (with "16 GB" for Memory).',
        },
      ]);
    });

    it("moves the ceilings with the node group a choice picks", () => {
      const doc = clone(SAMPLE_DOCUMENT);
      delete python(doc).settings.node_group;
      const memory = python(doc).options[1] as EditableProfile["options"][number];
      // 16G on GPU nodes (28G ceiling) is fine; 29G is not.
      (memory.choices[0] as (typeof memory.choices)[number]).settings.node_group = "standard";
      (memory.choices[1] as (typeof memory.choices)[number]).settings = {
        node_group: "gpu",
        mem_limit: "29G",
        gpu: "1",
      };
      expect(errorsAt(doc).map((e) => e.message)).toEqual([
        expect.stringContaining(
          'The memory limit 29G is above the 28G ceiling of node group "GPU nodes (NVIDIA T4)"',
        ),
      ]);
      (memory.choices[0] as (typeof memory.choices)[number]).settings.gpu = "1";
      expect(errorsAt(doc).map((e) => e.message)).toContain(
        'Node group "Standard nodes" has no GPUs (with "4 GB" for Memory).',
      );
    });

    it("refuses unknown node groups, and resources when the bounds have no node groups", () => {
      const doc = clone(SAMPLE_DOCUMENT);
      python(doc).settings.node_group = "huge";
      expect(errorsAt(doc)[0]?.message).toContain('There is no node group "huge"');
      const noGroups = { ...SAMPLE_BOUNDS, node_groups: [] };
      expect(errorsAt(clone(SAMPLE_DOCUMENT), noGroups)[0]?.message).toContain(
        "No node groups are configured",
      );
    });

    it(`stops enumerating beyond ${MAX_COMBINATIONS} combinations`, () => {
      const doc = clone(SAMPLE_DOCUMENT);
      const many = Array.from({ length: 25 }, (_, i) => ({
        key: `c${i}`,
        display_name: `C${i}`,
        default: i === 0,
        settings: {},
      }));
      python(doc).options = ["a", "b", "c"].map((key) => ({
        key,
        display_name: key,
        choices: many,
        unlisted: { enabled: false },
      }));
      expect(errorsAt(doc)).toEqual([
        { path: "profiles.0.options", message: expect.stringContaining("15625 combinations") },
      ]);
    });
  });

  describe("free text", () => {
    it("checks the regex with Python's rules and says where it breaks", () => {
      const doc = clone(SAMPLE_DOCUMENT);
      const image = python(doc).options[0] as EditableProfile["options"][number];
      image.unlisted.validation_regex = "^quay\\.io/(?<org>[a-z]+)/";
      expect(errorsAt(doc)).toEqual([
        {
          path: "profiles.0.options.0.unlisted.validation_regex",
          message: "Python refuses this pattern: unknown extension ?<o (at character 12).",
        },
      ]);
    });

    it("warns about nested repeats and a missing message", () => {
      const doc = clone(SAMPLE_DOCUMENT);
      const image = python(doc).options[0] as EditableProfile["options"][number];
      image.unlisted.validation_regex = "^quay\\.io/([a-z]+)+$";
      delete image.unlisted.validation_message;
      expect(issues(doc).map((i) => [i.severity, i.path.at(-1), i.message.slice(0, 30)])).toEqual([
        ["warning", "validation_regex", "A repeat inside a repeat (at c"],
        ["warning", "validation_message", "Say in a message what the patt"],
      ]);
    });

    it("needs allowed images, and free text for image building", () => {
      const doc = clone(SAMPLE_DOCUMENT);
      expect(errorsAt(doc, { ...SAMPLE_BOUNDS, allowed_images: [] }).map((e) => e.path)).toContain(
        "profiles.0.options.0.unlisted",
      );
      const image = python(doc).options[0] as EditableProfile["options"][number];
      image.unlisted.enabled = false;
      expect(errorsAt(doc)).toEqual([
        {
          path: "profiles.0.options.0.unlisted.dynamic_image_building",
          message: expect.stringContaining("Building images needs free text"),
        },
      ]);
    });
  });

  it("refuses keys KubeSpawner and Launchpad use in form fields", () => {
    const doc = clone(SAMPLE_DOCUMENT);
    (python(doc).options[1] as EditableProfile["options"][number]).key = "launchpad-project";
    const choices = (python(doc).options[0] as EditableProfile["options"][number]).choices;
    (choices[1] as (typeof choices)[number]).key = "unlisted-choice";
    expect(errorsAt(doc).map((e) => e.path)).toEqual([
      "profiles.0.options.0.choices.1.key",
      "profiles.0.options.1.key",
    ]);
  });

  it("warns when no profile is open to everyone", () => {
    const doc = clone(SAMPLE_DOCUMENT);
    python(doc).groups = ["staff"];
    expect(issues(doc)).toEqual([
      expect.objectContaining({ severity: "warning", path: ["profiles"] }),
    ]);
  });
});

describe("imagesOf", () => {
  it("lists each image once, in document order", () => {
    expect(imagesOf(SAMPLE_DOCUMENT)).toEqual([
      "quay.io/jupyter/scipy-notebook:2025-06-02",
      "quay.io/pangeo/pangeo-notebook:2025.06.02",
      "quay.io/jupyter/pytorch-notebook:cuda12-2025-06-02",
    ]);
  });
});
