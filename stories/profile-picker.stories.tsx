import type { Meta, StoryObj } from "@storybook/react-vite";
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
  title: "Spawn page/Profile picker",
  component: SpawnPage,
  args: { data: severalProfiles },
} satisfies Meta<typeof SpawnPage>;

export default meta;
type Story = StoryObj<typeof meta>;

export const OneProfile: Story = { args: { data: oneProfile } };

export const ManyProfiles: Story = { args: { data: severalProfiles } };

/** 50 profiles × 20 options: only the selected profile's options are expanded. */
export const FiftyProfiles: Story = { args: { data: manyProfiles() } };

export const UnlistedValid: Story = { args: { data: unlistedValid } };

export const UnlistedInvalid: Story = { args: { data: unlistedInvalid } };

export const SavedOptions: Story = { args: { data: savedOptions } };

export const CompanionError: Story = {
  parameters: { msw: [meHandlers.serverError], settledText: "The Launchpad service failed." },
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

export const Dark: Story = { args: { data: savedOptions, theme: "dark" } };
