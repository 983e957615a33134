import { useEffect, useRef } from "react";
import { optionTextId } from "../ids.ts";
import { formErrors, toFormFields } from "../profile-form-model.ts";
import type { ProfileForm } from "../use-profile-form.ts";

/**
 * The page's Start button, the fields actually posted, and the checks at submit time. The hub's
 * form lives outside React, so its `submit` event is watched directly. A submit with a project id
 * waits for `beforeProjectSubmitRef` (the app records the start) and is then posted again.
 */
export function StartBar({ form }: { form: ProfileForm }) {
  const { profiles, state, startButtonRef, beforeProjectSubmitRef, submitErrors, setSubmitErrors } =
    form;
  const summaryRef = useRef<HTMLDivElement>(null);
  /** The project check passed for the submit that follows; a check is under way. */
  const checked = useRef(false);
  const checking = useRef(false);

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
      const check = beforeProjectSubmitRef.current;
      if (state.projectId === null || check === null || checked.current) {
        checked.current = false;
        return;
      }
      hold(event);
      if (checking.current) return;
      checking.current = true;
      const submitter = event.submitter;
      void check(state.projectId)
        .catch(() => false)
        .then((ok) => {
          checking.current = false;
          if (!ok) return;
          checked.current = true;
          hubForm.requestSubmit(
            submitter instanceof HTMLButtonElement || submitter instanceof HTMLInputElement
              ? submitter
              : startButtonRef.current,
          );
        });
    };
    hubForm.addEventListener("submit", onSubmit, true);
    return () => hubForm.removeEventListener("submit", onSubmit, true);
  }, [profiles, state, startButtonRef, beforeProjectSubmitRef, setSubmitErrors]);

  useEffect(() => {
    if (submitErrors) summaryRef.current?.focus();
  }, [submitErrors]);

  const profileIndex = profiles.findIndex((p) => p.slug === state.profileSlug);
  const options = profiles[profileIndex]?.profile_options ?? [];
  return (
    <div className="lp-start">
      {submitErrors && (
        <div
          className="lp-summary"
          role="alert"
          tabIndex={-1}
          ref={summaryRef}
          aria-labelledby="lp-summary-title"
        >
          <h2 id="lp-summary-title">Fix these before starting:</h2>
          <ul>
            {submitErrors.map((error) => {
              const id = optionTextId(
                profileIndex,
                options.findIndex((o) => o.key === error.optionKey),
              );
              return (
                <li key={error.optionKey}>
                  <a
                    href={`#${id}`}
                    onClick={(event) => {
                      event.preventDefault();
                      document.getElementById(id)?.focus();
                    }}
                  >
                    {error.message}
                  </a>
                </li>
              );
            })}
          </ul>
        </div>
      )}
      {toFormFields(profiles, state).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button type="submit" className="lp-button" ref={startButtonRef}>
        Start
      </button>
    </div>
  );
}
