import { act, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { severalProfiles } from "../testing/fixtures.ts";
import { renderApp } from "../testing/render.tsx";
import type { CompanionSlots } from "./app.tsx";
import { useSpawnController, type SpawnController } from "./spawn-controller.tsx";

/** Stands in for Your projects: it only knows the controller, never the profiles feature. */
function captureController() {
  const captured: { current: SpawnController | null; companion: CompanionSlots } = {
    current: null,
    companion: { buildPanel: () => null, projects: () => <Panel /> },
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
    const { submitted } = renderApp(severalProfiles, { companion: captured.companion });
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
    const { submitted } = renderApp(severalProfiles, { companion: captured.companion });
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

  it("chooses the build entry on request, and posts a built image only through the admin's regex", async () => {
    const captured = captureController();
    const { submitted } = renderApp(severalProfiles, { companion: captured.companion });
    await screen.findByText("panel");
    const spawn = captured.current!;
    const source = { provider: "gh" as const, repo: "ada/demo", ref: "HEAD" };
    expect(spawn.requestBuild("gpu", source)).toBe(false);
    act(() => {
      expect(spawn.requestBuild("cpu", source)).toBe(true);
    });
    expect(screen.getByRole("radio", { name: "Build from a repository" })).toBeChecked();
    // Nothing built yet: Start explains what is missing.
    act(() => spawn.submit());
    expect(submitted).toEqual([]);
    expect(screen.getByRole("alert")).toHaveTextContent(
      "Build an image first, or choose another image.",
    );
    // The build panel sets the image when its build is ready; the user presses Start later.
    act(() => spawn.setBuiltImage("cpu", "image", "docker.io/ada/demo:1"));
    act(() => spawn.submit());
    expect(submitted).toEqual([]);
    expect(screen.getByRole("alert")).toHaveTextContent("Use an image from quay.io or ghcr.io");
    act(() => spawn.setBuiltImage("cpu", "image", "quay.io/ada/demo:1a2b3c"));
    act(() => spawn.submit());
    expect(submitted).toEqual([
      [
        ["profile", "cpu"],
        ["profile-option-cpu--image--unlisted-choice", "quay.io/ada/demo:1a2b3c"],
        ["profile-option-cpu--resources", "medium"],
      ],
    ]);
  });
});
