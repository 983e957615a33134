import type { EditableOption, IssuePath } from "../../../../../contract/profile-editor/schema.ts";
import { append, makeDefault, moveAt, newChoice, removeAt } from "../model/edit-document.ts";
import { fieldId } from "../model/labels.ts";
import { useEditor } from "./editor-context.tsx";
import { CheckboxField, IssuesAt, TextField } from "./fields.tsx";
import { SettingsFields } from "./settings-fields.tsx";

interface OptionEditorProps {
  option: EditableOption;
  path: IssuePath;
  index: number;
  count: number;
}

/** One option of a profile: its choices, each with its own settings, and free text for images. */
export function OptionEditor({ option, path, index, count }: OptionEditorProps) {
  const { document, change } = useEditor();
  const listPath = path.slice(0, -1);
  const choicesPath = [...path, "choices"];
  const name = option.display_name || option.key;
  const defaultName = `${fieldId(path)}-default`;
  return (
    <fieldset className="pe-option">
      <legend>Option: {name}</legend>
      <IssuesAt path={path} />
      <div className="pe-row">
        <TextField label="Name" path={[...path, "display_name"]} />
        <TextField
          label="Key"
          path={[...path, "key"]}
          code
          hint="Saved in users' options; keep it stable."
        />
      </div>
      <h4 className="pe-subhead">Choices</h4>
      <IssuesAt path={choicesPath} />
      {option.choices.length === 0 && <p className="pe-empty">No choices: users type a value.</p>}
      <ol className="pe-choices">
        {option.choices.map((choice, c) => {
          const choicePath = [...choicesPath, c];
          const choiceName = choice.display_name || choice.key;
          return (
            <li key={c} className="pe-choice">
              <div className="pe-row">
                <TextField label="Name" path={[...choicePath, "display_name"]} />
                <TextField label="Key" path={[...choicePath, "key"]} code />
              </div>
              <TextField label="Description" path={[...choicePath, "description"]} />
              <div className="pe-field pe-check">
                <input
                  type="radio"
                  id={`${fieldId(choicePath)}-default`}
                  name={defaultName}
                  checked={choice.default}
                  onChange={() => change(makeDefault(document, choicesPath, c))}
                />
                <label htmlFor={`${fieldId(choicePath)}-default`}>Default choice</label>
              </div>
              <SettingsFields
                path={[...choicePath, "settings"]}
                settings={choice.settings}
                scope="choice"
              />
              <div className="pe-actions">
                <button
                  type="button"
                  onClick={() => change(moveAt(document, choicesPath, c, -1))}
                  disabled={c === 0}
                  aria-label={`Move up: ${choiceName}`}
                >
                  Move up
                </button>
                <button
                  type="button"
                  onClick={() => change(moveAt(document, choicesPath, c, 1))}
                  disabled={c === option.choices.length - 1}
                  aria-label={`Move down: ${choiceName}`}
                >
                  Move down
                </button>
                <button
                  type="button"
                  className="pe-danger"
                  onClick={() => change(removeAt(document, choicesPath, c))}
                  aria-label={`Remove choice ${choiceName}`}
                >
                  Remove
                </button>
              </div>
            </li>
          );
        })}
      </ol>
      <button
        type="button"
        onClick={() => change(append(document, choicesPath, newChoice(option)))}
      >
        Add a choice to {name}
      </button>
      <h4 className="pe-subhead">Free text</h4>
      <CheckboxField
        label="Users may type an image instead"
        path={[...path, "unlisted", "enabled"]}
      />
      <IssuesAt path={[...path, "unlisted"]} />
      {option.unlisted.enabled && (
        <div className="pe-unlisted">
          <TextField
            label="Label"
            path={[...path, "unlisted", "display_name"]}
            placeholder="Other..."
          />
          <TextField
            label="Pattern (Python regex)"
            path={[...path, "unlisted", "validation_regex"]}
            code
            hint="Matched with Python's re.match, from the start. The allowed registries apply in any case."
          />
          <TextField
            label="Message when it does not match"
            path={[...path, "unlisted", "validation_message"]}
          />
          <CheckboxField
            label="Let users build the image from a repository"
            path={[...path, "unlisted", "dynamic_image_building"]}
          />
        </div>
      )}
      <div className="pe-actions">
        <button
          type="button"
          onClick={() => change(moveAt(document, listPath, index, -1))}
          disabled={index === 0}
          aria-label={`Move up: option ${name}`}
        >
          Move up
        </button>
        <button
          type="button"
          onClick={() => change(moveAt(document, listPath, index, 1))}
          disabled={index === count - 1}
          aria-label={`Move down: option ${name}`}
        >
          Move down
        </button>
        <button
          type="button"
          className="pe-danger"
          onClick={() => change(removeAt(document, listPath, index))}
          aria-label={`Remove option ${name}`}
        >
          Remove option
        </button>
      </div>
    </fieldset>
  );
}
