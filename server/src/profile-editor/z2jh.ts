/**
 * Export to and import from z2jh values (`singleuser.profileList`,
 * https://z2jh.jupyter.org/en/stable/jupyterhub/customizing/user-environment.html), so a hub can go
 * back to GitOps at any time and come to the editor from its values.
 *
 * Export writes exactly the KubeSpawner list a version published. Import reads a values file (or a
 * bare list, or a z2jh-in-a-parent-chart layout such as 2i2c's `basehub.jupyterhub`) and keeps what
 * the editor can express: names, descriptions, defaults, groups, options and choices, images,
 * CPU/memory/GPU amounts, the node group whose selector an override names, and free-text settings.
 * Everything else (volumes, env, init containers, any other override) is dropped and listed, since
 * arbitrary overrides are not editable in a browser.
 */
import { parseDocument, stringify } from "yaml";

import { unlistedImageRegex } from "../../../contract/profile-editor/kubespawner.ts";
import { formatBytes } from "../../../contract/profile-editor/quantities.ts";
import type {
  EditableChoice,
  EditableOption,
  EditableProfile,
  NodeGroup,
  ProfileBounds,
  ProfileDocument,
  ProfileSettings,
} from "../../../contract/profile-editor/schema.ts";

export function exportValuesYaml(profileList: readonly unknown[], version: number | null): string {
  const header = [
    `# Launchpad profile list${version === null ? "" : `, version ${version}`}, as z2jh values.`,
    "# Profiles with launchpad_groups are shown only to those hub groups: Launchpad's hub glue",
    "# filters on that key; KubeSpawner itself ignores it.",
  ].join("\n");
  return `${header}\n${stringify({ singleuser: { profileList: profileList } }, { lineWidth: 0 })}`;
}

/** Where z2jh values keep the list, in the layouts real hubs use. */
const LIST_PATHS = [
  ["singleuser", "profileList"],
  ["jupyterhub", "singleuser", "profileList"],
  ["basehub", "jupyterhub", "singleuser", "profileList"],
  ["daskhub", "jupyterhub", "singleuser", "profileList"],
];

export class ImportError extends Error {
  override readonly name = "ImportError";
}

function findList(data: unknown): unknown[] {
  if (Array.isArray(data)) return data;
  for (const keys of LIST_PATHS) {
    let node: unknown = data;
    for (const key of keys)
      node = node && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(node)) return node;
  }
  throw new ImportError(
    "No profile list found: expected singleuser.profileList (or a list of profiles).",
  );
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

/** python-slugify's slug for the ASCII names profile lists use (KubeSpawner's default slug). */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/['"]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function sameSelector(a: Record<string, unknown>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

class Importer {
  readonly notes: string[] = [];
  private readonly bounds: ProfileBounds;
  constructor(bounds: ProfileBounds) {
    this.bounds = bounds;
  }

  /** Settings from one kubespawner_override; what cannot be expressed is noted. */
  settings(override: unknown, where: string): ProfileSettings {
    const settings: ProfileSettings = {};
    const source = record(override);
    let group: NodeGroup | undefined;
    for (const [key, value] of Object.entries(source)) {
      switch (key) {
        case "image":
        case "image_spec":
          if (typeof value === "string") settings.image = value;
          else this.notes.push(`${where}: the image is not a string and was dropped.`);
          break;
        case "cpu_guarantee":
        case "cpu_limit":
          if (typeof value === "number" || typeof value === "string") settings[key] = String(value);
          break;
        case "mem_guarantee":
        case "mem_limit":
          if (typeof value === "number") settings[key] = formatBytes(value);
          else if (typeof value === "string") settings[key] = value;
          break;
        case "node_selector": {
          group = this.bounds.node_groups.find((g) => sameSelector(record(value), g.node_selector));
          if (group) settings.node_group = group.name;
          else
            this.notes.push(
              `${where}: the node selector ${JSON.stringify(value)} is no node group of this hub; choose one.`,
            );
          break;
        }
        case "tolerations":
          // A node group brings its own; anything else is not editable here.
          break;
        case "extra_resource_limits":
        case "extra_resource_guarantees": {
          const resources = record(value);
          const gpu = Object.entries(resources).find(([name]) => name.endsWith("/gpu"));
          if (gpu) settings.gpu = String(gpu[1]);
          const others = Object.keys(resources).filter((name) => !name.endsWith("/gpu"));
          if (others.length > 0)
            this.notes.push(
              `${where}: ${key} ${others.join(", ")} dropped (only GPUs are editable).`,
            );
          break;
        }
        default:
          this.notes.push(
            `${where}: kubespawner_override.${key} dropped (not editable in the browser).`,
          );
      }
    }
    return settings;
  }

  /** The admin's part of a free-text regex Launchpad composed, or the regex as it is. */
  adminRegex(regex: string): string {
    const composed = unlistedImageRegex("", this.bounds.allowed_images);
    if (regex === composed) return "";
    const flags = /^(?:\(\?[aiLmsux]+\))+/.exec(regex)?.[0] ?? "";
    const rest = regex.slice(flags.length);
    if (rest.startsWith(`${composed}(?:`) && rest.endsWith(")"))
      return flags + rest.slice(composed.length + 3, -1);
    return regex;
  }

  option(key: string, value: unknown, where: string): EditableOption {
    const source = record(value);
    const choices: EditableChoice[] = Object.entries(record(source.choices)).map(
      ([choiceKey, choiceValue]) => {
        const choice = record(choiceValue);
        return {
          key: choiceKey,
          display_name: text(choice.display_name) ?? choiceKey,
          ...(text(choice.description) ? { description: text(choice.description) } : {}),
          default: choice.default === true,
          settings: this.settings(choice.kubespawner_override, `${where} › ${choiceKey}`),
        };
      },
    );
    const unlistedSource = record(source.unlisted_choice);
    const override = record(unlistedSource.kubespawner_override);
    const enabled = unlistedSource.enabled === true;
    const onlyImage =
      Object.keys(override).length === 1 &&
      (override.image === "{value}" || override.image_spec === "{value}");
    if (enabled && !onlyImage)
      this.notes.push(
        `${where}: free text sets only the image in the editor; its other overrides were dropped.`,
      );
    const regex = text(unlistedSource.validation_regex);
    const building = record(source.dynamic_image_building).enabled === true;
    return {
      key,
      display_name: text(source.display_name) ?? key,
      choices,
      unlisted: {
        enabled,
        ...(text(unlistedSource.display_name)
          ? { display_name: text(unlistedSource.display_name) }
          : {}),
        ...(regex ? { validation_regex: this.adminRegex(regex) } : {}),
        ...(text(unlistedSource.validation_message)
          ? { validation_message: text(unlistedSource.validation_message) }
          : {}),
        ...(building ? { dynamic_image_building: true } : {}),
      },
    };
  }

  profile(value: unknown, index: number): EditableProfile {
    const source = record(value);
    const name = text(source.display_name) ?? `Profile ${index + 1}`;
    let slug = text(source.slug);
    if (!slug) {
      slug = slugify(name);
      this.notes.push(
        `"${name}" had no slug; it is now "${slug}" (KubeSpawner derives the same from the name).`,
      );
    }
    const where = `"${name}"`;
    const groups = Array.isArray(source.launchpad_groups)
      ? source.launchpad_groups.filter((g): g is string => typeof g === "string")
      : [];
    return {
      slug,
      display_name: name,
      ...(text(source.description) ? { description: text(source.description) } : {}),
      default: source.default === true,
      groups,
      settings: this.settings(source.kubespawner_override, where),
      options: Object.entries(record(source.profile_options)).map(([key, option]) =>
        this.option(key, option, `${where} › ${key}`),
      ),
    };
  }
}

/** A document from z2jh values YAML, and what could not be carried over. */
export function importValuesYaml(
  yamlText: string,
  bounds: ProfileBounds,
): { document: ProfileDocument; notes: string[] } {
  const parsed = parseDocument(yamlText, { prettyErrors: true });
  if (parsed.errors.length > 0)
    throw new ImportError(`The YAML does not parse: ${parsed.errors[0]?.message ?? ""}`);
  const list = findList(parsed.toJS({ maxAliasCount: 100 }));
  const importer = new Importer(bounds);
  const profiles = list.map((profile, index) => importer.profile(profile, index));
  if (profiles.length > 0 && !profiles.some((p) => p.default)) {
    (profiles[0] as EditableProfile).default = true;
    importer.notes.push(
      `No profile was the default; "${profiles[0]?.display_name ?? ""}" now is (as KubeSpawner would pick).`,
    );
  }
  return { document: { profiles }, notes: importer.notes };
}
