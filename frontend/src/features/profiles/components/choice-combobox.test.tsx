import { render, screen } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import type { OptionEntry } from "../option-entries.ts";
import { ChoiceCombobox } from "./choice-combobox.tsx";

const entries: OptionEntry[] = [
  { key: "s", label: "Small", description: "1 CPU, 2 GB" },
  { key: "m", label: "Medium", description: "4 CPUs, 16 GB" },
  { key: "l", label: "Large", description: "16 CPUs, 64 GB" },
  { key: "g", label: "GPU", description: "One NVIDIA T4" },
  { key: "x", label: "Océan special", description: "Reserved" },
];

function Harness({ disabled = [] as string[] }) {
  const [value, setValue] = useState("m");
  return (
    <>
      <label htmlFor="c">Resources</label>
      <ChoiceCombobox
        id="c"
        entries={entries}
        value={value}
        disabledKeys={new Set(disabled)}
        onChange={setValue}
      />
      <output>{value}</output>
    </>
  );
}

const value = () => screen.getByRole("status", { hidden: true });

describe("ChoiceCombobox (editable combobox with list autocomplete)", () => {
  it("shows the chosen entry closed, and every entry with its description when opened", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const box = screen.getByRole("combobox", { name: "Resources" });
    expect(box).toHaveValue("Medium");
    expect(box).toHaveAttribute("aria-expanded", "false");
    await user.click(box);
    expect(box).toHaveAttribute("aria-expanded", "true");
    const options = screen.getAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual([
      "Small1 CPU, 2 GB",
      "Medium4 CPUs, 16 GB",
      "Large16 CPUs, 64 GB",
      "GPUOne NVIDIA T4",
      "Océan specialReserved",
    ]);
    expect(screen.getByRole("option", { name: "Medium" })).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("option", { name: "Large" })).toHaveAccessibleDescription(
      "16 CPUs, 64 GB",
    );
    // The active entry is the chosen one at first.
    expect(box).toHaveAttribute("aria-activedescendant", options[1]?.id);
  });

  it("filters by name and description as you type, ignoring case and accents", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const box = screen.getByRole("combobox", { name: "Resources" });
    await user.type(box, "nvidia");
    expect(screen.getAllByRole("option").map((o) => o.firstChild?.textContent)).toEqual(["GPU"]);
    await user.clear(box);
    await user.type(box, "OCEAN");
    expect(screen.getAllByRole("option").map((o) => o.firstChild?.textContent)).toEqual([
      "Océan special",
    ]);
    await user.clear(box);
    await user.type(box, "zzz");
    expect(screen.queryAllByRole("option")).toEqual([]);
    expect(screen.getByText("No choice matches “zzz”.")).toBeInTheDocument();
  });

  it("works from the keyboard: Down/Up move, Enter picks, Escape restores", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const box = screen.getByRole("combobox", { name: "Resources" });
    box.focus();
    await user.keyboard("{ArrowDown}");
    expect(box).toHaveAttribute("aria-expanded", "true");
    await user.keyboard("{ArrowDown}{ArrowDown}{Enter}");
    expect(value()).toHaveTextContent("g");
    expect(box).toHaveValue("GPU");
    expect(box).toHaveAttribute("aria-expanded", "false");
    await user.keyboard("{ArrowUp}{ArrowUp}{Escape}");
    expect(value()).toHaveTextContent("g");
    expect(box).toHaveValue("GPU");
    // Typing then Enter picks the first match.
    await user.keyboard("lar{Enter}");
    expect(value()).toHaveTextContent("l");
  });

  it("picks with the mouse and skips entries that cannot be chosen now", async () => {
    const user = userEvent.setup();
    render(<Harness disabled={["g"]} />);
    const box = screen.getByRole("combobox", { name: "Resources" });
    await user.click(box);
    expect(screen.getByRole("option", { name: "GPU" })).toHaveAttribute("aria-disabled", "true");
    await user.click(screen.getByRole("option", { name: "GPU" }));
    expect(value()).toHaveTextContent("m");
    await user.keyboard("{ArrowDown}{ArrowDown}");
    // From Medium, past Large and the disabled GPU to the last entry.
    await user.keyboard("{Enter}");
    expect(value()).toHaveTextContent("x");
    await user.click(box);
    await user.click(screen.getByRole("option", { name: "Small" }));
    expect(value()).toHaveTextContent("s");
  });

  it("never submits the surrounding form with Enter", async () => {
    const user = userEvent.setup();
    let submits = 0;
    render(
      <form
        onSubmit={(event) => {
          event.preventDefault();
          submits += 1;
        }}
      >
        <Harness />
        <button type="submit">Start</button>
      </form>,
    );
    await user.click(screen.getByRole("combobox", { name: "Resources" }));
    await user.keyboard("{Enter}");
    expect(submits).toBe(0);
  });
});
