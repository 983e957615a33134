import type { Meta, StoryObj } from "@storybook/react-vite";
import { severalProfiles } from "../frontend/src/testing/fixtures.ts";
import { GluePage } from "./story-frame.tsx";

/** The glue's server-rendered form: before the page loads, and when the page cannot take over. */
const meta = {
  title: "Spawn page/Server-rendered form",
  component: GluePage,
} satisfies Meta<typeof GluePage>;

export default meta;
type Story = StoryObj<typeof meta>;

/** As first painted, before any script has run: usable, and laid out as the page. */
export const FirstPaint: Story = { args: { data: severalProfiles, boot: false } };

export const VersionMismatch: Story = {
  args: { data: { ...severalProfiles, version: 2 } },
  parameters: { settledText: /speaks version 2/ },
};

export const InvalidData: Story = {
  args: { data: { ...severalProfiles, profiles: "not a list" } },
  parameters: { settledText: /could not read the profile data/ },
};
