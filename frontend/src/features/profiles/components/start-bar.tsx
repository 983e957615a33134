import { useEffect, useRef, useState } from "react";
import { optionId, optionTextId } from "../ids.ts";
import { BUILD_CHOICE } from "../option-entries.ts";
import {
  formErrors,
  optionSelection,
  selectedProfile,
  toFormFields,
  type OptionError,
} from "../profile-form-model.ts";
import type { ProfileForm } from "../use-profile-form.ts";

/**
 * The page's Start button (where the glue's server-rendered form has its own), the fields
 * actually posted, and the checks at submit time. The hub's form lives outside React, so its
 * `submit` event is watched directly. A post with a project (one of Your projects, or the image
 * built for an option) waits while the start is recorded, whichever button or key submitted it,
 * and is then posted again.
 */
export function StartBar({ form }: { form: ProfileForm }) {
  const { profiles, state, startButtonRef, projectStartOf, submitErrors, setSubmitErrors } = form;
  const formAction = form.formActionOf(state);
  const summaryRef = useRef<HTMLDivElement>(null);
  const [starting, setStarting] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  /** The project whose start was recorded for the post that follows; a record is under way. */
  const recorded = useRef<string | null>(null);
  const recording = useRef(false);
  // Why the last start was refused is out of date once the user changes anything.
  const [seen, setSeen] = useState(state);
  if (seen !== state) {
    setSeen(state);
    if (problem) setProblem(null);
  }

  useEffect(() => {
    const hubForm = startButtonRef.current?.form;
    if (!hubForm) return;
    // Capture phase on the form itself runs before the hub's own jQuery handler, which would
    // otherwise show its "starting" spinner for a submit that is not happening.
    const hold = (event: SubmitEvent) => {
      event.preventDefault();
      event.stopImmediatePropagation();
    };
    const onSubmit = (event: SubmitEvent) => {
      const errors = formErrors(profiles, state);
      if (errors.length) {
        hold(event);
        setSubmitErrors(errors);
        return;
      }
      setSubmitErrors(null);
      const start = projectStartOf(state);
      if (start === null || recorded.current === start.projectId) {
        recorded.current = null;
        setStarting(true);
        return;
      }
      hold(event);
      if (recording.current) return;
      recording.current = true;
      setProblem(null);
      setStarting(true);
      const submitter = event.submitter;
      const refused = (message: string) => {
        recording.current = false;
        setStarting(false);
        setProblem(message);
      };
      void start.record().then(
        (message) => {
          if (message !== null) return refused(message);
          recording.current = false;
          recorded.current = start.projectId;
          // The image built for an option goes with its project id (and to its own server).
          if (state.projectId !== start.projectId)
            form.controller.setProjectId(start.projectId, undefined, start.serverPath);
          // setProjectId renders synchronously (flushSync): the Start button carries the named
          // server's `formaction` now. Only a submitter's own `formaction` overrides the form's
          // action (https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#form-submission-algorithm),
          // so a post to a named server goes through that button, whichever one was pressed.
          const button = startButtonRef.current;
          hubForm.requestSubmit(
            button?.hasAttribute("formaction")
              ? button
              : submitter instanceof HTMLButtonElement || submitter instanceof HTMLInputElement
                ? submitter
                : button,
          );
        },
        (error: unknown) =>
          refused(error instanceof Error ? error.message : "Launchpad could not record the start."),
      );
    };
    hubForm.addEventListener("submit", onSubmit, true);
    return () => hubForm.removeEventListener("submit", onSubmit, true);
  }, [profiles, state, startButtonRef, projectStartOf, setSubmitErrors, form.controller]);

  // Back from the hub's next page (the browser's back/forward cache): Start is ready again.
  useEffect(() => {
    const onShow = (event: PageTransitionEvent) => event.persisted && setStarting(false);
    window.addEventListener("pageshow", onShow);
    return () => window.removeEventListener("pageshow", onShow);
  }, []);

  useEffect(() => {
    if (submitErrors) summaryRef.current?.focus();
  }, [submitErrors]);

  const profile = selectedProfile(profiles, state);
  const profileIndex = profiles.indexOf(profile);
  /** The control an error leads to: the free text, or "Build from a repository". */
  const target = (error: OptionError) => {
    const index = profile.profile_options.findIndex((o) => o.key === error.optionKey);
    const option = profile.profile_options[index];
    return option && optionSelection(state, profile.slug, option).choice === BUILD_CHOICE
      ? `${optionId(profileIndex, index)}-build`
      : optionTextId(profileIndex, index);
  };
  return (
    <div className="lp-start-bar">
      {submitErrors && (
        <div
          className="alert alert-danger lp-summary"
          role="alert"
          tabIndex={-1}
          ref={summaryRef}
          aria-labelledby="lp-summary-title"
        >
          <h2 id="lp-summary-title" className="h6">
            Fix these before starting:
          </h2>
          <ul className="mb-0">
            {submitErrors.map((error) => (
              <li key={error.optionKey}>
                <a
                  className="alert-link"
                  href={`#${target(error)}`}
                  onClick={(event) => {
                    event.preventDefault();
                    document.getElementById(target(error))?.focus();
                  }}
                >
                  {error.message}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}
      {problem && (
        <div className="alert alert-danger" role="alert">
          {problem}
        </div>
      )}
      {toFormFields(profiles, state).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button
        type="submit"
        className="btn btn-jupyter form-control lp-start"
        ref={startButtonRef}
        formAction={formAction}
        aria-busy={starting || undefined}
      >
        {starting ? "Starting…" : "Start"}
      </button>
    </div>
  );
}
