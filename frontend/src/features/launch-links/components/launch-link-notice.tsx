import { useId } from "react";

/**
 * Says the form was filled from a launch link and that nothing starts until the person presses
 * Start; lists what the link asked for that this hub does not offer.
 */
export function LaunchLinkNotice({ problems }: { problems: readonly string[] }) {
  const titleId = useId();
  if (problems.length === 0)
    return (
      <div className="alert alert-info py-2" role="status">
        Opened from a launch link: check the choices below, then press Start.
      </div>
    );
  return (
    <div className="alert alert-danger" role="alert" aria-labelledby={titleId}>
      <h2 id={titleId} className="h6">
        This launch link asks for what this hub does not offer
      </h2>
      <ul>
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
      <p className="mb-0">Nothing was started. Check the choices below, then press Start.</p>
    </div>
  );
}
