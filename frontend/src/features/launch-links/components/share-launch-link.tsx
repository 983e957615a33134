import { useId, useState } from "react";
import { launchUrl, type LaunchLink } from "../../../../../contract/launch-link.ts";
import { copyText } from "../../../lib/clipboard.ts";

/** Text for a double-quoted HTML attribute. */
function attribute(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Binder's README badge, with this hub's link and Launchpad's badge image. */
export function badgeSnippets(url: string, badgeUrl: string): { markdown: string; html: string } {
  return {
    markdown: `[![Launch on Launchpad](${badgeUrl})](${url})`,
    html: `<a href="${attribute(url)}"><img src="${attribute(badgeUrl)}" alt="Launch on Launchpad"></a>`,
  };
}

export interface ShareLaunchLinkProps {
  /** The link of what the form shows. */
  link: LaunchLink;
  /** `{prefix}services/<name>/`: the link and the badge image are the companion's. */
  serviceUrl: string;
}

/**
 * "Copy link" for what the form shows, and the link and badge snippets to select by hand where
 * the clipboard is refused. Opening the link selects the same again and starts nothing.
 */
export default function ShareLaunchLink({ link, serviceUrl }: ShareLaunchLinkProps) {
  const url = launchUrl(location.origin, serviceUrl, link);
  const badgeUrl = `${location.origin}${serviceUrl}badge.svg`;
  const [copied, setCopied] = useState<"copied" | "failed" | null>(null);
  const id = useId();
  const snippets = badgeSnippets(url, badgeUrl);
  return (
    <div className="lp-share">
      <button
        type="button"
        className="btn btn-sm btn-outline-secondary"
        onClick={() => void copyText(url).then((ok) => setCopied(ok ? "copied" : "failed"))}
      >
        Copy link
      </button>{" "}
      <span role="status" className="form-text">
        {copied === "copied"
          ? "Link copied: it opens this form with these choices."
          : copied === "failed"
            ? "Copying was refused; select the link below instead."
            : ""}
      </span>
      <details open={copied === "failed" || undefined}>
        <summary>Share as a link or a README badge</summary>
        {(
          [
            ["link", "Link", url],
            ["markdown", "Markdown badge", snippets.markdown],
            ["html", "HTML badge", snippets.html],
          ] as const
        ).map(([key, label, value]) => (
          <p key={key} className="mb-2">
            <label className="form-label mb-0" htmlFor={`${id}-${key}`}>
              {label}
            </label>
            <input
              id={`${id}-${key}`}
              type="text"
              className="form-control form-control-sm"
              readOnly
              value={value}
              onFocus={(event) => event.currentTarget.select()}
            />
          </p>
        ))}
      </details>
    </div>
  );
}
