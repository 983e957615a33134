import { useState } from "react";
import type { EditableProfile } from "../../../../../contract/profile-editor/schema.ts";
import { append, makeDefault, moveAt, newOption, removeAt } from "../model/edit-document.ts";
import { fieldId } from "../model/labels.ts";
import { useEditor } from "./editor-context.tsx";
import { IssuesAt, TextField } from "./fields.tsx";
import { OptionEditor } from "./option-editor.tsx";
import { SettingsFields } from "./settings-fields.tsx";

function errorsUnder(issues: ReadonlyMap<string, { severity: string }[]>, prefix: string): number {
  let count = 0;
  for (const [key, list] of issues)
    if (key === prefix || key.startsWith(`${prefix}.`))
      count += list.filter((i) => i.severity === "error").length;
  return count;
}

/** One profile, folded to its name until opened. */
export function ProfileEditor({
  profile,
  index,
  count,
}: {
  profile: EditableProfile;
  index: number;
  count: number;
}) {
  const { document, change, set, issues } = useEditor();
  const path = ["profiles", index];
  const name = profile.display_name || profile.slug || `Profile ${index + 1}`;
  const errors = errorsUnder(issues, path.join("."));
  const groupsId = fieldId([...path, "groups"]);
  // The text as typed ("staff, "), the list as parsed: a trailing comma is not an empty group.
  const [groupsText, setGroupsText] = useState(profile.groups.join(", "));
  return (
    <details className="pe-profile" open={errors > 0 || undefined}>
      <summary>
        <span className="pe-profile-name">{name}</span>
        {profile.default && <span className="pe-badge">default</span>}
        {profile.groups.length > 0 && <span className="pe-badge">{profile.groups.join(", ")}</span>}
        {errors > 0 && (
          <span className="pe-badge pe-badge-error">
            {errors === 1 ? "1 problem" : `${errors} problems`}
          </span>
        )}
      </summary>
      <div className="pe-profile-body">
        <IssuesAt path={path} />
        <div className="pe-row">
          <TextField label="Name" path={[...path, "display_name"]} />
          <TextField
            label="Slug"
            path={[...path, "slug"]}
            code
            hint="Saved in users' options; keep it stable."
          />
        </div>
        <TextField label="Description (HTML)" path={[...path, "description"]} multiline />
        <div className="pe-field pe-check">
          <input
            type="radio"
            id={`${fieldId(path)}-default`}
            name="pe-default-profile"
            checked={profile.default}
            onChange={() => change(makeDefault(document, ["profiles"], index))}
          />
          <label htmlFor={`${fieldId(path)}-default`}>Default profile</label>
        </div>
        <div className="pe-field">
          <label htmlFor={groupsId}>Hub groups that see it</label>
          <input
            type="text"
            id={groupsId}
            value={groupsText}
            onChange={(e) => {
              setGroupsText(e.target.value);
              set(
                [...path, "groups"],
                e.target.value
                  .split(",")
                  .map((g) => g.trim())
                  .filter((g) => g !== ""),
              );
            }}
            aria-describedby={`${groupsId}-hint`}
            autoComplete="off"
          />
          <p className="pe-hint" id={`${groupsId}-hint`}>
            Comma-separated. Empty: everyone. Others neither see nor can start it.
          </p>
        </div>
        <h3 className="pe-subhead">Settings</h3>
        <SettingsFields path={[...path, "settings"]} settings={profile.settings} scope="profile" />
        <h3 className="pe-subhead">Options</h3>
        <IssuesAt path={[...path, "options"]} />
        {profile.options.map((option, o) => (
          <OptionEditor
            key={o}
            option={option}
            path={[...path, "options", o]}
            index={o}
            count={profile.options.length}
          />
        ))}
        <div className="pe-actions">
          <button
            type="button"
            onClick={() => change(append(document, [...path, "options"], newOption(profile)))}
          >
            Add an option to {name}
          </button>
          <button
            type="button"
            onClick={() => change(moveAt(document, ["profiles"], index, -1))}
            disabled={index === 0}
            aria-label={`Move up: profile ${name}`}
          >
            Move up
          </button>
          <button
            type="button"
            onClick={() => change(moveAt(document, ["profiles"], index, 1))}
            disabled={index === count - 1}
            aria-label={`Move down: profile ${name}`}
          >
            Move down
          </button>
          <button
            type="button"
            className="pe-danger"
            onClick={() => {
              if (
                window.confirm(
                  `Remove the profile ${name}? It stays in the published version until you publish.`,
                )
              )
                change(removeAt(document, ["profiles"], index));
            }}
            aria-label={`Remove profile ${name}`}
          >
            Remove profile
          </button>
        </div>
      </div>
    </details>
  );
}
