import { useEffect, useRef } from "react";
import { optionTextId } from "../ids.ts";
import { formErrors, toFormFields } from "../profile-form-model.ts";
import type { ProfileForm } from "../use-profile-form.ts";

/**
 * The page's Start button, the fields actually posted, and the check at submit time. The hub's
 * form lives outside React, so its `submit` event is watched directly.
 */
export function StartBar({ form }: { form: ProfileForm }) {
  const { profiles, state, startButtonRef, submitErrors, setSubmitErrors } = form;
  const summaryRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const hubForm = startButtonRef.current?.form;
    if (!hubForm) return;
    const onSubmit = (event: SubmitEvent) => {
      const errors = formErrors(profiles, state);
      if (errors.length) {
        event.preventDefault();
        // Capture phase on the form itself runs before the hub's own jQuery handler, which would
        // otherwise show its "starting" spinner for a submit that is not happening.
        event.stopImmediatePropagation();
        setSubmitErrors(errors);
      } else {
        setSubmitErrors(null);
      }
    };
    hubForm.addEventListener("submit", onSubmit, true);
    return () => hubForm.removeEventListener("submit", onSubmit, true);
  }, [profiles, state, startButtonRef, setSubmitErrors]);

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
