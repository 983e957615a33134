import { render, screen } from "@testing-library/react";
import { lazy } from "react";
import { describe, expect, it, vi } from "vitest";
import { LazyPart } from "./error-boundary.tsx";

function Throws(): never {
  throw new Error("a component that throws");
}

describe("LazyPart", () => {
  it("shows its note in place of a part whose chunk does not load; the rest keeps working", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    // A chunk gone after a redeploy: the import fails with a 404.
    const Missing = lazy(() =>
      Promise.reject(new TypeError("Failed to fetch dynamically imported module")),
    );
    render(
      <>
        <LazyPart loading={<p>Loading…</p>} failed="The image builder could not load.">
          <Missing />
        </LazyPart>
        <button type="button">Start</button>
      </>,
    );
    expect(await screen.findByRole("status")).toHaveTextContent(
      "The image builder could not load.",
    );
    expect(screen.getByRole("button", { name: "Start" })).toBeEnabled();
    expect(logged).toHaveBeenCalled();
  });

  it("contains a part that throws while rendering", () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    render(
      <>
        <LazyPart loading={null} failed="Your projects could not load.">
          <Throws />
        </LazyPart>
        <p>The profile form</p>
      </>,
    );
    expect(screen.getByRole("status")).toHaveTextContent("Your projects could not load.");
    expect(screen.getByText("The profile form")).toBeVisible();
  });
});
