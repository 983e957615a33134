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

  it("uses a labelled select for long choice lists", async () => {
    const user = userEvent.setup();
    const { form } = renderApp(manyProfiles(3, 2));
    const select = screen.getByRole("combobox", { name: "Option 1" });
    await user.selectOptions(select, "Choice 5");
    expect(hiddenFields(form)).toContainEqual(["profile-option-profile-0--option-1", "c5"]);
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
