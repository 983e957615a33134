import { act, screen } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { severalProfiles } from "../testing/fixtures.ts";
import { renderApp } from "../testing/render.tsx";
import { useSpawnController, type SpawnController } from "./spawn-controller.tsx";

/** Stands in for the build panel: it only knows the controller, never the profiles feature. */
function captureController() {
  const captured: { current: SpawnController | null; panel: () => ReactNode } = {
    current: null,
    panel: () => <Panel />,
  };
  function Panel() {
    captured.current = useSpawnController();
    return <p>panel</p>;
  }
  return captured;
}

describe("SpawnController", () => {
  it("sets an image as the unlisted value and submits through the same checks", async () => {
    const captured = captureController();
    const { submitted } = renderApp(severalProfiles, { companionPanels: captured.panel });
    await screen.findByText("panel");
    const spawn = captured.current!;
    act(() => {
      expect(spawn.setUnlistedValue("image", "quay.io/ada/built:abc123")).toBe(true);
      spawn.setProjectId("gh-ada-demo-1a2b");
      spawn.submit();
    });
    expect(submitted).toEqual([
      [
        ["profile", "cpu"],
        ["profile-option-cpu--image--unlisted-choice", "quay.io/ada/built:abc123"],
        ["profile-option-cpu--resources", "medium"],
        ["profile-option-cpu--launchpad-project", "gh-ada-demo-1a2b"],
      ],
    ]);
  });

  it("refuses options without free text, and an image the admin's regex rejects", async () => {
    const captured = captureController();
    const { submitted } = renderApp(severalProfiles, { companionPanels: captured.panel });
    await screen.findByText("panel");
    const spawn = captured.current!;
    expect(spawn.setUnlistedValue("gpus", "8", "gpu")).toBe(false);
    act(() => {
      expect(spawn.setUnlistedValue("image", "docker.io/evil/x:1")).toBe(true);
      spawn.submit();
    });
    expect(submitted).toEqual([]);
    expect(screen.getByRole("alert")).toHaveTextContent(
      "Use an image from quay.io or ghcr.io, with a tag.",
    );
  });
});
