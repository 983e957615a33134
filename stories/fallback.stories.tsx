import type { Meta, StoryObj } from "@storybook/react-vite";
import { severalProfiles } from "../frontend/src/testing/fixtures.ts";
import { GluePage } from "./story-frame.tsx";

/** What users see when the page cannot take over: the glue's plain form still starts servers. */
const meta = {
  title: "Spawn page/Fallback",
  component: GluePage,
} satisfies Meta<typeof GluePage>;

export default meta;
type Story = StoryObj<typeof meta>;

export const VersionMismatch: Story = {
  args: { data: { ...severalProfiles, version: 2 } },
  parameters: { settledText: /speaks version 2/ },
};

export const InvalidData: Story = {
  args: { data: { ...severalProfiles, profiles: "not a list" } },
  parameters: { settledText: /could not read the profile data/ },
};
