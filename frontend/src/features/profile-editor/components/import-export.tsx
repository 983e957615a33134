import { useId, useState } from "react";
import type { ImportResponse } from "../../../../../contract/profile-editor/schema.ts";
import { useImportYaml } from "../api/import-yaml.ts";
import { exportUrl } from "../api/versions.ts";

interface ImportExportProps {
  serviceUrl: string;
  csrfToken: string;
  published: boolean;
  onImported: (result: ImportResponse) => void;
}

/** z2jh values in and out, so the hub can go back to GitOps at any time. */
export function ImportExport({ serviceUrl, csrfToken, published, onImported }: ImportExportProps) {
  const id = useId();
  const [yaml, setYaml] = useState("");
  const importer = useImportYaml(serviceUrl, csrfToken);
  return (
    <section className="pe-import" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Import and export</h2>
      <h3>Export</h3>
      {published ? (
        <p>
          <a href={exportUrl(serviceUrl)} download>
            Download the published list as z2jh values (singleuser.profileList)
          </a>
        </p>
      ) : (
        <p>Nothing is published yet.</p>
      )}
      <h3>Import</h3>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          importer.mutate(yaml, { onSuccess: onImported });
        }}
      >
        <div className="pe-field">
          <label htmlFor={`${id}-yaml`}>z2jh values YAML</label>
          <textarea
            id={`${id}-yaml`}
            className="pe-code"
            rows={10}
            value={yaml}
            onChange={(e) => setYaml(e.target.value)}
            spellCheck={false}
            aria-describedby={`${id}-hint`}
          />
          <p className="pe-hint" id={`${id}-hint`}>
            Your draft is replaced; nothing is published until you publish. Overrides the editor
            does not offer are dropped and listed.
          </p>
        </div>
        <div className="pe-field">
          <label htmlFor={`${id}-file`}>Or read a file</label>
          <input
            id={`${id}-file`}
            type="file"
            accept=".yaml,.yml,application/yaml,text/yaml"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void file.text().then(setYaml);
            }}
          />
        </div>
        <button type="submit" disabled={yaml.trim() === "" || importer.isPending}>
          {importer.isPending ? "Importing…" : "Import into my draft"}
        </button>
      </form>
      <div role="status" aria-live="polite">
        {importer.data && (
          <>
            <p className="pe-ok">
              Imported {importer.data.document.profiles.length} profiles into your draft.
            </p>
            {importer.data.notes.length > 0 && (
              <ul>
                {importer.data.notes.map((note, i) => (
                  <li key={i}>{note}</li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
      {importer.error && <p role="alert">The import failed: {importer.error.message}</p>}
    </section>
  );
}
