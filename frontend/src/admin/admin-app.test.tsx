import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";

import { SAMPLE_DOCUMENT } from "../../../contract/profile-editor/sample.ts";
import type { ProfileDocument } from "../../../contract/profile-editor/schema.ts";
import { AUTOSAVE_MS } from "../features/profile-editor/use-draft-editor.ts";
import {
  EDITOR_URL,
  editorApi,
  sampleVersions,
} from "../features/profile-editor/testing/handlers.ts";
import { sampleServiceUrl } from "../testing/fixtures.ts";
import { createTestQueryClient } from "../testing/render.tsx";
import { server } from "../testing/server.ts";
import { AdminApp } from "./admin-app.tsx";

function renderEditor() {
  const user = userEvent.setup();
  render(
    <QueryClientProvider client={createTestQueryClient()}>
      <AdminApp serviceUrl={sampleServiceUrl} hubUrl="/prefix/hub/" user="ada" />
    </QueryClientProvider>,
  );
  return user;
}

async function opened() {
  // The first render loads the state and validates the list: slow on a loaded machine.
  await screen.findByText(
    "No problems found: the list is ready to publish.",
    {},
    { timeout: 10_000 },
  );
}

/** Opens a folded profile by its name. */
async function openProfile(user: ReturnType<typeof userEvent.setup>, name: string) {
  await user.click(screen.getByText(name, { selector: ".pe-profile-name" }));
}

// Typing into the editor re-validates the whole list on each key: on a loaded machine a test takes
// longer than vitest's default 5 s.
describe("the profile editor page", { timeout: 30_000 }, () => {
  it("opens on the published version and saves each change as my draft, with the CSRF header", async () => {
    const saved: { csrf: string | null; body: unknown }[] = [];
    server.use(...editorApi());
    server.use(
      http.put(`${EDITOR_URL}/draft`, async ({ request }) => {
        saved.push({ csrf: request.headers.get("x-launchpad-csrf"), body: await request.json() });
        return HttpResponse.json({
          ...(saved.at(-1)?.body as object),
          updated: "2026-12-01T09:00:00.000Z",
          author: "ada",
        });
      }),
    );
    const user = renderEditor();
    await opened();
    expect(screen.getByText(/Published: version 3, by bob/)).toBeInTheDocument();
    await openProfile(user, "Python");
    const name = screen.getAllByLabelText("Name")[0] as HTMLInputElement;
    await user.clear(name);
    await user.type(name, "Python 3");
    await waitFor(() => expect(saved.length).toBeGreaterThan(0), { timeout: AUTOSAVE_MS * 5 });
    await screen.findByText(/Your draft was saved at/);
    const last = saved.at(-1) as {
      csrf: string;
      body: { base_version: number; document: ProfileDocument };
    };
    expect(last.csrf).toBe("csrf-from-me");
    expect(last.body.base_version).toBe(3);
    expect(last.body.document.profiles[0]?.display_name).toBe("Python 3");
  });

  it("lists each problem as a link that takes focus to its field, and blocks publishing", async () => {
    server.use(...editorApi());
    const user = renderEditor();
    await opened();
    await openProfile(user, "Python");
    const slug = screen.getAllByLabelText("Slug")[0] as HTMLInputElement;
    await user.clear(slug);
    await user.type(slug, "py thon");
    const summary = await screen.findByRole("region", { name: "1 problem stops publishing" });
    const link = within(summary).getByRole("link", { name: "Python" });
    expect(summary).toHaveTextContent('The slug "py thon" may hold only lower-case letters');
    await user.click(link);
    expect(slug).toHaveFocus();
    expect(slug).toHaveAttribute("aria-invalid", "true");
    expect(slug).toHaveAccessibleDescription(expect.stringContaining("may hold only"));
    await user.type(screen.getByLabelText("What changed, and why"), "rename");
    expect(screen.getByRole("button", { name: "Publish" })).toBeDisabled();
  });

  it("shows what the registries say about each image", async () => {
    const missing = "quay.io/jupyter/scipy-notebook:2025-13-01";
    const draft = structuredClone(SAMPLE_DOCUMENT);
    draft.profiles[0]!.options[0]!.choices[0]!.settings.image = missing;
    server.use(
      ...editorApi({
        versions: sampleVersions(),
        draft: {
          base_version: 3,
          document: draft,
          updated: "2026-12-01T09:00:00.000Z",
          author: "ada",
        },
        images: {
          [missing]: "missing",
          "quay.io/pangeo/pangeo-notebook:2025.06.02": "unreachable",
        },
      }),
    );
    const user = renderEditor();
    await opened();
    await user.click(screen.getByRole("button", { name: "Check images in their registries" }));
    const item = (await screen.findByText(missing)).closest("li") as HTMLElement;
    await within(item).findByText("Missing");
    expect(item).toHaveTextContent("(MANIFEST_UNKNOWN)");
    const unreachable = screen
      .getByText("quay.io/pangeo/pangeo-notebook:2025.06.02")
      .closest("li") as HTMLElement;
    expect(within(unreachable).getByRole("checkbox", { name: /Publish anyway/ })).not.toBeChecked();
  });

  it("publishes, and says when spawn pages will show it", async () => {
    server.use(...editorApi());
    const user = renderEditor();
    await opened();
    await openProfile(user, "GPU (T4)");
    const names = screen.getAllByLabelText("Name");
    await user.type(names[names.length - 1] as HTMLElement, " large");
    await user.type(screen.getByLabelText("What changed, and why"), "Bigger GPU name");
    await user.click(screen.getByRole("button", { name: "Publish" }));
    await screen.findByText("Version 4 is published. Spawn pages show it within 10 seconds.");
    expect(screen.getByText(/Published: version 4, by ada/)).toBeInTheDocument();
  });

  it("shows a conflict with what the other admin changed, and publishes over it once told to", async () => {
    const theirs = structuredClone(sampleVersions()[2]!.document);
    theirs.profiles[0]!.options[0]!.choices[1]!.settings.image =
      "quay.io/pangeo/pangeo-notebook:2025.08.01";
    server.use(
      ...editorApi({
        publishedMeanwhile: { author: "bob", message: "Pangeo of August", document: theirs },
      }),
    );
    const user = renderEditor();
    await opened();
    await openProfile(user, "Python");
    const name = screen.getAllByLabelText("Name")[0] as HTMLInputElement;
    await user.type(name, " 3");
    await user.type(screen.getByLabelText("What changed, and why"), "mine");
    await user.click(screen.getByRole("button", { name: "Publish" }));
    const conflict = await screen.findByRole("alert", { name: "Someone else published first" });
    expect(conflict).toHaveTextContent("bob published version 4");
    const theirChanges = within(conflict).getByRole("region", { name: "What version 4 changed" });
    expect(theirChanges).toHaveTextContent("quay.io/pangeo/pangeo-notebook:2025.08.01");
    const mine = within(conflict).getByRole("region", {
      name: "What publishing your list would change",
    });
    expect(mine).toHaveTextContent("Python 3");
    await user.click(
      within(conflict).getByRole("button", { name: "Keep my list and publish it over version 4" }),
    );
    await user.click(screen.getByRole("button", { name: "Publish" }));
    await screen.findByText("Version 5 is published. Spawn pages show it within 10 seconds.");
  });

  it("compares two versions in the history and rolls back to one", async () => {
    server.use(...editorApi());
    const user = renderEditor();
    await opened();
    await user.click(screen.getByRole("tab", { name: "History" }));
    const table = await screen.findByRole("table", { name: /Newest first/ });
    const rows = within(table).getAllByRole("row");
    expect(rows.map((r) => r.querySelector("th")?.textContent)).toEqual([
      "Version",
      "3current",
      "2",
      "1",
    ]);
    // Without a choice, the diff shows what the current version changed.
    await screen.findByRole("region", { name: "From version 2 to version 3" });
    await user.click(within(rows[3] as HTMLElement).getByRole("radio", { name: "from" }));
    const diff = await screen.findByRole("region", { name: "From version 1 to version 3" });
    expect(diff).toHaveTextContent("quay.io/jupyter/scipy-notebook:2025-06-02");
    expect(diff).toHaveTextContent("quay.io/jupyter/scipy-notebook:2025-07-01");
    expect(diff).toHaveTextContent("GPU (T4)");

    await user.click(screen.getByRole("button", { name: "Roll back to version 1" }));
    const confirm = await screen.findByRole("region", { name: "Roll back to version 1?" });
    await within(confirm).findByRole("region", { name: "From version 3 to version 1" });
    await user.click(within(confirm).getByRole("button", { name: "Roll back to version 1" }));
    await screen.findByText("Rolled back: version 4 republishes version 1.");
  });

  it("previews the spawn page as a member of a group sees it", async () => {
    server.use(...editorApi());
    const user = renderEditor();
    await opened();
    await user.click(screen.getByRole("tab", { name: "Preview" }));
    const as = screen.getByLabelText("See the spawn page as");
    // One profile for everyone: the picker shows it as a heading, with its options.
    expect(screen.getByRole("heading", { name: "Python" })).toBeInTheDocument();
    expect(screen.queryByText("GPU (T4)")).not.toBeInTheDocument();
    await user.selectOptions(as, "a member of gpu-users");
    expect(await screen.findByRole("radio", { name: "GPU (T4)" })).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "Python" })).toBeChecked();
  });

  it("previews a hostile description cleaned: markup kept, script and handlers gone", async () => {
    const hostile = structuredClone(SAMPLE_DOCUMENT);
    hostile.profiles[0]!.description =
      'Safe <b>bold</b><img src="x" onerror="window.__pwned=1"><script>window.__pwned=2</script><a href="javascript:alert(1)">link</a>';
    const versions = sampleVersions();
    versions.push({ ...versions.at(-1)!, number: 4, document: hostile });
    server.use(...editorApi({ versions }));
    const user = renderEditor();
    await opened();
    await user.click(screen.getByRole("tab", { name: "Preview" }));
    const preview = await screen.findByRole("region", { name: "Preview" });
    await waitFor(() => expect(preview.querySelector("b")?.textContent).toBe("bold"));
    expect(preview.querySelector("script")).toBeNull();
    expect(preview.querySelector("[onerror]")).toBeNull();
    expect(preview.querySelector('a[href^="javascript:"]')).toBeNull();
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("moves between tabs with the arrow keys", async () => {
    server.use(...editorApi());
    const user = renderEditor();
    await opened();
    screen.getByRole("tab", { name: "Edit" }).focus();
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("tab", { name: "Preview" })).toHaveFocus();
    expect(screen.getByRole("tab", { name: "Preview" })).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{End}");
    expect(screen.getByRole("tab", { name: "Import and export" })).toHaveFocus();
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("tab", { name: "Edit" })).toHaveFocus();
  });
});
