import { memo, type ReactNode } from "react";
import type { Profile } from "../../../../../contract/spawn-page.ts";
import { useAdminHtml } from "../../../lib/admin-html.ts";
import { optionId, profileId } from "../ids.ts";
import { optionSelection, selectedProfile } from "../profile-form-model.ts";
import { onRadioGroupKeyDown } from "../radio-keys.ts";
import type { ProfileForm } from "../use-profile-form.ts";
import { OptionField } from "./option-field.tsx";

interface ProfileCardProps {
  profile: Profile;
  index: number;
  selected: boolean;
  single: boolean;
  onSelect: (slug: string) => void;
  /** The options, only for the selected profile: with 50 profiles the others stay cheap. */
  children?: ReactNode;
}

const ProfileCard = memo(function ProfileCard({
  profile,
  index,
  selected,
  single,
  onSelect,
  children,
}: ProfileCardProps) {
  const id = profileId(index);
  const description = useAdminHtml(profile.description);
  const descriptionId = description ? `${id}-desc` : undefined;
  return (
    <div className="lp-card" data-selected={selected || undefined}>
      {single ? (
        <h2 className="lp-title" id={id}>
          {profile.display_name}
        </h2>
      ) : (
        <div className="lp-card-head">
          <input
            type="radio"
            id={id}
            data-group="profile"
            checked={selected}
            tabIndex={selected ? 0 : -1}
            aria-describedby={descriptionId}
            onChange={() => onSelect(profile.slug)}
          />
          <label htmlFor={id} className="lp-title">
            {profile.display_name}
          </label>
        </div>
      )}
      {/* Admin-written HTML, sanitised: formatting and links only. */}
      {description &&
        ("html" in description ? (
          <div
            id={descriptionId}
            className="lp-desc"
            dangerouslySetInnerHTML={{ __html: description.html }}
          />
        ) : (
          <div id={descriptionId} className="lp-desc">
            {description.text}
          </div>
        ))}
      {children}
    </div>
  );
});

export function ProfilePicker({ form, strict }: { form: ProfileForm; strict: boolean }) {
  const { profiles, state, selectProfile, setSelection } = form;
  const current = selectedProfile(profiles, state);
  const single = profiles.length === 1;
  const cards = profiles.map((profile, index) => {
    const selected = profile === current;
    return (
      <ProfileCard
        key={profile.slug}
        profile={profile}
        index={index}
        selected={selected}
        single={single}
        onSelect={selectProfile}
      >
        {selected && profile.profile_options.length > 0 && (
          <div className="lp-options">
            {profile.profile_options.map((option, optionIndex) => (
              <OptionField
                key={option.key}
                profileSlug={profile.slug}
                option={option}
                selection={optionSelection(state, profile.slug, option)}
                idBase={optionId(index, optionIndex)}
                strict={strict}
                onChange={setSelection}
              />
            ))}
          </div>
        )}
      </ProfileCard>
    );
  });
  if (single) return <section className="lp-profiles">{cards}</section>;
  return (
    <fieldset className="lp-profiles" onKeyDown={onRadioGroupKeyDown}>
      <legend>Choose what to start</legend>
      {cards}
    </fieldset>
  );
}
