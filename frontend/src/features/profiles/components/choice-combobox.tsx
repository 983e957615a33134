import { useId, useRef, useState, type KeyboardEvent } from "react";
import type { OptionEntry } from "../option-entries.ts";
import { matchesFilter } from "../text-filter.ts";

export interface ChoiceComboboxProps {
  id: string;
  entries: readonly OptionEntry[];
  value: string | null;
  /** Entries that cannot be chosen right now (e.g. building while the companion is away). */
  disabledKeys?: ReadonlySet<string>;
  describedBy?: string;
  onChange: (key: string) => void;
}

/**
 * A searchable list of choices: the WAI-ARIA editable combobox with list autocomplete
 * (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/examples/combobox-autocomplete-list/).
 * Closed, it looks and sits exactly like the glue's <select class="form-select"> it replaces.
 * Typing filters by name and description; Down/Up move, Enter picks, Escape closes and restores.
 */
export function ChoiceCombobox({
  id,
  entries,
  value,
  disabledKeys,
  describedBy,
  onChange,
}: ChoiceComboboxProps) {
  const listId = useId();
  const [query, setQuery] = useState<string | null>(null);
  const [active, setActive] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const open = query !== null;
  const selected = entries.find((entry) => entry.key === value);
  const shown = query
    ? entries.filter((e) => matchesFilter(query, e.label, e.description))
    : entries;
  const pickable = shown.filter((entry) => !disabledKeys?.has(entry.key));
  const optionId = (key: string) => `${listId}-${entries.findIndex((e) => e.key === key)}`;

  function openList(text: string) {
    setQuery(text);
    const matches = text
      ? entries.filter((e) => matchesFilter(text, e.label, e.description))
      : entries;
    const first = matches.find((e) => !disabledKeys?.has(e.key));
    setActive(text ? (first?.key ?? null) : (value ?? first?.key ?? null));
  }

  function close() {
    setQuery(null);
    setActive(null);
  }

  function pick(key: string) {
    if (disabledKeys?.has(key)) return;
    onChange(key);
    close();
  }

  function move(step: number) {
    if (!open) return openList("");
    const index = pickable.findIndex((entry) => entry.key === active);
    const next = pickable[(index + step + pickable.length) % pickable.length];
    if (next) setActive(next.key);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.nativeEvent.isComposing) return;
    if (event.key === "ArrowDown") move(1);
    else if (event.key === "ArrowUp") move(-1);
    else if (event.key === "Enter" && open) {
      // Enter picks; it must not submit the hub's spawn form (implicit submission).
      if (active) pick(active);
      else close();
    } else if (event.key === "Escape" && open) close();
    else return;
    event.preventDefault();
  }

  return (
    <div className="lp-combobox">
      <input
        ref={inputRef}
        id={id}
        type="text"
        className="form-select"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && active ? optionId(active) : undefined}
        aria-describedby={describedBy}
        value={open ? query : (selected?.label ?? "")}
        // Open, the box is for searching; what is chosen still shows, greyed.
        placeholder={selected?.label}
        // Typing replaces the chosen name rather than adding to it.
        onFocus={(event) => event.currentTarget.select()}
        onChange={(event) => {
          const text = event.target.value;
          // Typed after the chosen name (the caret at its end): only the typed part searches.
          const label = selected?.label ?? "";
          openList(!open && label && text.startsWith(label) ? text.slice(label.length) : text);
        }}
        onClick={() => !open && openList("")}
        onKeyDown={onKeyDown}
        onBlur={close}
      />
      <ul id={listId} role="listbox" className="lp-listbox" hidden={!open} aria-label="Choices">
        {shown.map((entry) => {
          const disabled = disabledKeys?.has(entry.key) ?? false;
          const entryId = optionId(entry.key);
          return (
            <li
              key={entry.key}
              id={entryId}
              role="option"
              aria-selected={entry.key === value}
              aria-disabled={disabled || undefined}
              aria-labelledby={`${entryId}-label`}
              aria-describedby={entry.description ? `${entryId}-desc` : undefined}
              data-active={entry.key === active || undefined}
              // Keeps the focus in the input, which would otherwise blur and close the list first.
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => pick(entry.key)}
            >
              <span id={`${entryId}-label`}>{entry.label}</span>
              {entry.description && (
                <span id={`${entryId}-desc`} className="form-text">
                  {entry.description}
                </span>
              )}
            </li>
          );
        })}
        {shown.length === 0 && <li className="lp-listbox-empty">No choice matches “{query}”.</li>}
      </ul>
    </div>
  );
}
