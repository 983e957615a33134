import type { CompanionSession } from "../use-companion-session.ts";

/** Says plainly when builds and projects are unavailable; starting a profile still works. */
export function CompanionStatus({ session }: { session: CompanionSession }) {
  if (session.status !== "unavailable") return null;
  return (
    <p className="alert alert-secondary mt-3" role="status">
      Building from a repository and Your Projects are unavailable right now: {session.reason} You
      can still start a server below.
    </p>
  );
}
