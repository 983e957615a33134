import { render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { plainText, useAdminHtml } from "./admin-html.ts";

function Description({ source }: { source: string }) {
  const shown = useAdminHtml(source);
  if (!shown) return null;
  return "html" in shown ? (
    <div data-testid="d" dangerouslySetInnerHTML={{ __html: shown.html }} />
  ) : (
    <div data-testid="d">{shown.text}</div>
  );
}

describe("admin-written HTML", () => {
  it("shows text without markup as it is, without loading the sanitiser", () => {
    render(<Description source="Python 3.12 with 4 CPUs" />);
    expect(screen.getByTestId("d").innerHTML).toBe("Python 3.12 with 4 CPUs");
  });

  it("shows markup as text until DOMPurify has loaded, then sanitised", async () => {
    render(
      <Description
        source={
          '<b>Big</b> <img src=x onerror="window.__pwned=1"><a href="https://d.example">docs</a>'
        }
      />,
    );
    await waitFor(() =>
      expect(screen.getByTestId("d").querySelector("b")?.textContent).toBe("Big"),
    );
    const out = screen.getByTestId("d");
    expect(out.querySelector("img")).toBeNull();
    expect(out.querySelector("a")?.getAttribute("rel")).toBe("noopener noreferrer");
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("never parses markup into the page while it waits", () => {
    expect(plainText("<script>window.__pwned=1</script><i>x</i> &amp; y")).toBe("x & y");
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
  });
});
