export interface ProjectLimitNoticeProps {
  used: number;
  limit: number;
  /** Moves the user to the projects table to pick one to delete; omitted where there is no table. */
  onChooseProject?: () => void;
}

/** Shown when a new project would exceed the limit; rebuilding or starting an existing one still works. */
export function ProjectLimitNotice({ used, limit, onChooseProject }: ProjectLimitNoticeProps) {
  return (
    <div className="alert alert-info" role="status">
      You have {used} of {limit} projects, the most you can keep. Delete a project to build a new
      repository; you can still start or rebuild the ones you have.{" "}
      {onChooseProject && (
        <button type="button" className="btn btn-link p-0 align-baseline" onClick={onChooseProject}>
          Choose a project to delete
        </button>
      )}
    </div>
  );
}
