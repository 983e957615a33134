import { memo, useMemo, useState, type ReactNode } from "react";
import {
  MAX_PROFILE_CARDS,
  type Profile,
  type ProfileOption,
} from "../../../../../contract/spawn-page.ts";
import { plainText, useAdminHtml } from "../../../lib/admin-html.ts";
import { optionId, profileId } from "../ids.ts";
import { canBuildImage } from "../option-entries.ts";
import { optionSelection, selectedProfile } from "../profile-form-model.ts";
import { onRadioGroupKeyDown } from "../radio-keys.ts";
import { matchesFilter } from "../text-filter.ts";
import type { ProfileForm } from "../use-profile-form.ts";
import { OptionField, type BuildAvailability } from "./option-field.tsx";

export interface ProfilePickerProps {
  form: ProfileForm;
  strict: boolean;
  build: BuildAvailability;
  /** The build form for an option whose "Build from a repository" is chosen. */
  buildPanel?: (profile: Profile, option: ProfileOption) => ReactNode;
}

function Description({ id, html }: { id: string; html: string | undefined }) {
  const description = useAdminHtml(html);
  if (!description) return null;
  // Admin-written HTML, sanitised: formatting and links only.
  return "html" in description ? (
    <div
      id={id}
      className="form-text mt-0 lp-desc"
      dangerouslySetInnerHTML={{ __html: description.html }}
    />
  ) : (
    <div id={id} className="form-text mt-0 lp-desc">
      {description.text}
    </div>
  );
}

interface ProfileHeadProps {
  profile: Profile;
  index: number;
  selected: boolean;
  single: boolean;
  onSelect: (slug: string) => void;
}

/** The profile's radio (none when it is the only one), name and description. */
const ProfileHead = memo(function ProfileHead({
  profile,
  index,
  selected,
  single,
  onSelect,
}: ProfileHeadProps) {
  const id = profileId(index);
  const descriptionId = profile.description ? `${id}-desc` : undefined;
  if (single) {
    return (
      <div className="lp-head">
        <h2 className="h5 mb-1 lp-title">{profile.display_name}</h2>
        <Description id={`${id}-desc`} html={profile.description} />
      </div>
    );
  }
  return (
    <div className="form-check lp-head">
      <input
        className="form-check-input"
        type="radio"
        id={id}
        data-group="profile"
        checked={selected}
        tabIndex={selected ? 0 : -1}
        aria-describedby={descriptionId}
        onChange={() => onSelect(profile.slug)}
      />
      <label className="form-check-label lp-title" htmlFor={id}>
        {profile.display_name}
      </label>
      <Description id={`${id}-desc`} html={profile.description} />
    </div>
  );
});

/**
 * The profiles, laid out as the glue's server-rendered form lays them out (launchpad_glue.py
 * server_form): a few as cards with the selected one's options inside; more as a filter and a
 * scrolling list, the selected profile's options in a card below it.
 */
export function ProfilePicker({ form, strict, build, buildPanel }: ProfilePickerProps) {
  const { profiles, state, selectProfile, setSelection } = form;
  const current = selectedProfile(profiles, state);
  const currentIndex = profiles.indexOf(current);
  const single = profiles.length === 1;
  const [filter, setFilter] = useState("");
  // Names and descriptions as text, once per profile list (descriptions may hold markup).
  const searchable = useMemo(
    () => profiles.map((p) => [p.display_name, p.description && plainText(p.description)]),
    [profiles],
  );

  const options = current.profile_options.length > 0 && (
    <div className="lp-options mt-3">
      {current.profile_options.map((option, optionIndex) => (
        <OptionField
          key={option.key}
          profileSlug={current.slug}
          option={option}
          selection={optionSelection(state, current.slug, option)}
          idBase={optionId(currentIndex, optionIndex)}
          strict={strict}
          onChange={setSelection}
          build={build}
          buildPanel={canBuildImage(option) ? buildPanel?.(current, option) : undefined}
        />
      ))}
    </div>
  );
  const head = (profile: Profile, index: number) => (
    <ProfileHead
      profile={profile}
      index={index}
      selected={profile === current}
      single={single}
      onSelect={selectProfile}
    />
  );

  if (profiles.length <= MAX_PROFILE_CARDS) {
    const cards = profiles.map((profile, index) => (
      <div
        className="card mb-2 lp-card"
        key={profile.slug}
        data-selected={(!single && profile === current) || undefined}
        // The whole card picks its profile, as the radio does.
        onClick={(event) => {
          if (profile !== current && !(event.target as Element).closest("a, input, button"))
            selectProfile(profile.slug);
        }}
      >
        <div className="card-body">
          {head(profile, index)}
          {profile === current && options}
        </div>
      </div>
    ));
    if (single) return <div className="lp-profiles">{cards}</div>;
    return (
      <fieldset className="lp-profiles" onKeyDown={onRadioGroupKeyDown}>
        <legend className="h5 lp-legend">Choose what to start</legend>
        {cards}
      </fieldset>
    );
  }

  const visible = profiles.map((_, index) => matchesFilter(filter, ...(searchable[index] ?? [])));
  const count = visible.filter(Boolean).length;
  return (
    <>
      <fieldset className="lp-profiles" onKeyDown={onRadioGroupKeyDown}>
        <legend className="h5 lp-legend">Choose what to start</legend>
        <input
          type="search"
          className="form-control mb-2 lp-filter"
          placeholder={`Filter ${profiles.length} profiles by name or description`}
          aria-label="Filter profiles"
          aria-describedby="lp-filter-count"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
          onKeyDown={(event) => {
            // Down from the filter goes to the list, as from a search box to its results.
            if (event.key !== "ArrowDown") return;
            const list = event.currentTarget.parentElement;
            const radios = [...(list?.querySelectorAll<HTMLInputElement>(".lp-row input") ?? [])];
            const target =
              radios.find((r) => r.checked && !r.closest("[hidden]")) ??
              radios.find((r) => !r.closest("[hidden]"));
            if (target) {
              event.preventDefault();
              target.focus();
            }
          }}
        />
        <p id="lp-filter-count" className="visually-hidden" aria-live="polite">
          {filter ? `${count} of ${profiles.length} profiles match.` : ""}
        </p>
        <div className="lp-list card mb-2">
          <div className="list-group list-group-flush">
            {profiles.map((profile, index) => (
              <div className="list-group-item lp-row" key={profile.slug} hidden={!visible[index]}>
                {head(profile, index)}
              </div>
            ))}
            {count === 0 && (
              <p className="list-group-item form-text mb-0">No profile matches “{filter}”.</p>
            )}
          </div>
        </div>
      </fieldset>
      <div className="card mb-2 lp-card lp-selected" data-selected>
        <div className="card-body">
          <h2 className="h6 mb-0 lp-title">{current.display_name}</h2>
          {options}
        </div>
      </div>
    </>
  );
}
