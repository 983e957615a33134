import type { Meta, StoryObj } from "@storybook/react-vite";
import type { ReactNode } from "react";
import { expect, fn, userEvent, within } from "storybook/test";
import {
  ProjectsPanel,
  type ProjectsPanelProps,
} from "../frontend/src/features/projects/components/projects-panel.tsx";
import {
  climate,
  deletingProject,
  failedProject,
  FIXTURE_NOW,
  octave,
  sampleProjects,
  zenodoRecord,
} from "../frontend/src/features/projects/testing/fixtures.ts";
import {
  deleteProjectHandlers,
  projectsApi,
  projectsListHandlers,
} from "../frontend/src/features/projects/testing/handlers.ts";
import {
  hubServer,
  hubServersApi,
  projectHubServer,
  TEST_HUB_ACCESS,
} from "../frontend/src/features/projects/testing/hub-handlers.ts";
import { sampleServiceUrl } from "../frontend/src/testing/fixtures.ts";
import { SpawnFormFrame } from "./story-frame.tsx";

/** The panel as the app shell mounts it: inside the hub's spawn form, one QueryClient per story. */
function ProjectsPanelFrame(props: ProjectsPanelProps): ReactNode {
  return (
    <SpawnFormFrame>
      <ProjectsPanel {...props} />
    </SpawnFormFrame>
  );
}

const meta = {
  title: "Spawn page/Your projects",
  component: ProjectsPanelFrame,
  args: {
    serviceUrl: sampleServiceUrl,
    user: "ada",
    me: { name: "ada", csrf_token: "csrf-from-me" },
    now: FIXTURE_NOW,
    onStart: fn(),
    onRebuild: fn(),
  },
} satisfies Meta<typeof ProjectsPanelFrame>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Empty: Story = {
  parameters: { msw: projectsListHandlers.empty(), settledText: "You have no projects yet" },
};

/** Deleting one goes through the confirmation, then the row shows "Deleting…" until it is gone. */
export const AFew: Story = {
  parameters: { msw: projectsListHandlers.few(), settledText: "climate-notebooks" },
};

export const Many: Story = {
  parameters: { msw: projectsListHandlers.many(), settledText: "week-60" },
};

export const RunningServer: Story = {
  args: { runningProjectIds: [octave.id] },
  parameters: {
    msw: [...deleteProjectHandlers.running(), ...projectsListHandlers.few()],
    settledText: "stop the server to delete it",
  },
};

export const Deleting: Story = {
  parameters: {
    msw: projectsApi({
      projects: [...sampleProjects, deletingProject, failedProject],
      deletingPolls: 5,
    }),
    settledText: "Deleting…",
  },
};

/** A start the companion has not yet seen run, and a project whose only start never ran. */
export const Starting: Story = {
  parameters: { msw: projectsListHandlers.starting(), settledText: "Not started yet" },
};

export const OverLimit: Story = {
  parameters: { msw: projectsListHandlers.overLimit(), settledText: "the most you can keep" },
};

export const LoadFailed: Story = {
  parameters: { msw: projectsListHandlers.serverError(), settledText: "could not be loaded" },
};

/** An admin spawning for someone else sees that person's projects. */
export const AdminForAnotherUser: Story = {
  args: { user: "bob", me: { name: "ada", csrf_token: "csrf-from-me" } },
  parameters: { msw: projectsListHandlers.few(), settledText: "octave" },
};

export const ConfirmDelete: Story = {
  parameters: { msw: projectsListHandlers.few(), settledText: "climate-notebooks" },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole("button", { name: "Delete climate-notebooks" }));
    const dialog = await within(canvasElement.ownerDocument.body).findByRole("dialog");
    await expect(dialog).toHaveTextContent("projects/");
  },
};

/** After the confirmation: the deletion is said visibly, and the row waits for the folder to go. */
export const DeleteConfirmed: Story = {
  parameters: { msw: projectsApi({ projects: sampleProjects, deletingPolls: 50 }) },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const body = within(canvasElement.ownerDocument.body);
    await userEvent.click(await canvas.findByRole("button", { name: "Delete climate-notebooks" }));
    const dialog = await body.findByRole("dialog");
    await userEvent.click(
      within(dialog).getByRole("button", { name: "Delete climate-notebooks and its files" }),
    );
    await expect(await canvas.findByText("Deleting climate-notebooks…")).toBeInTheDocument();
  },
};

/** Named servers (the hub's allow_named_servers): each project's own server, read from the hub. */
const namedServers = (limit = 0) => ({ hub: { access: TEST_HUB_ACCESS, limit } });

/** Running (Open, Stop), stopped (Start) and stopping, as the hub lists them. */
export const ServersRunningAndStopped: Story = {
  args: namedServers(),
  parameters: {
    msw: [
      ...projectsApi({ projects: sampleProjects }),
      ...hubServersApi({
        servers: Object.fromEntries([
          projectHubServer(octave.id, "running"),
          projectHubServer(climate.id, "stopped"),
          projectHubServer(zenodoRecord.id, "stopping"),
        ]),
        stopPolls: 1_000,
      }).handlers,
    ],
    settledText: "Stopping…",
  },
};

/** A project's server the hub is starting: its progress page is one click away. */
export const ServerStarting: Story = {
  args: namedServers(),
  parameters: {
    msw: [
      ...projectsApi({ projects: sampleProjects }),
      ...hubServersApi({ servers: Object.fromEntries([projectHubServer(octave.id, "starting")]) })
        .handlers,
    ],
    settledText: "Show progress",
  },
};

/** The hub keeps as many named servers as it allows: a project without one cannot start in its own. */
export const ServerLimitReached: Story = {
  args: namedServers(2),
  parameters: {
    msw: [
      ...projectsApi({ projects: sampleProjects }),
      ...hubServersApi({
        servers: {
          "": hubServer("", "running"),
          ...Object.fromEntries([projectHubServer(octave.id, "running")]),
          notes: hubServer("notes", "stopped"),
        },
      }).handlers,
    ],
    settledText: "servers the hub allows you",
  },
};

/** The hub could not be read: the table works as without named servers. */
export const ServerReadFailed: Story = {
  args: namedServers(),
  parameters: {
    msw: [
      ...projectsApi({ projects: sampleProjects }),
      ...hubServersApi({ servers: {}, status: 502 }).handlers,
    ],
    settledText: "could not be read from the hub",
  },
};
