import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { launchLinkHandlers } from "../frontend/src/features/launch-links/testing/handlers.ts";
import { LOGIN_REDIRECT_KEY } from "../frontend/src/features/session/login-redirect.ts";
import {
  manyProfiles,
  oneProfile,
  savedOptions,
  severalProfiles,
  unlistedInvalid,
  unlistedValid,
} from "../frontend/src/testing/fixtures.ts";
import { meHandlers } from "../frontend/src/testing/handlers.ts";
import { SpawnPage } from "./story-frame.tsx";

const meta = {
  title: "Spawn page/Profiles and options",
  component: SpawnPage,
  args: { data: severalProfiles },
} satisfies Meta<typeof SpawnPage>;

export default meta;
type Story = StoryObj<typeof meta>;

export const OneProfile: Story = { args: { data: oneProfile } };

/** A few profiles: cards, the selected one marked and holding its options. */
export const AFewProfiles: Story = {};

export const AFewProfilesDark: Story = { args: { theme: "dark" } };

/** More than a handful: a filter and a scrolling list, the selected profile's options below. */
export const ManyProfiles: Story = { args: { data: manyProfiles(200, 2) } };

export const ManyProfilesFiltered: Story = {
  args: { data: manyProfiles(200, 2), theme: "dark" },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.type(canvas.getByRole("searchbox", { name: "Filter profiles" }), "number 19");
    await expect(await canvas.findByText("12 of 200 profiles match.")).toBeInTheDocument();
  },
};

/** Many choices: a searchable list, each choice with its description. */
export const ChoiceListOpen: Story = {
  args: { data: manyProfiles(2, 2) },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole("combobox", { name: "Option 1" }));
    await userEvent.keyboard("choice 4");
    await expect(await canvas.findByRole("option", { name: "Choice 4" })).toBeInTheDocument();
  },
};

/** "Build from a repository" chosen: the build form under it (the companion builds). */
export const BuildChosen: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const entry = await canvas.findByRole("radio", { name: "Build from a repository" });
    // Enabled once the companion has said it builds.
    await waitFor(() => expect(entry).toBeEnabled());
    await userEvent.click(entry);
    await expect(
      await canvas.findByRole("textbox", { name: "GitHub repository" }),
    ).toBeInTheDocument();
  },
};

export const UnlistedValid: Story = { args: { data: unlistedValid } };

export const UnlistedInvalid: Story = { args: { data: unlistedInvalid } };

/** Start refused: the summary links each problem to its field. */
export const ErrorSummary: Story = {
  args: { data: unlistedInvalid, theme: "dark" },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole("button", { name: "Start" }));
    await expect(await canvas.findByRole("alert")).toHaveTextContent("Fix these before starting");
  },
};

export const SavedOptions: Story = { args: { data: savedOptions } };

export const CompanionError: Story = {
  parameters: {
    msw: [meHandlers.serverError],
    settledText: "The Launchpad service failed.",
    settleTimeoutMs: 5000,
  },
};

/** Signed out, and the login was already tried from this tab a moment ago. */
export const CompanionSignedOut: Story = {
  parameters: {
    msw: [meHandlers.unauthorized],
    settledText: "You are not signed in to the Launchpad service.",
  },
  decorators: [
    (Story) => {
      sessionStorage.setItem(LOGIN_REDIRECT_KEY, String(Date.now()));
      return <Story />;
    },
  ],
};

/** Opened from a launch link (docs/launch-links.md): its choices are selected, nothing started. */
export const FromLaunchLink: Story = {
  parameters: {
    msw: [
      launchLinkHandlers.handsOver({
        profile: "gpu",
        options: [{ key: "gpus", value: "2", other: false }],
      }),
    ],
    settledText: "Opened from a launch link",
  },
};

/** A launch link that asks for what this hub does not offer. */
export const FromLaunchLinkWithProblems: Story = {
  parameters: {
    msw: [
      launchLinkHandlers.handsOver({
        profile: "cpu",
        options: [
          { key: "resources", value: "huge", other: false },
          { key: "image", value: "docker.io/someone/else:1", other: true },
          { key: "gpus", value: "8", other: false },
        ],
      }),
    ],
    settledText: "This launch link asks for what this hub does not offer",
  },
};
