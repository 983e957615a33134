import { act, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hubSpawnPageHtml, sampleJhData, severalProfiles } from "../testing/fixtures.ts";
import { mountLaunchpad, STEPPED_ASIDE, type Mounted } from "./mount.tsx";

let mounted: Mounted | undefined;
afterEach(() => {
  act(() => mounted?.root?.unmount());
  mounted = undefined;
});

function load(data: unknown, before?: (doc: Document) => void) {
  document.body.innerHTML = hubSpawnPageHtml(data);
  before?.(document);
  act(() => {
    mounted = mountLaunchpad({ jhdata: sampleJhData });
  });
  return { result: mounted!, root: document.getElementById("launchpad-root")! };
}

const serverForm = () => document.querySelector<HTMLFieldSetElement>("[data-launchpad-form]")!;
const posted = () =>
  [...new FormData(document.querySelector("form")!).entries()].map(([k, v]) => [
    k,
    typeof v === "string" ? v : v.name,
  ]);

describe("mountLaunchpad", () => {
  it("takes the server-rendered form over in place: hidden and disabled, kept, nothing posted twice", () => {
    const { result, root } = load(severalProfiles);
    expect(result.state).toBe("ready");
    expect(root.dataset.launchpadState).toBe("ready");
    expect(serverForm().hidden).toBe(true);
    expect(serverForm().disabled).toBe(true);
    // The page's own controls, one Start, and only the page's hidden fields are posted.
    expect(screen.getByRole("radio", { name: "CPU server" })).toBeChecked();
    expect(screen.getAllByRole("button", { name: "Start" })).toHaveLength(1);
    expect(posted()).toEqual([
      ["profile", "cpu"],
      ["profile-option-cpu--image", "scipy"],
      ["profile-option-cpu--resources", "medium"],
    ]);
    expect(document.querySelectorAll("style#launchpad-styles")).toHaveLength(1);
    act(() => {
      expect(mountLaunchpad({ jhdata: sampleJhData }).root).toBeUndefined();
    });
    expect(screen.getAllByRole("radio", { name: "CPU server" })).toHaveLength(1);
  });

  it("keeps what the user chose in the server-rendered form before the page loaded", () => {
    load(severalProfiles, (doc) => {
      doc.querySelector<HTMLInputElement>("#lps-0-0-other")!.checked = true;
      doc.querySelector<HTMLInputElement>("#lps-0-0-text")!.value = "quay.io/ada/x:1";
      doc.querySelector<HTMLSelectElement>("#lps-0-1")!.value = "large";
    });
    expect(screen.getByRole("radio", { name: "Other..." })).toBeChecked();
    expect(screen.getByRole("textbox", { name: "Custom image" })).toHaveValue("quay.io/ada/x:1");
    expect(screen.getByRole("radio", { name: "8 CPU, 32 GB" })).toBeChecked();
    expect(posted()).toEqual([
      ["profile", "cpu"],
      ["profile-option-cpu--image--unlisted-choice", "quay.io/ada/x:1"],
      ["profile-option-cpu--resources", "large"],
    ]);
  });

  it("keeps another profile picked there, and the caret where the user was typing", () => {
    load(severalProfiles, (doc) => {
      doc.querySelector<HTMLInputElement>("#lps-1")!.checked = true;
    });
    expect(screen.getByRole("radio", { name: "GPU server" })).toBeChecked();

    act(() => mounted?.root?.unmount());
    load(severalProfiles, (doc) => {
      doc.querySelector<HTMLInputElement>("#lps-0-0-other")!.checked = true;
      const text = doc.querySelector<HTMLInputElement>("#lps-0-0-text")!;
      text.value = "quay.io/ada";
      text.focus();
      text.setSelectionRange(4, 4);
    });
    const text = screen.getByRole("textbox", { name: "Custom image" });
    expect(text).toHaveFocus();
    expect((text as HTMLInputElement).selectionStart).toBe(4);
  });

  it("gives the page back to the server-rendered form on restore()", async () => {
    const user = userEvent.setup();
    const { result, root } = load(severalProfiles);
    await user.click(screen.getByRole("radio", { name: "R" }));
    act(() => result.restore?.());
    expect(root.dataset.launchpadState).toBe("fallback");
    // Asked for, not a crash: nothing to explain.
    expect(screen.queryByText(STEPPED_ASIDE)).toBeNull();
    expect(serverForm().hidden).toBe(false);
    expect(serverForm().disabled).toBe(false);
    expect(root.querySelector(".lp-app")).toBeNull();
    // The form works on its own again: KubeSpawner's fields, from where the page took it over.
    expect(posted()).toEqual([
      ["profile", "cpu"],
      ["profile-option-cpu--image", "scipy"],
      ["profile-option-cpu--image--unlisted-choice", ""],
      ["profile-option-cpu--resources", "medium"],
    ]);
  });

  it("gives the form back by itself when the page throws after it has taken over", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    function Fragile() {
      const [broken, setBroken] = useState(false);
      if (broken) throw new Error("a bug in the page");
      return (
        <button type="button" onClick={() => setBroken(true)}>
          Break
        </button>
      );
    }
    let root!: HTMLElement;
    act(() => {
      document.body.innerHTML = hubSpawnPageHtml(severalProfiles);
      mounted = mountLaunchpad({
        jhdata: sampleJhData,
        companion: { buildPanel: () => null, projects: () => <Fragile /> },
      });
      root = document.getElementById("launchpad-root")!;
    });
    const breaker = await screen.findByRole("button", { name: "Break" });
    // As in a browser, outside act(): under act() React rethrows instead of reporting the error.
    const actEnvironment = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
    actEnvironment.IS_REACT_ACT_ENVIRONMENT = false;
    try {
      breaker.click();
      await waitFor(() => expect(root.dataset.launchpadState).toBe("fallback"));
    } finally {
      actEnvironment.IS_REACT_ACT_ENVIRONMENT = true;
    }
    expect(serverForm().hidden).toBe(false);
    expect(serverForm().disabled).toBe(false);
    expect(root.querySelector(".lp-app")).toBeNull();
    expect(posted()).toContainEqual(["profile", "cpu"]);
    // The page went away under the user: a short notice above the form says why.
    expect(screen.getByRole("status")).toHaveTextContent(STEPPED_ASIDE);
    expect(root.firstElementChild).toBe(screen.getByRole("status"));
    expect(error).toHaveBeenCalledWith(
      "Launchpad stopped; the form keeps working without it.",
      expect.objectContaining({ message: "a bug in the page" }),
    );
    error.mockRestore();
  });

  it("keeps the server-rendered form when it throws before taking it over (no Object.hasOwn)", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    // Safari before 15.4 has no Object.hasOwn, which reads the saved options before the first
    // render (jsdom itself needs it, so only the page's call fails here).
    const hasOwn = Object.hasOwn;
    const missing = vi.spyOn(Object, "hasOwn").mockImplementation((object, key) => {
      if (key === "profile") throw new TypeError("Object.hasOwn is not a function");
      return hasOwn(object, key);
    });
    let loaded: ReturnType<typeof load>;
    try {
      loaded = load(severalProfiles);
    } finally {
      missing.mockRestore();
    }
    expect(loaded.result).toEqual({ state: "fallback" });
    expect(loaded.root.dataset.launchpadState).toBe("fallback");
    expect(serverForm().hidden).toBe(false);
    expect(serverForm().disabled).toBe(false);
    expect(loaded.root.querySelector(".lp-app")).toBeNull();
    expect(posted()).toContainEqual(["profile", "cpu"]);
    // Nothing on screen changed: no notice.
    expect(screen.queryByRole("status")).toBeNull();
    expect(error).toHaveBeenCalledWith(
      "Launchpad stopped; the form keeps working without it.",
      expect.any(TypeError),
    );
    error.mockRestore();
  });

  it("replaces an older glue's fallback that lacks the attribute, and brings it back on restore()", () => {
    const { result, root } = load(severalProfiles, (doc) => {
      doc.getElementById("launchpad-root")!.innerHTML =
        '<fieldset class="launchpad-fallback"><input type="radio" name="profile" value="gpu" checked></fieldset>';
    });
    expect(root.querySelector(".launchpad-fallback")).toBeNull();
    expect(posted().filter(([name]) => name === "profile")).toEqual([["profile", "cpu"]]);
    act(() => result.restore?.());
    expect(root.querySelector(".launchpad-fallback")).not.toBeNull();
    expect(posted()).toEqual([["profile", "gpu"]]);
  });

  it("keeps the server-rendered form and explains a version mismatch", () => {
    const { result, root } = load({ ...severalProfiles, version: 99 });
    expect(result.state).toBe("version-mismatch");
    expect(root.dataset.launchpadState).toBe("version-mismatch");
    expect(serverForm().hidden).toBe(false);
    expect(screen.getByRole("status")).toHaveTextContent(
      "This hub's Launchpad glue speaks version 99, the page speaks version 1",
    );
    expect(screen.getByRole("status")).toHaveTextContent(/admin/);
  });

  it("keeps the server-rendered form and summarises invalid data", () => {
    const { result } = load({ ...severalProfiles, profiles: [] });
    expect(result.state).toBe("invalid");
    expect(serverForm().hidden).toBe(false);
    expect(screen.getByRole("status")).toHaveTextContent(/profiles/);
  });

  it("treats unreadable JSON as invalid", () => {
    document.body.innerHTML = hubSpawnPageHtml(severalProfiles).replace(
      /<script[^]*?<\/script>/,
      "",
    );
    expect(mountLaunchpad({ jhdata: sampleJhData }).state).toBe("invalid");
  });
});
