import { memo, type ReactNode } from "react";
import {
  UNLISTED_CHOICE_SENTINEL,
  type ProfileOption,
} from "../../../../../contract/spawn-page.ts";
import { BUILD_CHOICE, optionEntries, showsAsList } from "../option-entries.ts";
import { optionError, usesUnlisted, type OptionSelection } from "../profile-form-model.ts";
import { onRadioGroupKeyDown } from "../radio-keys.ts";
import { ChoiceCombobox } from "./choice-combobox.tsx";

/** Whether "Build from a repository" can be chosen now, and what it says under its name. */
export interface BuildAvailability {
  enabled: boolean;
  description: string;
}

/** Before the page knows whether the companion builds: the glue's server-rendered form says the same. */
export const BUILD_PENDING: BuildAvailability = {
  enabled: false,
  description: "Available once the page has loaded.",
};

interface OptionFieldProps {
  profileSlug: string;
  option: ProfileOption;
  selection: OptionSelection;
  idBase: string;
  /** After a refused submit, empty required text counts as an error too. */
  strict: boolean;
  onChange: (profileSlug: string, optionKey: string, change: Partial<OptionSelection>) => void;
  build: BuildAvailability;
  /** The build form, shown under the choices while "Build from a repository" is chosen. */
  buildPanel?: ReactNode;
}

/**
 * One option, laid out as the glue's server-rendered form lays it out (launchpad_glue.py
 * _option_field), so the page takes it over without moving anything: a few entries as radios with
 * each description inside its own choice, more as a searchable list; the free text below.
 */
export const OptionField = memo(function OptionField({
  profileSlug,
  option,
  selection,
  idBase,
  strict,
  onChange,
  build,
  buildPanel,
}: OptionFieldProps) {
  const unlisted = option.unlisted_choice;
  const entries = optionEntries(option);
  const showText = usesUnlisted(option, selection);
  const error = optionError(option, selection, strict);
  const textId = `${idBase}-text`;
  const errorId = `${idBase}-error`;
  const choose = (choice: string) => onChange(profileSlug, option.key, { choice });
  const building = selection.choice === BUILD_CHOICE;
  const current = selection.choice ?? (entries.length ? UNLISTED_CHOICE_SENTINEL : null);
  const disabled = new Set(build.enabled ? [] : [BUILD_CHOICE]);
  const describe = (key: string, description: string | undefined) =>
    key === BUILD_CHOICE ? build.description : description;

  const errorText = error && (
    <div id={errorId} className="invalid-feedback d-block">
      {error}
    </div>
  );
  const text = (label: string, className: string) => (
    <div className={className}>
      {label && (
        <label className="form-label" htmlFor={textId}>
          {label}
        </label>
      )}
      <input
        type="text"
        id={textId}
        className={`form-control${error && showText ? " is-invalid" : ""}`}
        value={selection.unlisted}
        placeholder=" "
        autoComplete="off"
        spellCheck={false}
        aria-invalid={error && showText ? true : undefined}
        aria-describedby={error && showText ? errorId : undefined}
        onChange={(e) => onChange(profileSlug, option.key, { unlisted: e.target.value })}
      />
      {showText && errorText}
    </div>
  );
  const otherLabel = unlisted.display_name || unlisted.display_name_in_choices || "";
  const below = (
    <>
      {showText && entries.length > 0 && text(otherLabel, "lp-other mt-2")}
      {/* Kept while another entry is chosen, so a running build is not dropped. */}
      {buildPanel && (
        <div className="lp-build mt-2 ms-sm-4" hidden={!building}>
          {buildPanel}
        </div>
      )}
      {building && errorText}
    </>
  );

  if (!entries.length) {
    return (
      <div className="lp-field row mb-2">
        <label className="col-form-label col-sm-3 pt-0" htmlFor={textId}>
          {otherLabel || option.display_name}
        </label>
        <div className="col-sm-9">{text("", "")}</div>
      </div>
    );
  }
  if (showsAsList(entries)) {
    const description = describe(
      current ?? "",
      entries.find((e) => e.key === current)?.description,
    );
    const listEntries = entries.map((e) => ({ ...e, description: describe(e.key, e.description) }));
    return (
      <div className="lp-field row mb-2">
        <label className="col-form-label col-sm-3 pt-0" htmlFor={idBase}>
          {option.display_name}
        </label>
        <div className="col-sm-9">
          <ChoiceCombobox
            id={idBase}
            entries={listEntries}
            value={current}
            disabledKeys={disabled}
            describedBy={`${idBase}-desc`}
            onChange={choose}
          />
          <div id={`${idBase}-desc`} className="form-text lp-choice-desc">
            {description}
          </div>
          {below}
        </div>
      </div>
    );
  }
  return (
    <fieldset className="lp-field row mb-2" onKeyDown={onRadioGroupKeyDown}>
      <legend className="col-form-label col-sm-3 pt-0">{option.display_name}</legend>
      <div className="col-sm-9">
        {entries.map((entry, index) => {
          const suffix =
            entry.key === UNLISTED_CHOICE_SENTINEL
              ? "other"
              : entry.key === BUILD_CHOICE
                ? "build"
                : String(index);
          const id = `${idBase}-${suffix}`;
          const description = describe(entry.key, entry.description);
          const kind =
            entry.key === UNLISTED_CHOICE_SENTINEL
              ? " lp-other-choice"
              : entry.key === BUILD_CHOICE
                ? " lp-needs-page"
                : "";
          const checked = entry.key === current;
          return (
            <div className={`form-check lp-choice${kind}`} key={entry.key}>
              <input
                className={`form-check-input${kind}`}
                type="radio"
                id={id}
                data-group={idBase}
                checked={checked}
                disabled={disabled.has(entry.key)}
                tabIndex={checked ? 0 : -1}
                aria-describedby={description ? `${id}-desc` : undefined}
                onChange={() => choose(entry.key)}
              />
              <label className="form-check-label" htmlFor={id}>
                {entry.label}
              </label>
              {description && (
                <div id={`${id}-desc`} className="form-text mt-0">
                  {description}
                </div>
              )}
            </div>
          );
        })}
        {below}
      </div>
    </fieldset>
  );
});
