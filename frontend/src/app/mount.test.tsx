import { act, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTestQueryClient } from "../testing/render.tsx";
import { hubSpawnPageHtml, sampleJhData, severalProfiles } from "../testing/fixtures.ts";
import { mountLaunchpad } from "./mount.tsx";

let unmount: (() => void) | undefined;
afterEach(() => {
  act(() => unmount?.());
  unmount = undefined;
});

function mount(data: unknown) {
  document.body.innerHTML = hubSpawnPageHtml(data);
  let result: ReturnType<typeof mountLaunchpad> | undefined;
  act(() => {
    result = mountLaunchpad({ jhdata: sampleJhData, queryClient: createTestQueryClient() });
  });
  unmount = result?.root ? () => result?.root?.unmount() : undefined;
  return { result: result!, root: document.getElementById("launchpad-root")! };
}

describe("mountLaunchpad", () => {
  it("replaces the fallback, hides the hub's Start button and injects the styles once", () => {
    const { result, root } = mount(severalProfiles);
    expect(result.state).toBe("ready");
    expect(root.dataset.launchpadState).toBe("ready");
    expect(root.querySelector(".launchpad-fallback")).toBeNull();
    expect(screen.getByRole("radio", { name: "CPU server" })).toBeChecked();
    expect(document.querySelector<HTMLElement>(".feedback-container")?.hidden).toBe(true);
    expect(screen.getAllByRole("button", { name: "Start" })).toHaveLength(1);
    expect(document.querySelectorAll("style#launchpad-styles")).toHaveLength(1);
    act(() => {
      expect(mountLaunchpad({ jhdata: sampleJhData }).root).toBeUndefined();
    });
    expect(screen.getAllByRole("radio", { name: "CPU server" })).toHaveLength(1);
  });

  it("keeps the fallback and explains a version mismatch", () => {
    const { result, root } = mount({ ...severalProfiles, version: 99 });
    expect(result.state).toBe("version-mismatch");
    expect(root.dataset.launchpadState).toBe("version-mismatch");
    expect(root.querySelector(".launchpad-fallback")).not.toBeNull();
    expect(screen.getByRole("status")).toHaveTextContent(
      "This hub's Launchpad glue speaks version 99, the page speaks version 1",
    );
    expect(screen.getByRole("status")).toHaveTextContent(/admin/);
    expect(document.querySelector<HTMLElement>(".feedback-container")?.hidden).toBe(false);
  });

  it("keeps the fallback and summarises invalid data", () => {
    const { result, root } = mount({ ...severalProfiles, profiles: [] });
    expect(result.state).toBe("invalid");
    expect(root.querySelector(".launchpad-fallback")).not.toBeNull();
    expect(screen.getByRole("status")).toHaveTextContent(/profiles/);
  });

  it("a component that throws puts the glue's form and the hub's Start button back", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    document.body.innerHTML = hubSpawnPageHtml(severalProfiles);
    function Throws(): never {
      throw new Error("a bug in the page");
    }
    act(() => {
      mountLaunchpad({
        jhdata: sampleJhData,
        queryClient: createTestQueryClient(),
        companionPanels: () => <Throws />,
      });
    });
    const root = document.getElementById("launchpad-root")!;
    await waitFor(() => expect(root.dataset.launchpadState).toBe("fallback"));
    // The server-rendered form, as the glue wrote it: KubeSpawner's fields, with the default chosen.
    expect(root.querySelector(".launchpad-fallback")).not.toBeNull();
    expect(root.querySelector<HTMLInputElement>('input[name="profile"][checked]')).not.toBeNull();
    expect(screen.getByRole("status")).toHaveTextContent(
      "Launchpad hit a problem, so the basic form is back.",
    );
    const hubStart = document.querySelector<HTMLElement>(".feedback-container")!;
    expect(hubStart.hidden).toBe(false);
    expect(hubStart.style.display).toBe("");
  });

  it("treats unreadable JSON as invalid", () => {
    document.body.innerHTML = hubSpawnPageHtml(severalProfiles).replace(
      /<script[^]*?<\/script>/,
      "",
    );
    expect(mountLaunchpad({ jhdata: sampleJhData }).state).toBe("invalid");
  });
});
