import { screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import axe from "axe-core";
import { describe, expect, it } from "vitest";
import { projectServerName } from "../../../../../contract/named-servers.ts";
import { server } from "../../../testing/server.ts";
import { climate, octave, sampleProjects } from "../testing/fixtures.ts";
import { projectsApi } from "../testing/handlers.ts";
import {
  hubServer,
  hubServersApi,
  projectHubServer,
  TEST_HUB_ACCESS,
} from "../testing/hub-handlers.ts";
import { renderPanel } from "../testing/render-panel.tsx";

const HUB = { access: TEST_HUB_ACCESS, limit: 0 };

function rowOf(name: string) {
  const row = screen.getByRole("rowheader", { name: new RegExp(`^${name}`) }).closest("tr");
  if (!row) throw new Error(`no row for ${name}`);
  return row;
}

async function serverCell(name: string) {
  await screen.findByRole("columnheader", { name: "Server" });
  const row = rowOf(name);
  const index = [...screen.getAllByRole("columnheader")].findIndex(
    (h) => h.textContent === "Server",
  );
  return row.children[index] as HTMLElement;
}

describe("Your projects as named servers", () => {
  it("shows each project's own server: Open goes to a running one, a stopped one starts", async () => {
    const hub = hubServersApi({
      servers: Object.fromEntries([
        ["", hubServer("", "running")],
        projectHubServer(octave.id, "running"),
        projectHubServer(climate.id, "stopped"),
      ]),
    });
    server.use(...projectsApi({ projects: sampleProjects }), ...hub.handlers);
    const { onStart } = renderPanel({ hub: HUB });
    expect(await serverCell("octave")).toHaveTextContent("Running");
    expect(await serverCell("climate-notebooks")).toHaveTextContent("Stopped");
    // A project whose server the hub does not keep yet is stopped too.
    expect(await serverCell("zenodo")).toHaveTextContent("Stopped");
    const open = within(rowOf("octave")).getByRole("link", { name: "Open octave" });
    expect(open).toHaveAttribute("href", `/prefix/user/ada/${projectServerName(octave.id)}/`);
    expect(within(rowOf("octave")).queryByRole("button", { name: "Start octave" })).toBeNull();
    await userEvent.click(
      within(rowOf("climate-notebooks")).getByRole("button", { name: "Start climate-notebooks" }),
    );
    expect(onStart).toHaveBeenCalledWith(climate);
  });

  it("Stop stops the project's server through the hub and follows it until it has stopped", async () => {
    const hub = hubServersApi({
      servers: Object.fromEntries([projectHubServer(octave.id, "running")]),
      stopPolls: 2,
    });
    server.use(...projectsApi({ projects: [octave] }), ...hub.handlers);
    renderPanel({ hub: HUB });
    await userEvent.click(await screen.findByRole("button", { name: "Stop octave" }));
    expect(hub.calls.stops).toEqual([projectServerName(octave.id)]);
    expect(await screen.findByText("Stopping the server of octave…")).toBeInTheDocument();
    await waitFor(async () => expect(await serverCell("octave")).toHaveTextContent("Stopped"));
    expect(within(rowOf("octave")).getByRole("button", { name: "Start octave" })).toBeEnabled();
  });

  it("a starting server shows the hub's progress page, and the list is read until it runs", async () => {
    const hub = hubServersApi({
      servers: Object.fromEntries([projectHubServer(octave.id, "starting")]),
    });
    server.use(...projectsApi({ projects: [octave] }), ...hub.handlers);
    renderPanel({ hub: HUB });
    expect(await serverCell("octave")).toHaveTextContent("Starting…");
    expect(screen.getByRole("link", { name: "Show progress of octave" })).toHaveAttribute(
      "href",
      `/prefix/hub/spawn-pending/ada/${projectServerName(octave.id)}`,
    );
    await waitFor(() => expect(hub.calls.reads).toBeGreaterThan(2));
  });

  it("at the hub's named server limit a new project's Start says why it is off", async () => {
    const hub = hubServersApi({
      servers: Object.fromEntries([
        ["one", hubServer("one", "stopped")],
        ["two", hubServer("two", "running")],
        projectHubServer(climate.id, "stopped"),
      ]),
    });
    server.use(...projectsApi({ projects: [octave, climate] }), ...hub.handlers);
    renderPanel({ hub: { ...HUB, limit: 3 } });
    const start = await screen.findByRole("button", { name: "Start octave" });
    await waitFor(() => expect(start).toBeDisabled());
    expect(start).toHaveAccessibleDescription(/You have all 3 servers the hub allows you/);
    // A project that has its server already needs no room.
    expect(
      within(rowOf("climate-notebooks")).getByRole("button", { name: "Start climate-notebooks" }),
    ).toBeEnabled();
    const results = await axe.run(document.body, { rules: { region: { enabled: false } } });
    expect(results.violations).toEqual([]);
  });

  it("a hub that cannot be read leaves the table as without named servers", async () => {
    const hub = hubServersApi({ servers: {}, status: 502 });
    server.use(...projectsApi({ projects: [octave] }), ...hub.handlers);
    const { onStart } = renderPanel({ hub: HUB });
    expect(await screen.findByText(/could not be read from the hub/)).toBeInTheDocument();
    expect(screen.queryByRole("columnheader", { name: "Server" })).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Start octave" }));
    expect(onStart).toHaveBeenCalledWith(octave);
  });

  it("without named servers nothing is asked of the hub and the table is as before", async () => {
    const hub = hubServersApi({ servers: {} });
    server.use(...projectsApi({ projects: [octave] }), ...hub.handlers);
    renderPanel();
    await screen.findByRole("button", { name: "Start octave" });
    expect(screen.queryByRole("columnheader", { name: "Server" })).toBeNull();
    expect(screen.queryByText(/could not be read/)).toBeNull();
    expect(hub.calls.reads).toBe(0);
  });
});
