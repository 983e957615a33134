import DOMPurify from "dompurify";

/**
 * Profile descriptions are HTML written by the hub admin (KubeSpawner renders them raw). They are
 * trusted for formatting, not for code: only simple inline/list markup and links survive.
 */
const ALLOWED_TAGS = [
  "a",
  "b",
  "strong",
  "i",
  "em",
  "u",
  "code",
  "br",
  "p",
  "ul",
  "ol",
  "li",
  "span",
  "small",
];
const ALLOWED_ATTR = ["href", "title"];

let hooked = false;
function ensureLinkHook(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      // A link must not replace the spawn page (the user would lose their choices) nor get a
      // handle on it through window.opener.
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  });
}

export function sanitizeDescription(html: string): string {
  ensureLinkHook();
  return DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false });
}
