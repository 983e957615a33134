import { useId, useState, type ReactNode } from "react";
import type {
  PublishConflict,
  PublishRefused,
} from "../../../../../contract/profile-editor/schema.ts";
import type { PublishOutcome } from "../api/publish.ts";

interface PublishPanelProps {
  blocked: boolean;
  publishing: boolean;
  outcome: PublishOutcome | undefined;
  error: Error | null;
  onPublish: (message: string) => void;
}

/** The message and the Publish button; says what happened in a live region. */
export function PublishPanel({
  blocked,
  publishing,
  outcome,
  error,
  onPublish,
}: PublishPanelProps) {
  const [message, setMessage] = useState("");
  const id = useId();
  return (
    <section className="pe-publish" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Publish</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onPublish(message.trim());
        }}
      >
        <div className="pe-field">
          <label htmlFor={`${id}-message`}>What changed, and why</label>
          <input
            id={`${id}-message`}
            type="text"
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            required
            maxLength={1000}
            autoComplete="off"
          />
        </div>
        <button
          type="submit"
          className="pe-primary"
          disabled={blocked || publishing || message.trim() === ""}
        >
          {publishing ? "Publishing…" : "Publish"}
        </button>
        {blocked && <p className="pe-hint">Fix the problems above first.</p>}
      </form>
      <div role="status" aria-live="polite">
        {outcome?.kind === "refused" && <RefusedNote refused={outcome.refused} />}
      </div>
      {error && (
        <p className="pe-issue pe-error" role="alert">
          Publishing failed: {error.message}
        </p>
      )}
    </section>
  );
}

function RefusedNote({ refused }: { refused: PublishRefused }) {
  return <p className="pe-issue pe-error">{refused.message}</p>;
}

interface ConflictViewProps {
  conflict: PublishConflict;
  /** The diff between the version the admin started from and the one that won. */
  children: ReactNode;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
}

/** Another admin published first: what they changed, and the two ways on. */
export function ConflictView({ conflict, children, onKeepMine, onTakeTheirs }: ConflictViewProps) {
  const current = conflict.current;
  return (
    <section className="pe-conflict" role="alert" aria-labelledby="pe-conflict-title">
      <h2 id="pe-conflict-title">Someone else published first</h2>
      <p>
        {current.author} published version {current.number} at{" "}
        {new Date(current.created).toLocaleString()}: <q>{current.message}</q>. Your changes are not
        lost; nothing of yours was published.
      </p>
      {children}
      <div className="pe-actions">
        <button type="button" className="pe-primary" onClick={onKeepMine}>
          Keep my list and publish it over version {current.number}
        </button>
        <button type="button" onClick={onTakeTheirs}>
          Discard my draft and start from version {current.number}
        </button>
      </div>
    </section>
  );
}
