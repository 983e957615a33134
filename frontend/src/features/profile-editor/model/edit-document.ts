/**
 * Pure edits of a profile document, by path (the same paths the rules report issues at), so every
 * control of the editor changes the document the same way and the issues point back at controls.
 */
import type {
  EditableChoice,
  EditableOption,
  EditableProfile,
  IssuePath,
  ProfileDocument,
} from "../../../../../contract/profile-editor/schema.ts";

type Container = Record<string | number, unknown>;

/**
 * A copy of `document` with the value at `path` replaced (undefined removes it). An emptied text
 * field stays "": the rules read "" as "not set", and required text must stay a string.
 */
export function setAt(document: ProfileDocument, path: IssuePath, value: unknown): ProfileDocument {
  const copy = structuredClone(document);
  let node = copy as unknown as Container;
  for (const key of path.slice(0, -1)) node = node[key] as Container;
  const last = path.at(-1);
  if (last === undefined) return copy;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

export function getAt(document: ProfileDocument, path: IssuePath): unknown {
  let node: unknown = document;
  for (const key of path) node = (node as Container | undefined)?.[key];
  return node;
}

function listAt(
  document: ProfileDocument,
  path: IssuePath,
): { copy: ProfileDocument; list: unknown[] } {
  const copy = structuredClone(document);
  const list = getAt(copy, path);
  if (!Array.isArray(list)) throw new Error(`no list at ${path.join(".")}`);
  return { copy, list };
}

export function removeAt(
  document: ProfileDocument,
  listPath: IssuePath,
  index: number,
): ProfileDocument {
  const { copy, list } = listAt(document, listPath);
  list.splice(index, 1);
  return copy;
}

export function moveAt(
  document: ProfileDocument,
  listPath: IssuePath,
  index: number,
  by: -1 | 1,
): ProfileDocument {
  const { copy, list } = listAt(document, listPath);
  const to = index + by;
  if (to < 0 || to >= list.length) return document;
  const [item] = list.splice(index, 1);
  list.splice(to, 0, item);
  return copy;
}

export function append(
  document: ProfileDocument,
  listPath: IssuePath,
  item: unknown,
): ProfileDocument {
  const { copy, list } = listAt(document, listPath);
  list.push(item);
  return copy;
}

/** Marks one item of a list as the default and every other as not. */
export function makeDefault(
  document: ProfileDocument,
  listPath: IssuePath,
  index: number,
): ProfileDocument {
  const { copy, list } = listAt(document, listPath);
  list.forEach((item, i) => ((item as { default: boolean }).default = i === index));
  return copy;
}

function unique(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) if (!taken.includes(`${base}-${n}`)) return `${base}-${n}`;
}

export function newProfile(
  document: ProfileDocument,
  nodeGroup: string | undefined,
): EditableProfile {
  const slug = unique(
    "new-profile",
    document.profiles.map((p) => p.slug),
  );
  return {
    slug,
    display_name: "New profile",
    default: document.profiles.length === 0,
    groups: [],
    settings: nodeGroup ? { node_group: nodeGroup } : {},
    options: [],
  };
}

export function newOption(profile: EditableProfile): EditableOption {
  const key = unique(
    "image",
    profile.options.map((o) => o.key),
  );
  return { key, display_name: "Image", choices: [], unlisted: { enabled: false } };
}

export function newChoice(option: EditableOption): EditableChoice {
  const key = unique(
    "choice",
    option.choices.map((c) => c.key),
  );
  return { key, display_name: "New choice", default: option.choices.length === 0, settings: {} };
}
