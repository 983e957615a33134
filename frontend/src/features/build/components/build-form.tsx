import { useId, useRef, useState, type ClipboardEvent, type KeyboardEvent } from "react";
import {
  DEFAULT_REF,
  PROVIDER_REFS,
  type BuildSource,
  type Provider,
} from "../../../../../contract/providers/catalog.ts";
import { repositoryWebUrl, sourceFromLink } from "../../../../../contract/providers/links.ts";
import {
  buildRef,
  refProblem,
  repositoryProblem,
  specRepository,
} from "../../../../../contract/providers/repository.ts";
import {
  INVALID_REF,
  PROVIDER_COPY,
  REF_LABEL,
  repositoryMessage,
} from "../../../lib/provider-copy.ts";
import { loadLastSource, saveLastSource } from "../build-source-storage.ts";

export interface BuildFormProps {
  allowedProviders: readonly Provider[];
  /** Prefills the form (e.g. rebuilding a project); otherwise the last values used are restored. */
  initialSource?: BuildSource | null;
  /** A build is running: the build buttons wait for it. */
  busy: boolean;
  onBuild: (source: BuildSource, options: { start: boolean }) => void;
  /** Where the last values are remembered; null to not remember. Defaults to localStorage. */
  storage?: Storage | null;
}

function initialValues(
  allowed: readonly Provider[],
  initial: BuildSource | null | undefined,
  storage: Storage | null | undefined,
): BuildSource {
  const candidate = initial ?? (storage === undefined ? loadLastSource() : loadLastSource(storage));
  if (candidate && allowed.includes(candidate.provider)) {
    const ref = PROVIDER_REFS[candidate.provider].hasRef ? candidate.ref || DEFAULT_REF : "";
    return { ...candidate, ref };
  }
  const provider = allowed[0] ?? "gh";
  return { provider, repo: "", ref: PROVIDER_REFS[provider].hasRef ? DEFAULT_REF : "" };
}

/**
 * A pasted link may point at a provider the admin did not allow; GitHub and GitLab repositories
 * can still be built as plain git URLs.
 */
function fitAllowed(source: BuildSource | null, allowed: readonly Provider[]): BuildSource | null {
  if (!source) return null;
  if (allowed.includes(source.provider)) return source;
  if ((source.provider === "gh" || source.provider === "gl") && allowed.includes("git")) {
    const url = repositoryWebUrl(source.provider, source.repo);
    if (url) return { provider: "git", repo: url, ref: source.ref };
  }
  return null;
}

/**
 * Where to build from. It sits inside JupyterHub's spawn `<form>`, so it is a fieldset rather than
 * a form of its own, its buttons are `type="button"`, and Enter builds instead of submitting the
 * spawn form.
 */
export function BuildForm({
  allowedProviders,
  initialSource,
  busy,
  onBuild,
  storage,
}: BuildFormProps) {
  const [values, setValues] = useState(() =>
    initialValues(allowedProviders, initialSource, storage),
  );
  const [showErrors, setShowErrors] = useState(false);
  const repoRef = useRef<HTMLInputElement>(null);
  const refRef = useRef<HTMLInputElement>(null);
  const id = useId();
  const rules = PROVIDER_REFS[values.provider];
  const copy = PROVIDER_COPY[values.provider];
  const repoProblem = repositoryProblem(values.provider, values.repo);
  const repoError = repoProblem === null ? null : repositoryMessage(values.provider, repoProblem);
  const refError = refProblem(values.provider, values.ref) === null ? null : INVALID_REF;

  function build(start: boolean) {
    if (busy) return;
    if (repoError || refError) {
      setShowErrors(true);
      (repoError ? repoRef : refRef).current?.focus();
      return;
    }
    const source: BuildSource = {
      provider: values.provider,
      repo: specRepository(values.provider, values.repo),
      ref: buildRef(values.provider, values.ref),
    };
    if (storage === undefined) saveLastSource(source);
    else saveLastSource(source, storage);
    onBuild(source, { start });
  }

  function onKeyDown(event: KeyboardEvent<HTMLElement>) {
    if (event.key !== "Enter" || event.nativeEvent.isComposing) return;
    if (!(event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement))
      return;
    // Enter in a text field would submit the hub's spawn form (implicit submission).
    event.preventDefault();
    build(false);
  }

  function onPaste(event: ClipboardEvent<HTMLInputElement>) {
    const input = event.currentTarget;
    const replacesAll = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    if (!replacesAll && input.value.trim() !== "") return;
    const source = fitAllowed(
      sourceFromLink(event.clipboardData.getData("text")),
      allowedProviders,
    );
    if (!source) return;
    event.preventDefault();
    setValues({
      ...source,
      ref: PROVIDER_REFS[source.provider].hasRef ? source.ref || DEFAULT_REF : "",
    });
  }

  function setProvider(provider: Provider) {
    setShowErrors(false);
    setValues((v) => ({
      provider,
      repo: v.repo,
      ref: PROVIDER_REFS[provider].hasRef ? v.ref || DEFAULT_REF : "",
    }));
  }

  const repoInvalid = showErrors && repoError !== null;
  const refInvalid = showErrors && refError !== null;
  return (
    <fieldset className="lp-build-form" onKeyDown={onKeyDown}>
      <legend>Build an image from a repository</legend>
      <div className="lp-field">
        <label htmlFor={`${id}-provider`}>Repository provider</label>
        <select
          id={`${id}-provider`}
          value={values.provider}
          onChange={(e) => setProvider(e.target.value as Provider)}
        >
          {allowedProviders.map((p) => (
            <option key={p} value={p}>
              {PROVIDER_COPY[p].displayName}
            </option>
          ))}
        </select>
      </div>
      <div className="lp-field">
        <label htmlFor={`${id}-repo`}>{copy.repoLabel}</label>
        <input
          ref={repoRef}
          id={`${id}-repo`}
          type="text"
          autoComplete="off"
          spellCheck={false}
          placeholder={copy.placeholder}
          value={values.repo}
          aria-invalid={repoInvalid || undefined}
          aria-describedby={`${id}-repo-hint${repoInvalid ? ` ${id}-repo-error` : ""}`}
          onChange={(e) => setValues((v) => ({ ...v, repo: e.target.value }))}
          onBlur={() => values.repo.trim() !== "" && setShowErrors(true)}
          onPaste={onPaste}
        />
        <p id={`${id}-repo-hint`} className="lp-hint">
          Pasting a link fills in the provider and ref.
        </p>
        {repoInvalid && (
          <p id={`${id}-repo-error`} className="lp-error">
            {repoError}
          </p>
        )}
      </div>
      {rules.hasRef && (
        <div className="lp-field">
          <label htmlFor={`${id}-ref`}>{REF_LABEL}</label>
          <input
            ref={refRef}
            id={`${id}-ref`}
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder={rules.refOptional ? "latest" : DEFAULT_REF}
            value={values.ref}
            aria-invalid={refInvalid || undefined}
            aria-describedby={refInvalid ? `${id}-ref-error` : undefined}
            onChange={(e) => setValues((v) => ({ ...v, ref: e.target.value }))}
          />
          {refInvalid && (
            <p id={`${id}-ref-error`} className="lp-error">
              {refError}
            </p>
          )}
        </div>
      )}
      <div className="lp-build-actions">
        <button type="button" disabled={busy} onClick={() => build(false)}>
          Build
        </button>
        <button type="button" disabled={busy} onClick={() => build(true)}>
          Build and start
        </button>
      </div>
    </fieldset>
  );
}
