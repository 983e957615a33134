import { useMemo, useRef, useState, type KeyboardEvent } from "react";
import { imagesOf, hasErrors } from "../../../../../contract/profile-editor/rules.ts";
import type { ProfileEditorState } from "../../../../../contract/profile-editor/schema.ts";
import { useCheckImages } from "../api/check-images.ts";
import { useDiscardDraft } from "../api/draft.ts";
import { usePublish } from "../api/publish.ts";
import { useVersion } from "../api/versions.ts";
import { append, newProfile } from "../model/edit-document.ts";
import { useDraftEditor } from "../use-draft-editor.ts";
import { DiffView } from "./diff-view.tsx";
import { EditorProvider, indexIssues } from "./editor-context.tsx";
import { HistoryView } from "./history-view.tsx";
import { ImageChecks } from "./image-checks.tsx";
import { ImportExport } from "./import-export.tsx";
import { IssueSummary } from "./issue-summary.tsx";
import { PreviewView } from "./preview-view.tsx";
import { ProfileEditor } from "./profile-editor.tsx";
import { ConflictView, PublishPanel } from "./publish-panel.tsx";

const TABS = [
  { id: "edit", label: "Edit" },
  { id: "preview", label: "Preview" },
  { id: "history", label: "History" },
  { id: "import", label: "Import and export" },
] as const;
export type EditorTab = (typeof TABS)[number]["id"];

export interface EditorPageProps {
  serviceUrl: string;
  csrfToken: string;
  state: ProfileEditorState;
  tab: EditorTab;
  onTab: (tab: EditorTab) => void;
  /** What the last publish or rollback did; it survives the editor starting over on the new version. */
  notice?: string | undefined;
  onPublished: (message: string) => void;
}

const EMPTY = { profiles: [] };

/** The whole editor: edit, preview, history, import/export; publish from the edit tab. */
export function EditorPage({
  serviceUrl,
  csrfToken,
  state,
  tab,
  onTab: setTab,
  notice,
  onPublished,
}: EditorPageProps) {
  const draft = useDraftEditor(serviceUrl, csrfToken, state);
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const checks = useCheckImages(serviceUrl, csrfToken);
  const publish = usePublish(serviceUrl, csrfToken);
  const discard = useDiscardDraft(serviceUrl, csrfToken);
  const [accepted, setAccepted] = useState<ReadonlySet<string>>(new Set());
  const images = useMemo(() => imagesOf(draft.document), [draft.document]);
  const issues = useMemo(() => indexIssues(draft.issues), [draft.issues]);
  const current = state.current;
  const base = useVersion(
    serviceUrl,
    draft.baseVersion !== null && draft.baseVersion !== current?.number ? draft.baseVersion : null,
  );

  const outcome = publish.data;
  const conflict = outcome?.kind === "conflict" ? outcome.conflict : null;
  const refusedChecks =
    outcome?.kind === "refused" && outcome.refused.image_checks.length > 0
      ? outcome.refused.image_checks
      : undefined;

  const onTabKey = (event: KeyboardEvent, index: number) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    const jump = event.key === "Home" ? 0 : event.key === "End" ? TABS.length - 1 : null;
    if (!step && jump === null) return;
    event.preventDefault();
    const next = jump ?? (index + step + TABS.length) % TABS.length;
    setTab(TABS[next]?.id ?? "edit");
    tabRefs.current[next]?.focus();
  };

  return (
    <EditorProvider
      value={{ document: draft.document, bounds: state.bounds, issues, change: draft.change }}
    >
      {notice && (
        <p className="pe-ok" role="status">
          {notice}
        </p>
      )}
      <p className="pe-status">
        {current
          ? `Published: version ${current.number}, by ${current.author} at ${new Date(current.created).toLocaleString()}.`
          : "Nothing is published yet: the hub uses its own profile list."}{" "}
        <span role="status" aria-live="polite">
          {draft.saving
            ? "Saving your draft…"
            : draft.saveError
              ? `Your draft could not be saved: ${draft.saveError.message}`
              : draft.savedAt
                ? `Your draft was saved at ${new Date(draft.savedAt).toLocaleTimeString()}.`
                : ""}
        </span>
      </p>
      {current &&
        draft.baseVersion !== null &&
        draft.baseVersion !== current.number &&
        !conflict && (
          <div className="pe-notice" role="note">
            <p>
              Your draft started from version {draft.baseVersion}; version {current.number} has been
              published since. Publishing your draft replaces it.
            </p>
            {base.data && (
              <DiffView
                before={base.data.document}
                after={current.document}
                title={`What version ${current.number} changed`}
              />
            )}
          </div>
        )}
      <div role="tablist" aria-label="Profile editor" className="pe-tabs">
        {TABS.map((t, i) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`pe-tab-${t.id}`}
            aria-controls={`pe-panel-${t.id}`}
            aria-selected={tab === t.id}
            tabIndex={tab === t.id ? 0 : -1}
            ref={(el) => {
              tabRefs.current[i] = el;
            }}
            onClick={() => setTab(t.id)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`pe-panel-${tab}`}
        aria-labelledby={`pe-tab-${tab}`}
        className="pe-panel"
      >
        {tab === "edit" && (
          <>
            {conflict && (
              <ConflictView
                conflict={conflict}
                onKeepMine={() => {
                  draft.rebase(conflict.current.number);
                  publish.reset();
                }}
                onTakeTheirs={() => {
                  draft.replace(conflict.current.document, conflict.current.number);
                  publish.reset();
                }}
              >
                <DiffView
                  before={
                    base.data?.document ??
                    (conflict.base_version === null ? EMPTY : (current?.document ?? EMPTY))
                  }
                  after={conflict.current.document}
                  title={`What version ${conflict.current.number} changed`}
                />
                <DiffView
                  before={conflict.current.document}
                  after={draft.document}
                  title="What publishing your list would change"
                />
              </ConflictView>
            )}
            <IssueSummary document={draft.document} issues={draft.issues} />
            <section aria-labelledby="pe-profiles-title">
              <h2 id="pe-profiles-title">Profiles</h2>
              {draft.document.profiles.length === 0 && (
                <p className="pe-empty">
                  No profiles yet. Add one, or import your hub's singleuser.profileList from the
                  Import tab.
                </p>
              )}
              {draft.document.profiles.map((profile, index) => (
                <ProfileEditor
                  key={index}
                  profile={profile}
                  index={index}
                  count={draft.document.profiles.length}
                />
              ))}
              <div className="pe-actions">
                <button
                  type="button"
                  onClick={() =>
                    draft.change(
                      append(
                        draft.document,
                        ["profiles"],
                        newProfile(draft.document, state.bounds.node_groups[0]?.name),
                      ),
                    )
                  }
                >
                  Add a profile
                </button>
                {draft.hasDraft && (
                  <button
                    type="button"
                    onClick={() => {
                      if (!window.confirm("Discard your draft and go back to the published list?"))
                        return;
                      discard.mutate(undefined, {
                        onSuccess: () =>
                          draft.replace(
                            current?.document ?? state.base_document ?? EMPTY,
                            current?.number ?? null,
                          ),
                      });
                    }}
                  >
                    Discard my draft
                  </button>
                )}
              </div>
            </section>
            <ImageChecks
              images={images}
              results={refusedChecks ?? checks.data?.results}
              checking={checks.isPending || publish.isPending}
              error={checks.error}
              onCheck={() => checks.mutate(images)}
              accepted={accepted}
              onAccept={(image, yes) => {
                const next = new Set(accepted);
                if (yes) next.add(image);
                else next.delete(image);
                setAccepted(next);
              }}
            />
            <PublishPanel
              blocked={hasErrors(draft.issues)}
              publishing={publish.isPending}
              outcome={outcome}
              error={publish.error}
              onPublish={(message) =>
                publish.mutate(
                  {
                    base_version: draft.baseVersion,
                    message,
                    document: draft.document,
                    accept_unreachable: [...accepted],
                  },
                  {
                    onSuccess: (result) => {
                      if (result.kind === "published")
                        onPublished(
                          `Version ${result.version.number} is published. Spawn pages show it ${withinCacheTime(state.hub_cache_seconds)}.`,
                        );
                    },
                  },
                )
              }
            />
          </>
        )}
        {tab === "preview" && <PreviewView document={draft.document} bounds={state.bounds} />}
        {tab === "history" && (
          <HistoryView
            serviceUrl={serviceUrl}
            csrfToken={csrfToken}
            current={current ? { number: current.number, document: current.document } : null}
            onRolledBack={(number, rolledBackTo) =>
              onPublished(`Rolled back: version ${number} republishes version ${rolledBackTo}.`)
            }
          />
        )}
        {tab === "import" && (
          <ImportExport
            serviceUrl={serviceUrl}
            csrfToken={csrfToken}
            published={current !== null}
            onImported={(result) => draft.replace(result.document)}
          />
        )}
      </div>
    </EditorProvider>
  );
}

/** When the hub glue's cache lets a publish reach spawn pages. */
export function withinCacheTime(seconds: number): string {
  if (seconds <= 0) return "on their next load";
  return `within ${seconds} ${seconds === 1 ? "second" : "seconds"}`;
}
