/**
 * A profile document as KubeSpawner's own `profile_list` (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L1738):
 * each profile's and choice's `kubespawner_override` generated from the bounded settings only, and
 * unlisted choices that set the image through KubeSpawner's `{value}` substitution.
 *
 * KubeSpawner applies the profile's override, then the selected choice's of each option in order
 * (`_load_profile`), replacing scalars and recursively merging dicts (`_apply_overrides`,
 * `recursive_update`). rules.ts keeps a node group's selector and tolerations in one place per
 * profile (the profile, or every choice of one option), so no merge can mix two node groups.
 */
import { normaliseAllowedImage } from "../image-reference.ts";
import { parseCpu, parseGpu } from "./quantities.ts";
import type {
  EditableOption,
  EditableProfile,
  KubeSpawnerOption,
  KubeSpawnerOverride,
  KubeSpawnerProfile,
  NodeGroup,
  ProfileBounds,
  ProfileDocument,
  ProfileSettings,
} from "./schema.ts";

/** The allowed-images entry that allows any image. */
export const ANY_IMAGE = "*";

function set(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

function nodeGroup(bounds: ProfileBounds, name: string | undefined): NodeGroup | undefined {
  return set(name) ? bounds.node_groups.find((group) => group.name === name) : undefined;
}

/** The override one profile's or choice's settings stand for. */
export function overrideFor(settings: ProfileSettings, bounds: ProfileBounds): KubeSpawnerOverride {
  const override: KubeSpawnerOverride = {};
  if (set(settings.image)) override.image = settings.image;
  const cpuGuarantee = set(settings.cpu_guarantee) ? parseCpu(settings.cpu_guarantee) : null;
  const cpuLimit = set(settings.cpu_limit) ? parseCpu(settings.cpu_limit) : null;
  if (cpuGuarantee !== null) override.cpu_guarantee = cpuGuarantee;
  if (cpuLimit !== null) override.cpu_limit = cpuLimit;
  if (set(settings.mem_guarantee)) override.mem_guarantee = settings.mem_guarantee;
  if (set(settings.mem_limit)) override.mem_limit = settings.mem_limit;
  const group = nodeGroup(bounds, settings.node_group);
  if (group) {
    override.node_selector = { ...group.node_selector };
    if (group.tolerations.length > 0)
      override.tolerations = group.tolerations.map((t) => ({ ...t }));
  }
  const gpus = set(settings.gpu) ? parseGpu(settings.gpu) : null;
  if (gpus !== null) {
    // Extended resources need requests equal to limits; KubeSpawner sends both as given.
    const resource = group?.gpu_resource ?? "nvidia.com/gpu";
    override.extra_resource_limits = { [resource]: String(gpus) };
    override.extra_resource_guarantees = { [resource]: String(gpus) };
  }
  return override;
}

function escapePythonRegex(text: string): string {
  // re.escape escapes every character that is special anywhere in a pattern.
  return text.replace(/[.^$*+?{}[\]\\|()#&~\s-]/g, (c) => `\\${c}`);
}

/** Python's global inline flags, allowed only at the very start of a pattern. */
const LEADING_GLOBAL_FLAGS = /^(?:\(\?[aiLmsux]+\))+/;

/**
 * The `validation_regex` KubeSpawner checks a free-text image with: the admin's own pattern, plus
 * the infrastructure admins' bound — the whole value is one image reference (no spaces, no line
 * breaks: KubeSpawner uses `re.match`, which only anchors the start) under an allowed registry or
 * prefix, written in full (`quay.io/jupyter/...`, `docker.io/library/python:3.12`).
 */
export function unlistedImageRegex(
  adminRegex: string | undefined,
  allowedImages: readonly string[],
): string {
  const admin = adminRegex ?? "";
  const flags = LEADING_GLOBAL_FLAGS.exec(admin)?.[0] ?? "";
  const rest = admin.slice(flags.length);
  const reference = "(?=[A-Za-z0-9._/:@+\\[\\]-]+\\Z)";
  let allowed = "";
  if (!allowedImages.includes(ANY_IMAGE)) {
    const prefixes = allowedImages
      .map(normaliseAllowedImage)
      .filter((prefix): prefix is string => prefix !== null);
    const alternatives = prefixes.map((prefix) =>
      prefix.includes("/")
        ? `${escapePythonRegex(prefix)}(?:[/:@]|\\Z)`
        : `${escapePythonRegex(prefix)}/`,
    );
    // No valid entry: nothing may pass.
    allowed = alternatives.length > 0 ? `(?=${alternatives.join("|")})` : "(?!)";
  }
  return `${flags}${reference}${allowed}${rest === "" ? "" : `(?:${rest})`}`;
}

function optionFor(option: EditableOption, bounds: ProfileBounds): KubeSpawnerOption {
  const choices: KubeSpawnerOption["choices"] = {};
  for (const choice of option.choices) {
    choices[choice.key] = {
      display_name: choice.display_name,
      ...(set(choice.description) ? { description: choice.description } : {}),
      ...(choice.default ? { default: true } : {}),
      kubespawner_override: overrideFor(choice.settings, bounds),
    };
  }
  const out: KubeSpawnerOption = { display_name: option.display_name, choices };
  const unlisted = option.unlisted;
  if (unlisted.enabled) {
    out.unlisted_choice = {
      enabled: true,
      ...(set(unlisted.display_name) ? { display_name: unlisted.display_name } : {}),
      validation_regex: unlistedImageRegex(unlisted.validation_regex, bounds.allowed_images),
      ...(set(unlisted.validation_message)
        ? { validation_message: unlisted.validation_message }
        : {}),
      // _load_profile (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3800-L3807): "{value}" becomes what
      // the user typed.
      kubespawner_override: { image: "{value}" },
    };
    if (unlisted.dynamic_image_building) out.dynamic_image_building = { enabled: true };
  }
  return out;
}

export function profileFor(profile: EditableProfile, bounds: ProfileBounds): KubeSpawnerProfile {
  const options: KubeSpawnerProfile["profile_options"] = {};
  for (const option of profile.options) options[option.key] = optionFor(option, bounds);
  return {
    slug: profile.slug,
    ...(profile.groups.length > 0 ? { launchpad_groups: [...profile.groups] } : {}),
    display_name: profile.display_name,
    ...(set(profile.description) ? { description: profile.description } : {}),
    ...(profile.default ? { default: true } : {}),
    kubespawner_override: overrideFor(profile.settings, bounds),
    profile_options: options,
  };
}

/** The list the hub glue serves to KubeSpawner. Only call it on a document rules.ts accepts. */
export function toKubeSpawnerProfileList(
  document: ProfileDocument,
  bounds: ProfileBounds,
): KubeSpawnerProfile[] {
  return document.profiles.map((profile) => profileFor(profile, bounds));
}

/** Whether a member of `userGroups` sees a profile (the glue's filter, mirrored for the preview). */
export function visibleTo(profile: KubeSpawnerProfile, userGroups: readonly string[]): boolean {
  const groups = profile.launchpad_groups ?? [];
  return groups.length === 0 || groups.some((group) => userGroups.includes(group));
}
