import { screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import axe from "axe-core";
import { http, HttpResponse } from "msw";
import { beforeAll, describe, expect, it } from "vitest";
import { server } from "../../../testing/server.ts";
import {
  climate,
  deletingProject,
  failedProject,
  octave,
  sampleProjects,
  sshRepo,
  zenodoRecord,
} from "../testing/fixtures.ts";
import {
  deleteProjectHandlers,
  PROJECTS_URL,
  projectsApi,
  projectsListHandlers,
  RUNNING_MESSAGE,
} from "../testing/handlers.ts";
import { installDialogPolyfill, renderPanel } from "../testing/render-panel.tsx";

beforeAll(installDialogPolyfill);

async function table() {
  return screen.findByRole("table", { name: "Your projects" });
}

function rowOf(name: string) {
  const header = screen.getByRole("rowheader", { name: new RegExp(`^${name}`) });
  const row = header.closest("tr");
  if (!row) throw new Error(`no row for ${name}`);
  return row;
}

describe("ProjectsPanel", () => {
  it("lists projects newest launch first, linking each repository that has a web page", async () => {
    server.use(...projectsListHandlers.few());
    renderPanel();
    // Named by the heading above it: Bootstrap 5 puts a <caption> below the table.
    expect((await table()).querySelector("caption")).toBeNull();
    const names = screen.getAllByRole("rowheader").map((cell) => cell.textContent);
    expect(names).toEqual([
      sshRepo.display_name,
      octave.display_name,
      climate.display_name,
      zenodoRecord.display_name,
    ]);

    const link = screen.getByRole("link", { name: "octave" });
    expect(link).toHaveAttribute("href", "https://github.com/ada/octave");
    expect(link).toHaveAttribute("rel", "noopener noreferrer");
    expect(screen.getByRole("link", { name: "zenodo.3242074" })).toHaveAttribute(
      "href",
      "https://doi.org/10.5281/zenodo.3242074",
    );
    // An ssh repository has no page to link to.
    expect(within(rowOf("private-analysis")).queryByRole("link")).toBeNull();

    const row = within(rowOf("climate-notebooks"));
    expect(row.getByText("GitLab.com")).toBeInTheDocument();
    expect(row.getByText("v2.1")).toBeInTheDocument();
    expect(row.getByText(`commit ${climate.resolved_commit}`)).toBeInTheDocument();
    expect(row.getByTitle(climate.resolved_commit ?? "")).toHaveTextContent("0b1c2d3");
    const time = rowOf("climate-notebooks").querySelector("time");
    expect(time).toHaveAttribute("datetime", climate.last_launched_at);
    expect(time).toHaveTextContent("3 days ago");
  });

  it("marks the running server's project and explains why it cannot be deleted", async () => {
    server.use(...projectsListHandlers.few());
    renderPanel({ runningProjectIds: [octave.id] });
    await table();
    expect(within(rowOf("octave")).getByText("Running")).toBeInTheDocument();
    expect(within(rowOf("climate-notebooks")).queryByText("Running")).toBeNull();
    const remove = screen.getByRole("button", { name: "Delete octave" });
    expect(remove).toBeDisabled();
    expect(remove).toHaveAccessibleDescription(
      "A running server uses it: stop the server to delete it.",
    );
    expect(screen.getByRole("button", { name: "Delete climate-notebooks" })).toBeEnabled();
  });

  it("says a start is under way until the companion sees it run, and when none ever ran", async () => {
    server.use(...projectsListHandlers.starting());
    renderPanel();
    await table();
    expect(within(rowOf("new-lab")).getByText("Starting…")).toBeInTheDocument();
    expect(within(rowOf("new-lab")).queryByRole("time")).toBeNull();
    expect(within(rowOf("broken-env")).getByText("Not started yet")).toBeInTheDocument();
    expect(within(rowOf("octave")).queryByText("Starting…")).toBeNull();
    // Never launched: sorted by when it was created, the newest first.
    const names = screen
      .getAllByRole("row")
      .slice(1)
      .map((row) => row.querySelector("a")?.textContent);
    expect(names[0]).toBe("new-lab");
  });

  it("hands Start and Rebuild to the shell without submitting the hub's form", async () => {
    server.use(...projectsListHandlers.few());
    const user = userEvent.setup();
    const { onStart, onRebuild, submitted } = renderPanel();
    await table();
    await user.click(screen.getByRole("button", { name: "Start climate-notebooks" }));
    expect(onStart).toHaveBeenCalledWith(climate);
    await user.click(screen.getByRole("button", { name: "Rebuild climate-notebooks" }));
    expect(onRebuild).toHaveBeenCalledWith({
      provider: "gl",
      repository: climate.repository,
      ref: "v2.1",
    });
    await user.click(screen.getByRole("button", { name: "Delete climate-notebooks" }));
    expect(submitted).not.toHaveBeenCalled();
  });

  it("disables Start and Rebuild while the page is busy", async () => {
    server.use(...projectsListHandlers.few());
    renderPanel({ busy: true });
    await table();
    expect(screen.getByRole("button", { name: "Start octave" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Rebuild octave" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Delete octave" })).toBeEnabled();
  });

  it("confirms a deletion naming the folder, then shows it deleting until it is gone", async () => {
    server.use(...projectsApi({ projects: sampleProjects, deletingPolls: 2 }));
    const user = userEvent.setup();
    renderPanel();
    await table();
    await user.click(screen.getByRole("button", { name: "Delete climate-notebooks" }));

    const dialog = await screen.findByRole("dialog", { name: "Delete climate-notebooks?" });
    expect(dialog).toHaveAttribute("open");
    expect(dialog).toHaveAccessibleDescription(
      `This permanently removes: the folder projects/${climate.id} in your home, with every file in it; ` +
        "the project's entry in Your projects. The image is not deleted, and other projects are untouched.",
    );
    await user.click(
      within(dialog).getByRole("button", { name: "Delete climate-notebooks and its files" }),
    );

    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(within(rowOf("climate-notebooks")).getByText("Deleting…")).toBeInTheDocument();
    // Said visibly, not only to screen readers.
    expect(screen.getByText("Deleting climate-notebooks…")).toHaveClass("alert-success");

    await waitFor(() =>
      expect(screen.queryByRole("rowheader", { name: /^climate-notebooks/ })).toBeNull(),
    );
    expect(screen.getByText("Deleted climate-notebooks.")).toHaveClass("alert");
    expect(screen.getByText("Deleted climate-notebooks.")).not.toHaveClass("visually-hidden");
    expect(screen.getAllByRole("rowheader")).toHaveLength(sampleProjects.length - 1);
  });

  it("shows the companion's 409 in the dialog when a running server uses the project", async () => {
    server.use(...deleteProjectHandlers.running(), ...projectsListHandlers.few());
    const user = userEvent.setup();
    renderPanel();
    await table();
    await user.click(screen.getByRole("button", { name: "Delete octave" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Delete octave and its files" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(RUNNING_MESSAGE);
    expect(within(rowOf("octave")).queryByText("Deleting…")).toBeNull();
  });

  it("polls a project that is being deleted until it disappears", async () => {
    let requests = 0;
    server.events.on("request:start", ({ request }) => {
      if (request.method === "GET" && new URL(request.url).pathname.endsWith("/api/projects"))
        requests += 1;
    });
    server.use(...projectsApi({ projects: [octave, deletingProject], deletingPolls: 3 }));
    renderPanel();
    await table();
    expect(within(rowOf("old-course")).getByText("Deleting…")).toBeInTheDocument();
    expect(within(rowOf("old-course")).queryByRole("button")).toBeNull();
    await waitFor(() =>
      expect(screen.queryByRole("rowheader", { name: /^old-course/ })).toBeNull(),
    );
    expect(requests).toBeGreaterThanOrEqual(3);
    server.events.removeAllListeners();
  });

  it("offers a retry when deleting failed", async () => {
    server.use(...projectsApi({ projects: [octave, failedProject], deletingPolls: 0 }));
    const user = userEvent.setup();
    renderPanel();
    await table();
    expect(
      within(rowOf("thesis")).getByText(/Deleting failed: The removal Job did not finish/),
    ).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Retry deleting thesis" }));
    await waitFor(() => expect(screen.queryByRole("rowheader", { name: /^thesis/ })).toBeNull());
  });

  it("explains what a project is when there are none", async () => {
    server.use(...projectsListHandlers.empty());
    renderPanel();
    expect(
      await screen.findByText(
        /Build an image from a repository and start it: it becomes a project with its own folder/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Your projects" })).toBeInTheDocument();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("says when the limit is reached and leads to the table to delete one", async () => {
    server.use(...projectsListHandlers.overLimit());
    const user = userEvent.setup();
    renderPanel();
    await table();
    expect(screen.getByText(/You have 4 of 4 projects, the most you can keep/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Choose a project to delete" }));
    expect(screen.getByRole("region", { name: "Your projects" })).toHaveFocus();
  });

  it("has no limit notice below the limit", async () => {
    server.use(...projectsListHandlers.few());
    renderPanel();
    await table();
    expect(screen.queryByText(/the most you can keep/)).toBeNull();
  });

  it("works the dialog from the keyboard: Cancel first, Escape closes, focus returns", async () => {
    server.use(...projectsApi({ projects: sampleProjects, deletingPolls: 0 }));
    const user = userEvent.setup();
    renderPanel();
    await table();
    const trigger = screen.getByRole("button", { name: "Delete octave" });
    trigger.focus();
    await user.keyboard("{Enter}");
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(trigger).toHaveFocus();

    await user.keyboard(" ");
    const again = await screen.findByRole("dialog");
    await user.tab();
    expect(
      within(again).getByRole("button", { name: "Delete octave and its files" }),
    ).toHaveFocus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(screen.queryByRole("rowheader", { name: /^octave/ })).toBeNull());
    expect(screen.getByRole("region", { name: "Your projects" })).toHaveFocus();
  });

  it("shows why the list failed and loads it again on request", async () => {
    server.use(...projectsListHandlers.serverError());
    const user = userEvent.setup();
    renderPanel();
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Your projects could not be loaded: The Launchpad service could not read your projects.",
    );
    server.use(...projectsListHandlers.few());
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await table()).toBeInTheDocument();
  });

  it("asks for another user's projects with ?user= (an admin spawning for them)", async () => {
    const asked: string[] = [];
    server.use(
      http.get(PROJECTS_URL, ({ request }) => {
        asked.push(new URL(request.url).search);
        return HttpResponse.json({ user: "bob", projects: [octave], limit: 0, used: 1 });
      }),
    );
    const user = userEvent.setup();
    renderPanel({ user: "bob", me: { name: "ada", csrf_token: "t" } });
    await table();
    expect(asked).toEqual(["?user=bob"]);
    await user.click(screen.getByRole("button", { name: "Delete octave" }));
    expect(await screen.findByRole("dialog")).toHaveTextContent(
      `projects/${octave.id} in bob's home`,
    );
  });

  it("asks for the viewer's own projects without ?user=", async () => {
    const asked: string[] = [];
    server.use(
      http.get(PROJECTS_URL, ({ request }) => {
        asked.push(new URL(request.url).search);
        return HttpResponse.json({ user: "ada", projects: [], limit: 0, used: 0 });
      }),
    );
    renderPanel();
    await screen.findByText(/You have no projects yet/);
    expect(asked).toEqual([""]);
  });

  it("has no axe violations in the table and in the open dialog", async () => {
    server.use(...projectsApi({ projects: [...sampleProjects, deletingProject, failedProject] }));
    const user = userEvent.setup();
    const { container } = renderPanel({ runningProjectIds: [octave.id] });
    await table();
    await user.click(screen.getByRole("button", { name: "Delete climate-notebooks" }));
    await screen.findByRole("dialog");
    // jsdom does no layout, so colours are checked in Storybook and the e2e instead.
    const results = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
    expect(
      results.violations.map(
        (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
      ),
    ).toEqual([]);
  });
});
