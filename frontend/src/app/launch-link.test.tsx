import { screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { LaunchLink } from "../../../contract/launch-link.ts";
import { PROJECT_OPTION_KEY, type Profile } from "../../../contract/spawn-page.ts";
import { launchLinkHandlers } from "../features/launch-links/testing/handlers.ts";
import { octave } from "../features/projects/testing/fixtures.ts";
import { projectsApi } from "../features/projects/testing/handlers.ts";
import { cpuProfile, gpuProfile, spawnPageData, buildingProfile } from "../testing/fixtures.ts";
import { renderApp } from "../testing/render.tsx";
import { server } from "../testing/server.ts";
import { lazyCompanionSlots } from "./lazy-companion-panels.tsx";

const python: Profile = { ...buildingProfile, default: false };
const data = spawnPageData([cpuProfile, gpuProfile, python]);

function renderLinked(link: LaunchLink) {
  server.use(launchLinkHandlers.handsOver(link), ...projectsApi({ projects: [octave] }));
  const page = renderApp(data, {
    companion: lazyCompanionSlots("/prefix/services/launchpad/", data),
  });
  return { ...page, user: userEvent.setup() };
}

const fields = (submitted: Array<Array<[string, string]>>) =>
  Object.fromEntries(submitted[0] ?? []);

describe("a spawn page opened from a launch link", { timeout: 30_000 }, () => {
  it("preselects the link's profile and options and starts only when the user presses Start", async () => {
    const { user, submitted } = renderLinked({
      profile: "gpu",
      options: [{ key: "gpus", value: "2", other: false }],
    });
    expect(
      await screen.findByText(
        "Opened from a launch link: check the choices below, then press Start.",
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: /GPU server/ })).toBeChecked();
    expect(screen.getByRole("radio", { name: "2 GPUs" })).toBeChecked();
    expect(submitted).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(fields(submitted)).toEqual({ profile: "gpu", "profile-option-gpu--gpus": "2" });
  });

  it("lists what the link asks for that this hub does not offer, and starts nothing", async () => {
    const { submitted } = renderLinked({
      profile: "cpu",
      options: [
        { key: "resources", value: "huge", other: false },
        { key: "resources", value: "1000 CPUs", other: true },
      ],
      repository: { provider: "svn", repo: "x" },
    });
    const alert = await screen.findByRole("alert", {
      name: "This launch link asks for what this hub does not offer",
    });
    expect(within(alert).getByText("Resources has no choice “huge”.")).toBeInTheDocument();
    expect(
      within(alert).getByText("Resources takes only its listed choices, not “1000 CPUs”."),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/names the repository provider “svn”, which Launchpad does not know/),
    ).toBeInTheDocument();
    expect(submitted).toHaveLength(0);
  });

  it("selects the user's own project of the link's repository, with its image and folder", async () => {
    const { user, submitted } = renderLinked({
      profile: "python",
      options: [],
      repository: { provider: "gh", repo: "ada/octave", ref: "main" },
    });
    expect(
      await screen.findByText(/The link's repository is your project octave/),
    ).toBeInTheDocument();
    expect(submitted).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(submitted).toHaveLength(1));
    expect(fields(submitted)).toEqual({
      profile: "python",
      "profile-option-python--image--unlisted-choice": octave.image,
      [`profile-option-python--${PROJECT_OPTION_KEY}`]: octave.id,
    });
  });

  it("puts a repository the user has no project of into the build form, and builds nothing", async () => {
    renderLinked({
      profile: "python",
      options: [],
      repository: { provider: "gh", repo: "https://github.com/binder-examples/requirements" },
    });
    await waitFor(
      () =>
        expect(screen.getByRole("textbox", { name: "GitHub repository" })).toHaveValue(
          "binder-examples/requirements",
        ),
      { timeout: 15_000 },
    );
    expect(screen.queryByRole("button", { name: "Cancel build" })).toBeNull();
  });

  it("offers the link of what the form shows, and a README badge", async () => {
    renderLinked({ profile: "gpu", options: [{ key: "gpus", value: "2", other: false }] });
    await screen.findByText(/Opened from a launch link/);
    const link = screen.getByRole("textbox", { name: "Link" });
    expect(link).toHaveValue(
      `${location.origin}/prefix/services/launchpad/launch?profile=gpu&option.gpus=2`,
    );
    expect(screen.getByRole("textbox", { name: "Markdown badge" })).toHaveValue(
      `[![Launch on Launchpad](${location.origin}/prefix/services/launchpad/badge.svg)](${location.origin}/prefix/services/launchpad/launch?profile=gpu&option.gpus=2)`,
    );
    expect(screen.getByRole("textbox", { name: "HTML badge" })).toHaveValue(
      `<a href="${location.origin}/prefix/services/launchpad/launch?profile=gpu&#38;option.gpus=2"><img src="${location.origin}/prefix/services/launchpad/badge.svg" alt="Launch on Launchpad"></a>`,
    );
  });
});
