import { screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { beforeAll, describe, expect, it } from "vitest";
import {
  manyProfiles,
  oneProfile,
  savedOptions,
  severalProfiles,
  unlistedInvalid,
  xssPayloads,
  xssProfiles,
} from "../../../testing/fixtures.ts";
import { renderApp } from "../../../testing/render.tsx";
import { loadUnlistedCheck } from "../unlisted-check.ts";

const hiddenFields = (form: HTMLFormElement) =>
  [...new FormData(form).entries()].map(([k, v]) => [k, typeof v === "string" ? v : v.name]);

describe("profile picker", () => {
  it("shows a single profile without a radio, and posts it", () => {
    const { form } = renderApp(oneProfile);
    expect(screen.queryByRole("radio", { name: "CPU server" })).toBeNull();
    expect(screen.getByRole("heading", { name: "CPU server" })).toBeInTheDocument();
    expect(hiddenFields(form)[0]).toEqual(["profile", "cpu"]);
  });

  it("names every profile radio and preselects the default", () => {
    renderApp(severalProfiles);
    const group = screen.getByRole("group", { name: "Choose what to start" });
    const names = ["CPU server", "GPU server", "Minimal", "Bring your own image"];
    for (const name of names)
      expect(within(group).getByRole("radio", { name })).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "CPU server" })).toBeChecked();
    expect(screen.getByRole("radio", { name: "CPU server" })).toHaveAccessibleDescription(
      /general purpose server/,
    );
  });

  it("renders options of the selected profile only, with choice descriptions", () => {
    renderApp(severalProfiles);
    expect(screen.getByRole("group", { name: "Image" })).toBeInTheDocument();
    expect(screen.queryByRole("group", { name: "GPUs" })).toBeNull();
    expect(screen.getByRole("radio", { name: "SciPy" })).toHaveAccessibleDescription(
      "Python with the SciPy stack",
    );
    expect(screen.getByRole("radio", { name: "4 CPU, 16 GB" })).toBeChecked();
  });

  it("gives visible controls no name: only the hidden fields are posted", () => {
    const { form } = renderApp(severalProfiles);
    const named = [...form.querySelectorAll("[name]")];
    expect(named.every((el) => el instanceof HTMLInputElement && el.type === "hidden")).toBe(true);
  });

  it("is keyboard operable: arrows move between profiles, Tab reaches options, Space picks", async () => {
    const user = userEvent.setup();
    const { form } = renderApp(severalProfiles);
    await user.tab();
    expect(screen.getByRole("radio", { name: "CPU server" })).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(screen.getByRole("radio", { name: "GPU server" })).toHaveFocus();
    expect(screen.getByRole("radio", { name: "GPU server" })).toBeChecked();
    await user.tab();
    expect(screen.getByRole("radio", { name: "1 GPU" })).toHaveFocus();
    await user.keyboard("{ArrowRight}");
    expect(hiddenFields(form)).toEqual([
      ["profile", "gpu"],
      ["profile-option-gpu--gpus", "2"],
    ]);
    await user.keyboard("{ArrowUp}");
    expect(screen.getByRole("radio", { name: "1 GPU" })).toBeChecked();
  });

  it("makes long choice lists a searchable list, short ones radios", async () => {
    const user = userEvent.setup();
    const { form } = renderApp(manyProfiles(3, 2));
    const list = screen.getByRole("combobox", { name: "Option 1" });
    expect(list).toHaveValue("Choice 0");
    await user.click(list);
    await user.keyboard("choice 5{Enter}");
    expect(list).toHaveValue("Choice 5");
    expect(hiddenFields(form)).toContainEqual(["profile-option-profile-0--option-1", "c5"]);
  });

  it("attaches each choice's description to that choice, not the next one", () => {
    renderApp(severalProfiles);
    const scipy = screen.getByRole("radio", { name: "SciPy" });
    const r = screen.getByRole("radio", { name: "R" });
    expect(scipy).toHaveAccessibleDescription("Python with the SciPy stack");
    expect(r).toHaveAccessibleDescription("R and RStudio");
    // Each description sits inside its own choice's row.
    expect(scipy.closest(".lp-choice")).toHaveTextContent("SciPyPython with the SciPy stack");
    expect(r.closest(".lp-choice")).not.toHaveTextContent("SciPy");
  });

  it("handles 50 profiles × 20 options, expanding only the selected one", async () => {
    const user = userEvent.setup();
    const { form } = renderApp(manyProfiles());
    expect(screen.getAllByRole("radio", { name: /^Profile \d+$/ })).toHaveLength(50);
    expect(screen.getAllByRole("combobox")).toHaveLength(20);
    await user.click(screen.getByRole("radio", { name: "Profile 42" }));
    expect(screen.getAllByRole("combobox")).toHaveLength(20);
    expect(hiddenFields(form)[0]).toEqual(["profile", "profile-42"]);
    expect(hiddenFields(form)).toHaveLength(21);
  });

  // jsdom lays out 200 rows per key press slowly; Chromium does it in the e2e and the bench.
  it(
    "filters many profiles as you type, over names and descriptions",
    { timeout: 30_000 },
    async () => {
      const user = userEvent.setup();
      renderApp(manyProfiles(200, 1));
      const filter = screen.getByRole("searchbox", { name: "Filter profiles" });
      expect(screen.getAllByRole("radio", { name: /^Profile \d+$/ })).toHaveLength(200);
      await user.type(filter, "150");
      expect(screen.getAllByRole("radio", { name: /^Profile \d+$/ })).toEqual([
        screen.getByRole("radio", { name: "Profile 150" }),
      ]);
      expect(screen.getByText("1 of 200 profiles match.")).toBeInTheDocument();
      // Descriptions count too ("Profile number 19"), and every word must match, anywhere:
      // 19, 119 and 190 to 199.
      await user.clear(filter);
      await user.type(filter, "number 19");
      expect(screen.getAllByRole("radio", { name: /^Profile \d+$/ })).toHaveLength(12);
      // Down from the filter reaches the list; Space picks: profile 150 in a few key presses.
      await user.clear(filter);
      await user.type(filter, "Profile 150{ArrowDown} ");
      expect(screen.getByRole("radio", { name: "Profile 150" })).toHaveFocus();
      expect(screen.getByRole("radio", { name: "Profile 150" })).toBeChecked();
      expect(screen.getByRole("heading", { name: "Profile 150" })).toBeInTheDocument();
      await user.clear(filter);
      await user.type(filter, "nothing like this");
      expect(screen.getByText("No profile matches “nothing like this”.")).toBeInTheDocument();
    },
  );

  it("lays out a few profiles as cards, the selected one marked and holding its options", async () => {
    const user = userEvent.setup();
    renderApp(severalProfiles);
    const card = (name: string) => screen.getByRole("radio", { name }).closest(".lp-card");
    expect(card("CPU server")).toHaveAttribute("data-selected");
    expect(card("GPU server")).not.toHaveAttribute("data-selected");
    expect(screen.queryByRole("searchbox")).toBeNull();
    // The whole card picks its profile.
    await user.click(screen.getByText("One NVIDIA T4."));
    expect(screen.getByRole("radio", { name: "GPU server" })).toBeChecked();
    expect(card("GPU server")).toHaveAttribute("data-selected");
  });

  it("preselects saved profile, choices and free text", () => {
    const { form } = renderApp(savedOptions);
    expect(screen.getByRole("radio", { name: "Other..." })).toBeChecked();
    expect(screen.getByRole("textbox", { name: "Custom image" })).toHaveValue(
      "quay.io/pangeo/notebook:2024.01",
    );
    expect(screen.getByRole("radio", { name: "8 CPU, 32 GB" })).toBeChecked();
    expect(hiddenFields(form)).toEqual([
      ["profile", "cpu"],
      ["profile-option-cpu--image--unlisted-choice", "quay.io/pangeo/notebook:2024.01"],
      ["profile-option-cpu--resources", "large"],
    ]);
  });
});

describe("free-text (unlisted) values", () => {
  beforeAll(loadUnlistedCheck);

  it("validates with the Python regex and shows the admin's message", async () => {
    const user = userEvent.setup();
    renderApp(severalProfiles);
    await user.click(screen.getByRole("radio", { name: "Other..." }));
    const input = screen.getByRole("textbox", { name: "Custom image" });
    expect(input).not.toHaveAttribute("aria-invalid");
    await user.type(input, "docker.io/library/python:3");
    expect(input).toHaveAttribute("aria-invalid", "true");
    // Visibly too: Bootstrap's invalid border, the message right below the field.
    expect(input).toHaveClass("is-invalid");
    expect(input.parentElement).toHaveTextContent(
      /Use an image from quay.io or ghcr.io, with a tag.$/,
    );
    expect(input).toHaveAccessibleDescription("Use an image from quay.io or ghcr.io, with a tag.");
    await user.clear(input);
    // The regex uses (?P<registry>…) and \Z, both translated.
    await user.type(input, "  ghcr.io/ada/analysis:v1  ");
    expect(input).not.toHaveAttribute("aria-invalid");
  });

  it("falls back to a default message when the admin wrote none", async () => {
    const user = userEvent.setup();
    renderApp(severalProfiles);
    await user.click(screen.getByRole("radio", { name: "Bring your own image" }));
    const input = screen.getByRole("textbox", { name: "Image name" });
    await user.type(input, "NOT VALID");
    expect(input).toHaveAccessibleDescription("This value is not accepted here.");
  });

  it("posts the trimmed text on a valid submit", async () => {
    const user = userEvent.setup();
    const { submitted } = renderApp(severalProfiles);
    await user.click(screen.getByRole("radio", { name: "Other..." }));
    await user.type(screen.getByRole("textbox", { name: "Custom image" }), "  quay.io/ada/x:1 ");
    await user.click(screen.getByRole("button", { name: "Start" }));
    expect(submitted).toEqual([
      [
        ["profile", "cpu"],
        ["profile-option-cpu--image--unlisted-choice", "quay.io/ada/x:1"],
        ["profile-option-cpu--resources", "medium"],
      ],
    ]);
  });

  it("refuses an invalid submit with a focused summary linking to the field", async () => {
    const user = userEvent.setup();
    const { submitted } = renderApp(unlistedInvalid);
    await user.click(screen.getByRole("button", { name: "Start" }));
    expect(submitted).toEqual([]);
    const summary = screen.getByRole("alert");
    expect(summary).toHaveFocus();
    await user.click(
      within(summary).getByRole("link", {
        name: "Use an image from quay.io or ghcr.io, with a tag.",
      }),
    );
    expect(screen.getByRole("textbox", { name: "Custom image" })).toHaveFocus();
  });

  it("clears the summary as soon as the user edits", async () => {
    const user = userEvent.setup();
    renderApp(unlistedInvalid);
    await user.click(screen.getByRole("button", { name: "Start" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Fix these before starting");
    await user.type(screen.getByRole("textbox", { name: "Custom image" }), "x");
    expect(screen.queryByRole("alert")).toBeNull();
    // The field keeps its own message while the value is still refused.
    expect(screen.getByRole("textbox", { name: "Custom image" })).toHaveAttribute(
      "aria-invalid",
      "true",
    );
  });

  it("re-checks at submit time: empty required text blocks the Enter key too", async () => {
    const user = userEvent.setup();
    const { submitted } = renderApp(severalProfiles);
    await user.click(screen.getByRole("radio", { name: "Bring your own image" }));
    const input = screen.getByRole("textbox", { name: "Image name" });
    await user.type(input, "{Enter}");
    expect(submitted).toEqual([]);
    expect(screen.getByRole("alert")).toHaveTextContent("Enter a value for Image.");
    expect(input).toHaveAttribute("aria-invalid", "true");
    await user.type(input, "python:3.12{Enter}");
    expect(submitted).toEqual([
      [
        ["profile", "bring-your-own"],
        ["profile-option-bring-your-own--image--unlisted-choice", "python:3.12"],
      ],
    ]);
  });
});

describe("admin-written HTML", () => {
  it("never runs scripts or handlers from names and descriptions", () => {
    const { container } = renderApp(xssProfiles);
    expect(container.querySelector("script")).toBeNull();
    const attributes = [...container.querySelectorAll("*")].flatMap((el) =>
      [...el.attributes].map((a) => a.name),
    );
    expect(attributes.filter((name) => name.startsWith("on"))).toEqual([]);
    expect(container.querySelector('a[href^="javascript"]')).toBeNull();
    expect((window as { __xss?: number }).__xss).toBeUndefined();
    // The display name is text, escaped by React.
    expect(screen.getByRole("radio", { name: xssPayloads.displayName })).toBeInTheDocument();
    const link = screen.getAllByRole("link", { name: "ok" })[0];
    expect(link).toHaveAttribute("rel", "noopener noreferrer");
    expect(link).toHaveAttribute("target", "_blank");
    expect(screen.getAllByText("bold")[0]?.tagName).toBe("B");
  });
});
