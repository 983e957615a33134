import { fireEvent, render, screen } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { BuildSource, Provider } from "../../../../../contract/providers/catalog.ts";
import { loadLastSource, saveLastSource } from "../build-source-storage.ts";
import { BuildForm, type BuildFormProps } from "./build-form.tsx";

/** A Storage in memory, so tests never share the real localStorage. */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (key) => map.get(key) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (key) => void map.delete(key),
    setItem: (key, value) => void map.set(key, value),
  };
}

/** Renders the form inside a form like the hub's spawn form and counts real submissions. */
function renderForm(props: Partial<BuildFormProps> = {}) {
  const onBuild = vi.fn<(source: BuildSource) => void>();
  const onSubmit = vi.fn((event: SubmitEvent) => event.preventDefault());
  const form = document.createElement("form");
  form.addEventListener("submit", onSubmit);
  // The hub's spawn form has a submit button, which is what makes Enter in a field submit it.
  const start = document.createElement("button");
  start.type = "submit";
  start.textContent = "Start";
  form.append(start);
  document.body.append(form);
  const storage = props.storage ?? memoryStorage();
  const container = form.appendChild(document.createElement("div"));
  render(
    <BuildForm
      allowedProviders={["gh", "gl", "git", "zenodo"]}
      busy={false}
      onBuild={onBuild}
      storage={storage}
      {...props}
    />,
    {
      container,
    },
  );
  return { onBuild, onSubmit, storage, user: userEvent.setup() };
}

describe("BuildForm", () => {
  it("offers the allowed providers with each provider's label and placeholder", async () => {
    const { user } = renderForm();
    expect(screen.getByRole("combobox", { name: "Provider" })).toHaveDisplayValue("GitHub");
    expect(screen.getByRole("textbox", { name: "GitHub repository" })).toHaveAttribute(
      "placeholder",
      expect.stringContaining("owner/repository"),
    );
    expect(screen.getByRole("textbox", { name: "Branch, tag or commit" })).toHaveValue("HEAD");
    expect(screen.getAllByRole("option").map((o) => o.textContent)).toEqual([
      "GitHub",
      "GitLab.com",
      "Git repository",
      "Zenodo",
    ]);
    await user.selectOptions(screen.getByRole("combobox", { name: "Provider" }), "zenodo");
    expect(screen.getByRole("textbox", { name: "Zenodo DOI" })).toBeInTheDocument();
    expect(
      screen.queryByRole("textbox", { name: "Branch, tag or commit" }),
    ).not.toBeInTheDocument();
  });

  it("builds with the normalised source", async () => {
    const { user, onBuild } = renderForm();
    await user.type(
      screen.getByRole("textbox", { name: "GitHub repository" }),
      "binder-examples/requirements.git",
    );
    await user.click(screen.getByRole("button", { name: "Build image" }));
    expect(onBuild).toHaveBeenCalledWith({
      provider: "gh",
      repo: "binder-examples/requirements",
      ref: "HEAD",
    });
    // One button: starting is the page's Start, once the image is built.
    const own = screen.getAllByRole("button").filter((b) => b.textContent !== "Start");
    expect(own).toEqual([screen.getByRole("button", { name: "Build image" })]);
  });

  it.each(["GitHub repository", "Branch, tag or commit"])(
    "Enter in %s builds and does not submit the spawn form",
    async (field) => {
      const { user, onBuild, onSubmit } = renderForm();
      await user.type(screen.getByRole("textbox", { name: "GitHub repository" }), "org/repo");
      await user.type(screen.getByRole("textbox", { name: field }), "{Enter}");
      expect(onSubmit).not.toHaveBeenCalled();
      expect(onBuild).toHaveBeenCalledWith({ provider: "gh", repo: "org/repo", ref: "HEAD" });
    },
  );

  it("never submits the spawn form from its buttons, even when invalid", async () => {
    const { user, onSubmit, onBuild } = renderForm();
    for (const button of screen.getAllByRole("button").filter((b) => b.textContent !== "Start")) {
      expect(button).toHaveAttribute("type", "button");
    }
    await user.click(screen.getByRole("button", { name: "Build image" }));
    await user.type(screen.getByRole("textbox", { name: "GitHub repository" }), "{Enter}");
    expect(onSubmit).not.toHaveBeenCalled();
    expect(onBuild).not.toHaveBeenCalled();
  });

  it("explains an invalid repository and focuses it", async () => {
    const { user, onBuild } = renderForm();
    const repo = screen.getByRole("textbox", { name: "GitHub repository" });
    await user.type(repo, "just-a-name");
    await user.click(screen.getByRole("button", { name: "Build image" }));
    expect(onBuild).not.toHaveBeenCalled();
    expect(repo).toHaveAttribute("aria-invalid", "true");
    expect(repo).toHaveClass("is-invalid");
    expect(repo).toHaveAccessibleDescription(expect.stringContaining("owner/repository"));
    // The message sits right under its own field.
    expect(repo.nextElementSibling).toHaveTextContent(/owner\/repository/);
    expect(repo).toHaveFocus();
  });

  it("explains an invalid ref", async () => {
    const { user, onBuild } = renderForm();
    await user.type(screen.getByRole("textbox", { name: "GitHub repository" }), "org/repo");
    const ref = screen.getByRole("textbox", { name: "Branch, tag or commit" });
    await user.clear(ref);
    await user.type(ref, "bad ref");
    await user.click(screen.getByRole("button", { name: "Build image" }));
    expect(onBuild).not.toHaveBeenCalled();
    expect(ref).toHaveAccessibleDescription(expect.stringContaining("branch, tag or commit"));
  });

  it.each<[string, Provider, string, string, string]>([
    ["https://github.com/org/repo/tree/dev", "gh", "GitHub repository", "org/repo", "dev"],
    ["https://gitlab.com/g/p/-/tree/v2", "gl", "GitLab.com project", "g/p", "v2"],
    [
      "https://codeberg.org/o/r.git",
      "git",
      "Git repository URL",
      "https://codeberg.org/o/r.git",
      "HEAD",
    ],
  ])("pasting %s fills provider, repository and ref", async (url, provider, label, repo, ref) => {
    const { user } = renderForm();
    await user.click(screen.getByRole("textbox", { name: "GitHub repository" }));
    await user.paste(url);
    expect(screen.getByRole("combobox", { name: "Provider" })).toHaveValue(provider);
    expect(screen.getByRole("textbox", { name: label })).toHaveValue(repo);
    expect(screen.getByRole("textbox", { name: "Branch, tag or commit" })).toHaveValue(ref);
  });

  it("pasting a zenodo link switches to Zenodo without a ref", async () => {
    const { user } = renderForm();
    await user.click(screen.getByRole("textbox", { name: "GitHub repository" }));
    await user.paste("https://zenodo.org/records/3242074");
    expect(screen.getByRole("textbox", { name: "Zenodo DOI" })).toHaveValue(
      "10.5281/zenodo.3242074",
    );
    expect(
      screen.queryByRole("textbox", { name: "Branch, tag or commit" }),
    ).not.toBeInTheDocument();
  });

  it("builds a GitHub link as a git URL when only git is allowed", async () => {
    const { user } = renderForm({ allowedProviders: ["git"] });
    await user.click(screen.getByRole("textbox", { name: "Git repository URL" }));
    await user.paste("https://github.com/org/repo/tree/dev");
    expect(screen.getByRole("textbox", { name: "Git repository URL" })).toHaveValue(
      "https://github.com/org/repo",
    );
    expect(screen.getByRole("textbox", { name: "Branch, tag or commit" })).toHaveValue("dev");
  });

  it("pastes plain text as text", async () => {
    const { user } = renderForm();
    const repo = screen.getByRole("textbox", { name: "GitHub repository" });
    await user.click(repo);
    await user.paste("org/repo");
    expect(repo).toHaveValue("org/repo");
  });

  it("remembers the last source and restores it", async () => {
    const storage = memoryStorage();
    const { user } = renderForm({ storage });
    await user.selectOptions(screen.getByRole("combobox", { name: "Provider" }), "gl");
    await user.type(screen.getByRole("textbox", { name: "GitLab.com project" }), "g/p");
    await user.click(screen.getByRole("button", { name: "Build image" }));
    expect(loadLastSource(storage)).toEqual({ provider: "gl", repo: "g/p", ref: "HEAD" });
    document.body.replaceChildren();
    renderForm({ storage });
    expect(screen.getByRole("textbox", { name: "GitLab.com project" })).toHaveValue("g/p");
  });

  it("ignores a remembered provider that is no longer allowed, and junk in storage", () => {
    const storage = memoryStorage();
    saveLastSource({ provider: "zenodo", repo: "10.5281/zenodo.1", ref: "" }, storage);
    renderForm({ storage, allowedProviders: ["gh"] });
    expect(screen.getByRole("textbox", { name: "GitHub repository" })).toHaveValue("");
    storage.setItem("launchpad.build.last-source", "{not json");
    expect(loadLastSource(storage)).toBeNull();
  });

  it("waits while a build runs", () => {
    const { onBuild } = renderForm({
      busy: true,
      initialSource: { provider: "gh", repo: "org/repo", ref: "HEAD" },
    });
    expect(screen.getByRole("button", { name: "Building…" })).toBeDisabled();
    fireEvent.keyDown(screen.getByRole("textbox", { name: "GitHub repository" }), { key: "Enter" });
    expect(onBuild).not.toHaveBeenCalled();
  });
});
