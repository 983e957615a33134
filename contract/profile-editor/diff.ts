/**
 * What changed between two profile documents, as a list a person can read: profiles matched by
 * slug, options by key, choices by key (the identities KubeSpawner and users' saved options use),
 * each changed field with its old and new value. The history, the conflict view and the rollback
 * confirmation all show it.
 */
import {
  SETTING_KEYS,
  type EditableChoice,
  type EditableOption,
  type EditableProfile,
  type ProfileDocument,
} from "./schema.ts";

export interface ChangeLocation {
  profile: string;
  option?: string;
  choice?: string;
}

export interface ProfileChange {
  kind: "added" | "removed" | "changed" | "moved";
  where: ChangeLocation;
  /** The field that changed (`display_name`, `settings.image`, `unlisted.validation_regex`…). */
  field?: string;
  before?: string;
  after?: string;
}

type Fields = Record<string, string | undefined>;

function text(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function settingFields(settings: EditableProfile["settings"]): Fields {
  const fields: Fields = {};
  for (const key of SETTING_KEYS) fields[`settings.${key}`] = text(settings[key]);
  return fields;
}

function profileFields(profile: EditableProfile): Fields {
  return {
    display_name: text(profile.display_name),
    description: text(profile.description),
    default: profile.default ? "yes" : "no",
    groups: profile.groups.length > 0 ? profile.groups.join(", ") : undefined,
    ...settingFields(profile.settings),
  };
}

function optionFields(option: EditableOption): Fields {
  const unlisted = option.unlisted;
  return {
    display_name: text(option.display_name),
    "unlisted.enabled": unlisted.enabled ? "yes" : "no",
    "unlisted.display_name": text(unlisted.display_name),
    "unlisted.validation_regex": text(unlisted.validation_regex),
    "unlisted.validation_message": text(unlisted.validation_message),
    "unlisted.dynamic_image_building": unlisted.dynamic_image_building ? "yes" : "no",
  };
}

function choiceFields(choice: EditableChoice): Fields {
  return {
    display_name: text(choice.display_name),
    description: text(choice.description),
    default: choice.default ? "yes" : "no",
    ...settingFields(choice.settings),
  };
}

function compareFields(
  out: ProfileChange[],
  where: ChangeLocation,
  before: Fields,
  after: Fields,
): void {
  for (const field of Object.keys({ ...before, ...after })) {
    if (before[field] !== after[field])
      out.push({ kind: "changed", where, field, before: before[field], after: after[field] });
  }
}

/** The ids that keep their relative order: everything else was moved. */
function longestCommonSubsequence(a: readonly string[], b: readonly string[]): Set<string> {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) {
      const row = table[i] as number[];
      row[j] =
        a[i] === b[j]
          ? ((table[i + 1] as number[])[j + 1] ?? 0) + 1
          : Math.max((table[i + 1] as number[])[j] ?? 0, row[j + 1] ?? 0);
    }
  const kept = new Set<string>();
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      kept.add(a[i] as string);
      i++;
      j++;
    } else if (((table[i + 1] as number[])[j] ?? 0) >= ((table[i] as number[])[j + 1] ?? 0)) i++;
    else j++;
  }
  return kept;
}

/** Items matched by identity; added, removed and moved reported; `same` called for each pair. */
function compareLists<T>(
  out: ProfileChange[],
  before: readonly T[],
  after: readonly T[],
  id: (item: T) => string,
  where: (item: T) => ChangeLocation,
  same: (a: T, b: T) => void,
): void {
  const afterIds = new Map(after.map((item) => [id(item), item]));
  const beforeIds = new Map(before.map((item) => [id(item), item]));
  for (const item of before)
    if (!afterIds.has(id(item))) out.push({ kind: "removed", where: where(item) });
  const keptBefore = before.filter((item) => afterIds.has(id(item))).map(id);
  const keptAfter = after.filter((item) => beforeIds.has(id(item))).map(id);
  const stayed = longestCommonSubsequence(keptBefore, keptAfter);
  keptAfter.forEach((key, index) => {
    const a = beforeIds.get(key);
    const b = afterIds.get(key);
    if (a === undefined || b === undefined) return;
    if (!stayed.has(key))
      out.push({
        kind: "moved",
        where: where(b),
        before: String(keptBefore.indexOf(key) + 1),
        after: String(index + 1),
      });
    same(a, b);
  });
  for (const item of after)
    if (!beforeIds.has(id(item))) out.push({ kind: "added", where: where(item) });
}

export function diffProfileDocuments(
  before: ProfileDocument,
  after: ProfileDocument,
): ProfileChange[] {
  const out: ProfileChange[] = [];
  const profileName = (p: EditableProfile) => p.display_name || p.slug;
  compareLists(
    out,
    before.profiles,
    after.profiles,
    (p) => p.slug,
    (p) => ({ profile: profileName(p) }),
    (a, b) => {
      const profile = profileName(b);
      compareFields(out, { profile }, profileFields(a), profileFields(b));
      const optionName = (o: EditableOption) => o.display_name || o.key;
      compareLists(
        out,
        a.options,
        b.options,
        (o) => o.key,
        (o) => ({ profile, option: optionName(o) }),
        (x, y) => {
          const option = optionName(y);
          compareFields(out, { profile, option }, optionFields(x), optionFields(y));
          const choiceName = (c: EditableChoice) => c.display_name || c.key;
          compareLists(
            out,
            x.choices,
            y.choices,
            (c) => c.key,
            (c) => ({ profile, option, choice: choiceName(c) }),
            (m, n) =>
              compareFields(
                out,
                { profile, option, choice: choiceName(n) },
                choiceFields(m),
                choiceFields(n),
              ),
          );
        },
      );
    },
  );
  return out;
}
