import { memo } from "react";
import {
  UNLISTED_CHOICE_SENTINEL,
  type ProfileOption,
} from "../../../../../contract/spawn-page.ts";
import { optionError, usesUnlisted, type OptionSelection } from "../profile-form-model.ts";
import { onRadioGroupKeyDown } from "../radio-keys.ts";

/** Few choices read best as radios; a long list (generated CPU/memory steps) as a select. */
const MAX_RADIOS = 5;

interface OptionFieldProps {
  profileSlug: string;
  option: ProfileOption;
  selection: OptionSelection;
  idBase: string;
  /** After a refused submit, empty required text counts as an error too. */
  strict: boolean;
  onChange: (profileSlug: string, optionKey: string, change: Partial<OptionSelection>) => void;
}

export const OptionField = memo(function OptionField({
  profileSlug,
  option,
  selection,
  idBase,
  strict,
  onChange,
}: OptionFieldProps) {
  const unlisted = option.unlisted_choice;
  const entries = option.choices.map((c) => ({
    key: c.key,
    label: c.display_name,
    description: c.description,
  }));
  if (unlisted.enabled && entries.length) {
    entries.push({
      key: UNLISTED_CHOICE_SENTINEL,
      label: unlisted.display_name_in_choices ?? "Other...",
      description: undefined,
    });
  }
  const showText = usesUnlisted(option, selection);
  const error = showText ? optionError(option, selection, strict) : null;
  const textId = `${idBase}-text`;
  const errorId = `${idBase}-error`;
  const choose = (choice: string) => onChange(profileSlug, option.key, { choice });

  const text = showText && (
    <div className="lp-other">
      <label htmlFor={textId}>
        {unlisted.display_name || unlisted.display_name_in_choices || option.display_name}
      </label>
      <input
        type="text"
        id={textId}
        value={selection.unlisted}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(e) => onChange(profileSlug, option.key, { unlisted: e.target.value })}
      />
      {error && (
        <p id={errorId} className="lp-error">
          {error}
        </p>
      )}
    </div>
  );

  if (!entries.length) {
    return <div className="lp-option">{text}</div>;
  }
  if (entries.length > MAX_RADIOS && !entries.some((e) => e.description)) {
    return (
      <div className="lp-option">
        <label htmlFor={idBase}>{option.display_name}</label>
        <select id={idBase} value={selection.choice ?? ""} onChange={(e) => choose(e.target.value)}>
          {entries.map((entry) => (
            <option key={entry.key} value={entry.key}>
              {entry.label}
            </option>
          ))}
        </select>
        {text}
      </div>
    );
  }
  const checkedIndex = Math.max(
    0,
    entries.findIndex((e) => e.key === selection.choice),
  );
  return (
    <fieldset className="lp-option" onKeyDown={onRadioGroupKeyDown}>
      <legend>{option.display_name}</legend>
      {entries.map((entry, index) => {
        const id = `${idBase}-c${index}`;
        return (
          <div className="lp-choice" key={entry.key}>
            <input
              type="radio"
              id={id}
              data-group={idBase}
              checked={entry.key === selection.choice}
              tabIndex={index === checkedIndex ? 0 : -1}
              aria-describedby={entry.description ? `${id}-desc` : undefined}
              onChange={() => choose(entry.key)}
            />
            <label htmlFor={id}>{entry.label}</label>
            {entry.description && (
              <span id={`${id}-desc`} className="lp-hint">
                {entry.description}
              </span>
            )}
          </div>
        );
      })}
      {text}
    </fieldset>
  );
});
