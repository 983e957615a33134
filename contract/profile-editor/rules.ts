/**
 * What a profile document must satisfy before it is published, checked as KubeSpawner will see the
 * generated list (kubespawner.ts) and within the infrastructure admins' bounds. Pure and shared:
 * the editor shows the same issues as you type that the companion enforces on publish.
 *
 * KubeSpawner's own rules (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py): slugs pick profiles (`_get_profile`), the first
 * default wins and the first profile is the default when none is (`_get_initialized_profile_list`),
 * an option needs a default or a value (`_load_profile`), free text is checked with
 * `re.match(validation_regex, value)` (`_validate_user_options`). On top: unique keys, one default
 * profile, nothing invisible in what people read or what names things, images by the OCI grammar
 * under an allowed prefix, and every combination of choices within its node group's ceilings.
 */
import { describeInvisibleCharacter, findInvisibleCharacters } from "../invisible-characters.ts";
import { isAllowedImage, normaliseAllowedImage, parseImageReference } from "../image-reference.ts";
import { checkPythonRegex } from "../python-regex.ts";
import {
  PROJECT_OPTION_KEY,
  UNLISTED_CHOICE_SENTINEL,
  UNLISTED_CHOICE_SUFFIX,
} from "../spawn-page.ts";
import { ANY_IMAGE, unlistedImageRegex } from "./kubespawner.ts";
import { formatBytes, parseBytes, parseCpu, parseGpu } from "./quantities.ts";
import type {
  EditableProfile,
  IssuePath,
  NodeGroup,
  ProfileBounds,
  ProfileDocument,
  ProfileIssue,
  ProfileSettings,
  SettingKey,
} from "./schema.ts";

/** Beyond this many combinations of choices in one profile, the ceilings are not enumerated. */
export const MAX_COMBINATIONS = 10_000;

const SLUG = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;
const KEY = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

class Issues {
  readonly list: ProfileIssue[] = [];
  error(path: IssuePath, message: string): void {
    this.list.push({ path, message, severity: "error" });
  }
  warning(path: IssuePath, message: string): void {
    this.list.push({ path, message, severity: "warning" });
  }
}

function has(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

function checkText(
  issues: Issues,
  path: IssuePath,
  value: string | undefined,
  what: string,
  options: { required?: boolean; multiline?: boolean } = {},
): void {
  if (!has(value)) {
    if (options.required) issues.error(path, `${what} is empty.`);
    return;
  }
  const found = findInvisibleCharacters(value, { multiline: options.multiline });
  if (found.length > 0)
    issues.error(
      path,
      `${what} has ${found.slice(0, 3).map(describeInvisibleCharacter).join(", ")}${found.length > 3 ? ` and ${found.length - 3} more` : ""}.`,
    );
}

function checkName(
  issues: Issues,
  path: IssuePath,
  value: string,
  what: string,
  pattern: RegExp,
  rule: string,
): boolean {
  if (value === "") {
    issues.error(path, `${what} is empty.`);
    return false;
  }
  const found = findInvisibleCharacters(value);
  if (found.length > 0) {
    issues.error(
      path,
      `${what} has ${found.slice(0, 3).map(describeInvisibleCharacter).join(", ")}.`,
    );
    return false;
  }
  if (!pattern.test(value)) {
    issues.error(path, `${what} "${value}" may hold only ${rule}.`);
    return false;
  }
  return true;
}

function duplicates(values: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) (seen.has(value) ? twice : seen).add(value);
  return twice;
}

function checkSettings(
  issues: Issues,
  path: IssuePath,
  settings: ProfileSettings,
  bounds: ProfileBounds,
): void {
  const at = (key: SettingKey) => [...path, key];
  if (has(settings.image)) checkImage(issues, at("image"), settings.image, bounds);
  const resources = bounds.node_groups.length > 0;
  for (const key of [
    "node_group",
    "cpu_guarantee",
    "cpu_limit",
    "mem_guarantee",
    "mem_limit",
    "gpu",
  ] as const) {
    if (has(settings[key]) && !resources) {
      issues.error(
        at(key),
        "No node groups are configured in the chart values, so resources and node groups cannot be set here; ask your infrastructure admins.",
      );
      return;
    }
  }
  if (has(settings.node_group) && !bounds.node_groups.some((g) => g.name === settings.node_group))
    issues.error(
      at("node_group"),
      `There is no node group "${settings.node_group}"; choose one of ${bounds.node_groups.map((g) => g.name).join(", ")}.`,
    );
  for (const key of ["cpu_guarantee", "cpu_limit"] as const) {
    const value = settings[key];
    if (has(value) && parseCpu(value) === null)
      issues.error(at(key), `"${value}" is not a number of CPU cores, e.g. 0.5 or 2.`);
  }
  for (const key of ["mem_guarantee", "mem_limit"] as const) {
    const value = settings[key];
    if (has(value) && parseBytes(value) === null)
      issues.error(
        at(key),
        `"${value}" is not an amount of memory: a number and K, M, G or T (powers of 1024), e.g. 512M or 4G.`,
      );
  }
  if (has(settings.gpu) && parseGpu(settings.gpu) === null)
    issues.error(at("gpu"), `"${settings.gpu}" is not a whole number of GPUs.`);
}

function checkImage(issues: Issues, path: IssuePath, image: string, bounds: ProfileBounds): void {
  const found = findInvisibleCharacters(image);
  if (found.length > 0) {
    issues.error(
      path,
      `The image has ${found.slice(0, 3).map(describeInvisibleCharacter).join(", ")}.`,
    );
    return;
  }
  const parsed = parseImageReference(image);
  if (!parsed.ok) {
    issues.error(
      path,
      parsed.position === undefined
        ? parsed.message
        : `${parsed.message} (character ${parsed.position + 1})`,
    );
    return;
  }
  if (!isAllowedImage(parsed.reference, bounds.allowed_images)) {
    issues.error(
      path,
      bounds.allowed_images.length === 0
        ? "No images are allowed in the chart values yet; ask your infrastructure admins."
        : `${parsed.reference.domain}/${parsed.reference.path} is not under an allowed registry or prefix (${bounds.allowed_images.join(", ")}).`,
    );
    return;
  }
  if (parsed.reference.tag === undefined && parsed.reference.digest === undefined)
    issues.warning(
      path,
      "No tag: pods get whatever :latest is on the day they start. Name a tag or a digest.",
    );
}

/** The settings that take effect for one combination, with where each came from. */
interface Effective {
  values: Partial<Record<SettingKey, string>>;
  from: Partial<Record<SettingKey, IssuePath>>;
  /** For settings a choice set: which choice, as a person reads it. */
  by: Partial<Record<SettingKey, string>>;
}

function* combinations(profile: EditableProfile, profilePath: IssuePath): Generator<Effective> {
  const candidates = profile.options.map((option, o) => {
    const list: ({ kind: "choice"; index: number } | { kind: "unlisted" })[] = option.choices.map(
      (_, index) => ({ kind: "choice", index }),
    );
    if (option.unlisted.enabled) list.push({ kind: "unlisted" });
    return { option, o, list };
  });
  const active = candidates.filter((c) => c.list.length > 0);
  const pick = new Array<number>(active.length).fill(0);
  for (;;) {
    const effective: Effective = { values: {}, from: {}, by: {} };
    const apply = (settings: ProfileSettings, path: IssuePath, label?: string) => {
      for (const [key, value] of Object.entries(settings) as [SettingKey, string | undefined][]) {
        if (has(value)) {
          effective.values[key] = value;
          effective.from[key] = [...path, "settings", key];
          if (label === undefined) delete effective.by[key];
          else effective.by[key] = label;
        }
      }
    };
    apply(profile.settings, profilePath);
    active.forEach(({ option, o, list }, i) => {
      const candidate = list[pick[i] ?? 0];
      if (!candidate) return;
      if (candidate.kind === "choice") {
        const choice = option.choices[candidate.index];
        if (!choice) return;
        apply(
          choice.settings,
          [...profilePath, "options", o, "choices", candidate.index],
          `"${choice.display_name || choice.key}" for ${option.display_name || option.key}`,
        );
      } else {
        // Free text sets the image only (kubespawner.ts).
        delete effective.values.image;
      }
    });
    yield effective;
    let i = active.length - 1;
    while (i >= 0) {
      const current = pick[i] ?? 0;
      if (current + 1 < (active[i]?.list.length ?? 0)) {
        pick[i] = current + 1;
        break;
      }
      pick[i] = 0;
      i--;
    }
    if (i < 0) return;
  }
}

function combinationCount(profile: EditableProfile): number {
  return profile.options.reduce((count, option) => {
    const n = option.choices.length + (option.unlisted.enabled ? 1 : 0);
    return n === 0 ? count : count * n;
  }, 1);
}

/** A node group is set on the profile, or on every choice of exactly one option. */
function checkNodeGroupPlacement(
  issues: Issues,
  profile: EditableProfile,
  path: IssuePath,
  bounds: ProfileBounds,
): void {
  if (bounds.node_groups.length === 0) return;
  const choosing = profile.options
    .map((option, o) => ({
      option,
      o,
      set: option.choices.filter((c) => has(c.settings.node_group)).length,
    }))
    .filter((entry) => entry.set > 0);
  if (choosing.length === 0) {
    if (!has(profile.settings.node_group))
      issues.error(
        [...path, "settings", "node_group"],
        "Choose the node group this profile runs on (or let every choice of one option choose it).",
      );
    return;
  }
  if (has(profile.settings.node_group))
    issues.error(
      [...path, "settings", "node_group"],
      "The profile sets a node group and so do choices of an option; set it in one place only, or KubeSpawner would merge two node selectors.",
    );
  for (const extra of choosing.slice(1))
    issues.error(
      [...path, "options", extra.o],
      `Only one option of a profile may choose the node group; "${choosing[0]?.option.display_name ?? ""}" already does.`,
    );
  const first = choosing[0];
  if (first && first.set < first.option.choices.length)
    issues.error(
      [...path, "options", first.o],
      "Some choices of this option set a node group and some do not: set it on every choice.",
    );
  if (first?.option.unlisted.enabled && !has(profile.settings.node_group))
    issues.error(
      [...path, "options", first.o, "unlisted"],
      "Free text cannot choose a node group; move the node group choice to an option without free text.",
    );
}

function checkCeilings(
  issues: Issues,
  profile: EditableProfile,
  path: IssuePath,
  bounds: ProfileBounds,
): void {
  if (bounds.node_groups.length === 0) return;
  const count = combinationCount(profile);
  if (count > MAX_COMBINATIONS) {
    issues.error(
      [...path, "options"],
      `This profile has ${count} combinations of choices; Launchpad checks at most ${MAX_COMBINATIONS}. Split it into several profiles.`,
    );
    return;
  }
  const reported = new Set<string>();
  const report = (target: IssuePath | undefined, message: string) => {
    const at = target ?? [...path, "settings"];
    const key = `${JSON.stringify(at)}\n${message}`;
    if (reported.has(key)) return;
    reported.add(key);
    issues.error(at, message);
  };
  for (const combination of combinations(profile, path)) {
    const group: NodeGroup | undefined = bounds.node_groups.find(
      (g) => g.name === combination.values.node_group,
    );
    if (!group) continue; // placement and unknown names are reported on their own
    /** The choices behind the settings a message is about (the node group always counts). */
    const when = (...keys: SettingKey[]) => {
      const labels = [
        ...new Set(["node_group" as const, ...keys].flatMap((k) => combination.by[k] ?? [])),
      ];
      return labels.length > 0 ? ` (with ${labels.join(", ")})` : "";
    };
    const cpu = {
      guarantee: parseCpu(combination.values.cpu_guarantee ?? ""),
      limit: parseCpu(combination.values.cpu_limit ?? ""),
    };
    for (const kind of ["guarantee", "limit"] as const) {
      const value = cpu[kind];
      if (value !== null && value > group.max_cpu)
        report(
          combination.from[`cpu_${kind}`],
          `The CPU ${kind} ${value} is above the ${group.max_cpu}-core ceiling of node group "${group.display_name}"${when(`cpu_${kind}`)}.`,
        );
    }
    if (cpu.guarantee !== null && cpu.limit !== null && cpu.guarantee > cpu.limit)
      report(
        combination.from.cpu_guarantee,
        `The CPU guarantee ${cpu.guarantee} is above the CPU limit ${cpu.limit}${when("cpu_guarantee", "cpu_limit")}.`,
      );
    const ceiling = parseBytes(group.max_memory);
    const mem = {
      guarantee: parseBytes(combination.values.mem_guarantee ?? ""),
      limit: parseBytes(combination.values.mem_limit ?? ""),
    };
    for (const kind of ["guarantee", "limit"] as const) {
      const value = mem[kind];
      if (value !== null && ceiling !== null && value > ceiling)
        report(
          combination.from[`mem_${kind}`],
          `The memory ${kind} ${formatBytes(value)} is above the ${formatBytes(ceiling)} ceiling of node group "${group.display_name}"${when(`mem_${kind}`)}.`,
        );
    }
    if (mem.guarantee !== null && mem.limit !== null && mem.guarantee > mem.limit)
      report(
        combination.from.mem_guarantee,
        `The memory guarantee ${formatBytes(mem.guarantee)} is above the memory limit ${formatBytes(mem.limit)}${when("mem_guarantee", "mem_limit")}.`,
      );
    const gpu = parseGpu(combination.values.gpu ?? "");
    if (gpu !== null && gpu > group.max_gpu)
      report(
        combination.from.gpu,
        group.max_gpu === 0
          ? `Node group "${group.display_name}" has no GPUs${when("gpu")}.`
          : `${gpu} GPUs is above the ${group.max_gpu}-GPU ceiling of node group "${group.display_name}"${when("gpu")}.`,
      );
  }
}

function checkUnlisted(
  issues: Issues,
  path: IssuePath,
  option: ProfileDocument["profiles"][number]["options"][number],
  bounds: ProfileBounds,
): void {
  const unlisted = option.unlisted;
  const at = [...path, "unlisted"];
  if (!unlisted.enabled) {
    if (unlisted.dynamic_image_building)
      issues.error(
        [...at, "dynamic_image_building"],
        "Building images needs free text to be allowed: the built image arrives as the free-text value.",
      );
    return;
  }
  checkText(issues, [...at, "display_name"], unlisted.display_name, "The free-text label");
  checkText(issues, [...at, "validation_message"], unlisted.validation_message, "The message");
  if (
    bounds.allowed_images.length === 0 ||
    (!bounds.allowed_images.includes(ANY_IMAGE) &&
      bounds.allowed_images.every((e) => normaliseAllowedImage(e) === null))
  )
    issues.error(
      at,
      "No images are allowed in the chart values, so free-text images cannot be offered; ask your infrastructure admins.",
    );
  const regex = unlisted.validation_regex ?? "";
  if (regex !== "") {
    const own = checkPythonRegex(regex);
    if (own.problem) {
      issues.error(
        [...at, "validation_regex"],
        `Python refuses this pattern: ${own.problem.message} (at character ${own.problem.position + 1}).`,
      );
      return;
    }
    if (own.nestedRepeat)
      issues.warning(
        [...at, "validation_regex"],
        `A repeat inside a repeat (at character ${own.nestedRepeat.position + 1}) can make the hub spend minutes matching one crafted value; prefer a pattern without it.`,
      );
    if (!has(unlisted.validation_message))
      issues.warning(
        [...at, "validation_message"],
        "Say in a message what the pattern expects; otherwise users only hear that their value was refused.",
      );
  }
  const combined = checkPythonRegex(unlistedImageRegex(regex, bounds.allowed_images));
  if (combined.problem)
    issues.error(
      [...at, "validation_regex"],
      `Combined with the allowed-images rule, Python refuses this pattern: ${combined.problem.message}.`,
    );
}

/** Every problem in the document, errors and warnings, in document order. */
export function validateProfileDocument(
  document: ProfileDocument,
  bounds: ProfileBounds,
): ProfileIssue[] {
  const issues = new Issues();
  if (document.profiles.length === 0) issues.error(["profiles"], "Add at least one profile.");
  const defaults = document.profiles.filter((p) => p.default).length;
  if (document.profiles.length > 0 && defaults !== 1)
    issues.error(
      ["profiles"],
      defaults === 0
        ? "Mark one profile as the default."
        : `${defaults} profiles are marked as the default; mark only one.`,
    );
  const slugTwice = duplicates(document.profiles.map((p) => p.slug));
  if (document.profiles.length > 0 && document.profiles.every((p) => p.groups.length > 0))
    issues.warning(
      ["profiles"],
      "Every profile is limited to groups: users in none of them see no profiles and start with the hub's own defaults.",
    );

  document.profiles.forEach((profile, p) => {
    const path: IssuePath = ["profiles", p];
    if (
      checkName(
        issues,
        [...path, "slug"],
        profile.slug,
        "The slug",
        SLUG,
        "lower-case letters, digits, '.', '_' and '-', starting and ending with a letter or digit",
      ) &&
      slugTwice.has(profile.slug)
    )
      issues.error(
        [...path, "slug"],
        `Two profiles have the slug "${profile.slug}"; KubeSpawner picks profiles by slug.`,
      );
    checkText(issues, [...path, "display_name"], profile.display_name, "The name", {
      required: true,
    });
    checkText(issues, [...path, "description"], profile.description, "The description", {
      multiline: true,
    });
    const groupsTwice = duplicates(profile.groups);
    profile.groups.forEach((group, g) => {
      checkText(issues, [...path, "groups", g], group, "The group name", { required: true });
      if (groupsTwice.has(group))
        issues.error([...path, "groups", g], `The group "${group}" is listed twice.`);
    });
    checkSettings(issues, [...path, "settings"], profile.settings, bounds);
    checkNodeGroupPlacement(issues, profile, path, bounds);

    const keysTwice = duplicates(profile.options.map((o) => o.key));
    profile.options.forEach((option, o) => {
      const optionPath: IssuePath = [...path, "options", o];
      if (
        checkName(
          issues,
          [...optionPath, "key"],
          option.key,
          "The option key",
          KEY,
          "letters, digits, '.', '_' and '-'",
        )
      ) {
        if (keysTwice.has(option.key))
          issues.error(
            [...optionPath, "key"],
            `Two options of this profile have the key "${option.key}".`,
          );
        else if (
          option.key === PROJECT_OPTION_KEY ||
          option.key.includes("--") ||
          option.key.endsWith(UNLISTED_CHOICE_SUFFIX)
        )
          issues.error(
            [...optionPath, "key"],
            `"${option.key}" is reserved (Launchpad and KubeSpawner use it in form fields); choose another key.`,
          );
      }
      checkText(issues, [...optionPath, "display_name"], option.display_name, "The option name", {
        required: true,
      });
      if (option.choices.length === 0 && !option.unlisted.enabled)
        issues.error([...optionPath, "choices"], "Add a choice, or allow free text.");
      if (option.choices.filter((c) => c.default).length > 1)
        issues.error(
          [...optionPath, "choices"],
          "More than one choice is the default; KubeSpawner would use the first.",
        );
      const choiceTwice = duplicates(option.choices.map((c) => c.key));
      option.choices.forEach((choice, c) => {
        const choicePath: IssuePath = [...optionPath, "choices", c];
        if (
          checkName(
            issues,
            [...choicePath, "key"],
            choice.key,
            "The choice key",
            KEY,
            "letters, digits, '.', '_' and '-'",
          )
        ) {
          if (choiceTwice.has(choice.key))
            issues.error([...choicePath, "key"], `Two choices have the key "${choice.key}".`);
          else if (choice.key === UNLISTED_CHOICE_SENTINEL)
            issues.error(
              [...choicePath, "key"],
              `"${UNLISTED_CHOICE_SENTINEL}" is KubeSpawner's own value for free text; choose another key.`,
            );
        }
        checkText(issues, [...choicePath, "display_name"], choice.display_name, "The choice name", {
          required: true,
        });
        checkText(issues, [...choicePath, "description"], choice.description, "The description", {
          multiline: true,
        });
        checkSettings(issues, [...choicePath, "settings"], choice.settings, bounds);
      });
      checkUnlisted(issues, optionPath, option, bounds);
    });
    checkCeilings(issues, profile, path, bounds);
  });
  return issues.list;
}

export function hasErrors(issues: readonly ProfileIssue[]): boolean {
  return issues.some((issue) => issue.severity === "error");
}

/** Every distinct image a document names, as written. */
export function imagesOf(document: ProfileDocument): string[] {
  const images = new Set<string>();
  for (const profile of document.profiles) {
    if (has(profile.settings.image)) images.add(profile.settings.image);
    for (const option of profile.options)
      for (const choice of option.choices)
        if (has(choice.settings.image)) images.add(choice.settings.image);
  }
  return [...images];
}
