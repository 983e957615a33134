import { useEffect, useState } from "react";

type Sanitize = (html: string) => string;

let sanitizer: Sanitize | null = null;
let loading: Promise<Sanitize> | null = null;

/** DOMPurify is a tenth of the page: it loads only when some admin text actually holds markup. */
function loadSanitizer(): Promise<Sanitize> {
  loading ??= import("./sanitize.ts").then((module) => (sanitizer = module.sanitizeDescription));
  return loading;
}

/** Text without markup. A DOMParser document is inert: no script runs, no image loads. */
export function plainText(html: string): string {
  return new DOMParser().parseFromString(html, "text/html").body.textContent ?? "";
}

export type AdminHtml = { html: string } | { text: string } | null;

/**
 * Admin-written HTML (profile descriptions, which KubeSpawner renders raw) as something safe to
 * show: plain text when there is no markup or until the sanitiser has loaded, then sanitised HTML.
 */
export function useAdminHtml(source: string | undefined): AdminHtml {
  const hasMarkup = source !== undefined && /[<&]/.test(source);
  const [sanitize, setSanitize] = useState<Sanitize | null>(() => sanitizer);
  useEffect(() => {
    if (!hasMarkup || sanitize) return;
    let live = true;
    void loadSanitizer().then((loaded) => live && setSanitize(() => loaded));
    return () => {
      live = false;
    };
  }, [hasMarkup, sanitize]);
  if (!source) return null;
  if (!hasMarkup) return { text: source };
  return sanitize ? { html: sanitize(source) } : { text: plainText(source) };
}
