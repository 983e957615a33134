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
  /** A build is running: the Build button waits for it. */
  busy: boolean;
  onBuild: (source: BuildSource) => void;
  /** Any change of provider, repository or ref: the last build's result no longer applies. */
  onEdit?: () => void;
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
 * Where to build from. It sits inside JupyterHub's spawn `<form>`, under "Build from a repository"
 * (which names it), so it is a plain group rather than a form of its own, its button is
 * `type="button"`, and Enter builds instead of submitting the spawn form.
 */
export function BuildForm({
  allowedProviders,
  initialSource,
  busy,
  onBuild,
  onEdit,
  storage,
}: BuildFormProps) {
  const [values, setValuesState] = useState(() =>
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
  const setValues = (next: (v: BuildSource) => BuildSource) => {
    setValuesState(next);
    onEdit?.();
  };

  function build() {
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
    onBuild(source);
  }

  function onKeyDown(event: KeyboardEvent<HTMLElement>) {
    if (event.key !== "Enter" || event.nativeEvent.isComposing) return;
    if (!(event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement))
      return;
    // Enter in a text field would submit the hub's spawn form (implicit submission).
    event.preventDefault();
    build();
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
    setValues(() => ({
      ...source,
      ref: PROVIDER_REFS[source.provider].hasRef ? source.ref || DEFAULT_REF : "",
    }));
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
    <div
      className="lp-build-form row g-2"
      role="group"
      aria-label="Repository"
      onKeyDown={onKeyDown}
    >
      <div className="col-sm-4">
        <label className="form-label small mb-1" htmlFor={`${id}-provider`}>
          Provider
        </label>
        <select
          id={`${id}-provider`}
          className="form-select"
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
      <div className="col-sm-8">
        <label className="form-label small mb-1" htmlFor={`${id}-repo`}>
          {copy.repoLabel}
        </label>
        <input
          ref={repoRef}
          id={`${id}-repo`}
          type="text"
          className={`form-control${repoInvalid ? " is-invalid" : ""}`}
          autoComplete="off"
          spellCheck={false}
          placeholder={copy.placeholder}
          value={values.repo}
          aria-invalid={repoInvalid || undefined}
          aria-describedby={repoInvalid ? `${id}-repo-error` : `${id}-repo-hint`}
          onChange={(e) => setValues((v) => ({ ...v, repo: e.target.value }))}
          onBlur={() => values.repo.trim() !== "" && setShowErrors(true)}
          onPaste={onPaste}
        />
        {repoInvalid ? (
          <div id={`${id}-repo-error`} className="invalid-feedback">
            {repoError}
          </div>
        ) : (
          <div id={`${id}-repo-hint`} className="form-text">
            Pasting a link fills in the provider and ref.
          </div>
        )}
      </div>
      {rules.hasRef && (
        <div className="col-sm-8">
          <label className="form-label small mb-1" htmlFor={`${id}-ref`}>
            {REF_LABEL}
          </label>
          <input
            ref={refRef}
            id={`${id}-ref`}
            type="text"
            className={`form-control${refInvalid ? " is-invalid" : ""}`}
            autoComplete="off"
            spellCheck={false}
            placeholder={rules.refOptional ? "latest" : DEFAULT_REF}
            value={values.ref}
            aria-invalid={refInvalid || undefined}
            aria-describedby={refInvalid ? `${id}-ref-error` : undefined}
            onChange={(e) => setValues((v) => ({ ...v, ref: e.target.value }))}
          />
          {refInvalid && (
            <div id={`${id}-ref-error`} className="invalid-feedback">
              {refError}
            </div>
          )}
        </div>
      )}
      <div
        className={`${rules.hasRef ? "col-sm-4" : "col-12"} d-flex align-items-start lp-build-go`}
      >
        <button type="button" className="btn btn-primary w-100" disabled={busy} onClick={build}>
          {busy ? "Building…" : "Build image"}
        </button>
      </div>
    </div>
  );
}
