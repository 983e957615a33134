import { useState } from "react";
import { useEditorState } from "../features/profile-editor/api/editor-state.ts";
import { EditorPage, type EditorTab } from "../features/profile-editor/components/editor-page.tsx";
import { useMe } from "../features/session/api/get-me.ts";

export interface AdminAppProps {
  /** `{prefix}services/<name>/`. */
  serviceUrl: string;
  /** `{prefix}hub/`. */
  hubUrl: string;
  user: string;
  /** The tab to open on; default: the page address's `#history`, `#preview`… else "edit". */
  initialTab?: EditorTab;
}

const TABS: readonly EditorTab[] = ["edit", "preview", "history", "import"];

function tabFromAddress(): EditorTab {
  const hash = globalThis.location?.hash.slice(1) as EditorTab;
  return TABS.includes(hash) ? hash : "edit";
}

/** The editor page at `{service}/admin/`: the companion serves it only to those who may edit. */
export function AdminApp({ serviceUrl, hubUrl, user, initialTab }: AdminAppProps) {
  const me = useMe(serviceUrl);
  const state = useEditorState(serviceUrl);
  const [tab, setTab] = useState<EditorTab>(() => initialTab ?? tabFromAddress());
  const [notice, setNotice] = useState<string>();
  return (
    <div className="pe-app">
      <header className="pe-header">
        <h1>Profile list</h1>
        <p>
          Signed in as {user}. <a href={`${hubUrl}spawn`}>Back to the spawn page</a> ·{" "}
          <a href={`${hubUrl}home`}>Hub home</a>
        </p>
      </header>
      <main>
        {me?.error || state.error ? (
          <p role="alert" className="pe-issue pe-error">
            The editor could not load: {(me?.error ?? state.error)?.message} Reload the page to try
            again.
          </p>
        ) : me?.data && state.data ? (
          <EditorPage
            // A new version (published here or by another admin) starts the editor over on it.
            key={state.data.current?.number ?? 0}
            serviceUrl={serviceUrl}
            csrfToken={me.data.csrf_token}
            state={state.data}
            tab={tab}
            onTab={setTab}
            notice={notice}
            onPublished={setNotice}
          />
        ) : (
          <p role="status">Loading the profile list…</p>
        )}
      </main>
    </div>
  );
}
