import { describe, expect, it } from "vitest";
import { sanitizeDescription } from "./sanitize.ts";

function parse(html: string): HTMLElement {
  const div = document.createElement("div");
  div.innerHTML = sanitizeDescription(html);
  return div;
}

describe("sanitizeDescription", () => {
  it("keeps simple formatting and lists", () => {
    const out = parse(
      "<p><strong>Big</strong> <em>fast</em> <code>x</code></p><ul><li>one</li></ul>",
    );
    expect(out.querySelector("strong")?.textContent).toBe("Big");
    expect(out.querySelector("li")?.textContent).toBe("one");
  });

  it("drops scripts, handlers, javascript: links, styles and forms", () => {
    const out = parse(
      '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>' +
        '<b onmouseover="alert(1)" style="color:red">b</b><form><input name=profile></form><iframe src="/"></iframe></script>',
    );
    expect(out.querySelector("script, img, form, input, iframe, [style]")).toBeNull();
    expect(
      [...out.querySelectorAll("*")]
        .flatMap((el) => el.getAttributeNames())
        .filter((n) => n.startsWith("on")),
    ).toEqual([]);
    expect(out.querySelector("a")?.hasAttribute("href")).toBe(false);
    expect(out.querySelector("b")?.textContent).toBe("b");
  });

  it("opens links in a new tab without an opener", () => {
    const link = parse(
      '<a href="https://example.org/docs" target="_self" rel="opener">docs</a>',
    ).querySelector("a");
    expect(link?.getAttribute("href")).toBe("https://example.org/docs");
    expect(link?.getAttribute("target")).toBe("_blank");
    expect(link?.getAttribute("rel")).toBe("noopener noreferrer");
  });
});
