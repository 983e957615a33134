import { useId, useState } from "react";
import { previewProfiles } from "../../../../../contract/profile-editor/preview.ts";
import type {
  ProfileBounds,
  ProfileDocument,
} from "../../../../../contract/profile-editor/schema.ts";
import type { Profile } from "../../../../../contract/spawn-page.ts";
import { ProfilePicker } from "../../profiles/components/profile-picker.tsx";
import type { BuildAvailability } from "../../profiles/components/option-field.tsx";
import { initialFormState } from "../../profiles/profile-form-model.ts";
import { useProfileForm } from "../../profiles/use-profile-form.ts";

const NO_GROUP = "";

/** The spawn page's own picker, showing what a member of a chosen group would see. */
export function PreviewView({
  document,
  bounds,
}: {
  document: ProfileDocument;
  bounds: ProfileBounds;
}) {
  const id = useId();
  const groups = [...new Set(document.profiles.flatMap((p) => p.groups))].sort();
  const [group, setGroup] = useState(NO_GROUP);
  const profiles = previewProfiles(document, bounds, group === NO_GROUP ? [] : [group]);
  return (
    <section className="pe-preview" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Preview</h2>
      <div className="pe-field">
        <label htmlFor={`${id}-group`}>See the spawn page as</label>
        <select id={`${id}-group`} value={group} onChange={(e) => setGroup(e.target.value)}>
          <option value={NO_GROUP}>a user in none of the groups below</option>
          {groups.map((g) => (
            <option key={g} value={g}>
              a member of {g}
            </option>
          ))}
        </select>
      </div>
      {profiles.length === 0 ? (
        <p>This user sees no profiles and starts with the hub's own defaults.</p>
      ) : (
        // A new key per list: the picker's state starts over when the group changes.
        <div
          className="launchpad pe-preview-page"
          key={`${group}:${profiles.map((p) => p.slug).join(",")}`}
        >
          <PreviewPicker profiles={profiles} />
        </div>
      )}
    </section>
  );
}

/** The preview builds nothing; "Build from a repository" says where building happens. */
const PREVIEW_BUILD: BuildAvailability = {
  enabled: false,
  description: "On the spawn page: from GitHub, GitLab, Zenodo and more.",
};

function PreviewPicker({ profiles }: { profiles: Profile[] }) {
  const form = useProfileForm(profiles, () => initialFormState(profiles, {}));
  return <ProfilePicker form={form} strict={false} build={PREVIEW_BUILD} />;
}
