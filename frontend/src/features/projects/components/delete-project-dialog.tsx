import { useEffect, useId, useRef } from "react";
import { projectFolder, type Project } from "../../../../../contract/projects.ts";

export interface DeleteProjectDialogProps {
  project: Project;
  /** Whose home the folder is in: "your home", or "alice's home" for an admin. */
  homeOwner: string;
  pending: boolean;
  /** Why the last attempt failed (e.g. the 409 for a project a running server uses). */
  error: string | null;
  onConfirm: () => void;
  onClose: () => void;
}

/**
 * Loaded on first use (it is not needed to show the page). A native modal `<dialog>`: the browser
 * traps focus and makes the page inert; Escape closes it (handled here too, as keydown, so it also
 * works where `cancel` is not fired).
 */
export default function DeleteProjectDialog({
  project,
  homeOwner,
  pending,
  error,
  onConfirm,
  onClose,
}: DeleteProjectDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    // The safe choice gets focus first.
    cancelRef.current?.focus();
    return () => dialog.close();
  }, []);

  // Closing while the request runs is fine: the table shows its progress.
  const requestClose = onClose;
  const name = project.display_name;

  return (
    <dialog
      ref={dialogRef}
      className="lp-dialog"
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      onCancel={(event) => {
        event.preventDefault();
        requestClose();
      }}
      onKeyDown={(event) => {
        if (event.key !== "Escape") return;
        event.preventDefault();
        event.stopPropagation();
        requestClose();
      }}
    >
      <h2 id={titleId} className="h5">
        Delete {name}?
      </h2>
      <div id={descriptionId}>
        <p>This permanently removes:</p>
        <ul>
          <li>
            the folder <code>{projectFolder(project.id)}</code> in {homeOwner}, with every file in
            it;
          </li>
          <li>the project&apos;s entry in Your projects.</li>
        </ul>
        <p>The image is not deleted, and other projects are untouched.</p>
      </div>
      {error !== null && (
        <p className="alert alert-danger py-2" role="alert">
          {error}
        </p>
      )}
      <div className="lp-dialog-actions">
        <button
          ref={cancelRef}
          type="button"
          className="btn btn-outline-secondary"
          onClick={requestClose}
        >
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-danger"
          aria-disabled={pending}
          onClick={() => {
            if (!pending) onConfirm();
          }}
        >
          {pending ? `Deleting ${name}…` : `Delete ${name} and its files`}
        </button>
      </div>
    </dialog>
  );
}
