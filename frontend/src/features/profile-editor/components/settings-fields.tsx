/**
 * The bounded settings of a profile or a choice: image, node group, CPU, memory, GPUs. Nothing
 * else reaches KubeSpawner from the editor; the companion turns these into overrides.
 */
import type { IssuePath, ProfileSettings } from "../../../../../contract/profile-editor/schema.ts";
import { fieldId } from "../model/labels.ts";
import { useEditor } from "./editor-context.tsx";
import { IssueList, TextField } from "./fields.tsx";

interface SettingsFieldsProps {
  path: IssuePath;
  settings: ProfileSettings;
  /** "the profile" or "this choice": how the inherit entry reads. */
  scope: "profile" | "choice";
}

export function SettingsFields({ path, settings, scope }: SettingsFieldsProps) {
  const { bounds, set, issuesAt } = useEditor();
  const groups = bounds.node_groups;
  const group = groups.find((g) => g.name === settings.node_group);
  const nodeGroupPath = [...path, "node_group"];
  const nodeGroupId = fieldId(nodeGroupPath);
  const nodeGroupIssues = issuesAt(nodeGroupPath);
  const ceiling = group
    ? `At most ${group.max_cpu} cores and ${group.max_memory} of memory${group.max_gpu > 0 ? `, ${group.max_gpu} GPU${group.max_gpu > 1 ? "s" : ""}` : ""} on ${group.display_name}.`
    : undefined;
  return (
    <div className="pe-settings">
      <TextField
        label="Image"
        path={[...path, "image"]}
        code
        placeholder={scope === "choice" ? "unchanged" : "the hub's default image"}
        hint={
          bounds.allowed_images.length > 0 ? `Under ${bounds.allowed_images.join(", ")}` : undefined
        }
      />
      {groups.length > 0 && (
        <>
          <div className="pe-field">
            <label htmlFor={nodeGroupId}>Node group</label>
            <select
              id={nodeGroupId}
              value={settings.node_group ?? ""}
              onChange={(e) => set(nodeGroupPath, e.target.value)}
              aria-invalid={nodeGroupIssues.some((i) => i.severity === "error") || undefined}
              aria-describedby={
                [
                  ceiling ? `${nodeGroupId}-hint` : "",
                  nodeGroupIssues.length ? `${nodeGroupId}-issues` : "",
                ]
                  .filter(Boolean)
                  .join(" ") || undefined
              }
            >
              <option value="">{scope === "choice" ? "unchanged" : "not set"}</option>
              {groups.map((g) => (
                <option key={g.name} value={g.name}>
                  {g.display_name}
                </option>
              ))}
            </select>
            {ceiling && (
              <p className="pe-hint" id={`${nodeGroupId}-hint`}>
                {ceiling}
              </p>
            )}
            <IssueList id={`${nodeGroupId}-issues`} issues={nodeGroupIssues} />
          </div>
          <div className="pe-row">
            <TextField
              label="CPU guarantee (cores)"
              path={[...path, "cpu_guarantee"]}
              inputMode="decimal"
              placeholder="e.g. 0.5"
            />
            <TextField
              label="CPU limit (cores)"
              path={[...path, "cpu_limit"]}
              inputMode="decimal"
              placeholder="e.g. 2"
            />
          </div>
          <div className="pe-row">
            <TextField
              label="Memory guarantee"
              path={[...path, "mem_guarantee"]}
              placeholder="e.g. 2G"
            />
            <TextField label="Memory limit" path={[...path, "mem_limit"]} placeholder="e.g. 4G" />
          </div>
          {groups.some((g) => g.max_gpu > 0) && (
            <TextField label="GPUs" path={[...path, "gpu"]} inputMode="numeric" placeholder="0" />
          )}
        </>
      )}
    </div>
  );
}
