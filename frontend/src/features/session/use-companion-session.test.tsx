import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { navigation } from "../../lib/navigation.ts";
import { oneProfile } from "../../testing/fixtures.ts";
import { meHandlers } from "../../testing/handlers.ts";
import { renderApp } from "../../testing/render.tsx";
import { server } from "../../testing/server.ts";
import { LOGIN_REDIRECT_KEY } from "./login-redirect.ts";

describe("companion session", () => {
  it("renders the companion's features when signed in", async () => {
    renderApp(oneProfile, {
      companion: { buildPanel: () => null, projects: ({ me }) => <p>projects of {me.name}</p> },
    });
    expect(await screen.findByText("projects of ada")).toBeInTheDocument();
    expect(navigation.assign).not.toHaveBeenCalled();
  });

  it("sends the whole tab to the companion's login once on 401", async () => {
    server.use(meHandlers.unauthorized);
    window.history.replaceState(null, "", "/prefix/hub/spawn/ada?x=1");
    renderApp(oneProfile);
    await waitFor(() => expect(navigation.assign).toHaveBeenCalledTimes(1));
    expect(navigation.assign).toHaveBeenCalledWith(
      `/prefix/services/launchpad/oauth_login?next=${encodeURIComponent("/prefix/hub/spawn/ada?x=1")}`,
    );
    expect(Number(sessionStorage.getItem(LOGIN_REDIRECT_KEY))).toBeGreaterThan(0);
  });

  it("does not loop: a second 401 within a minute shows the companion as unavailable", async () => {
    server.use(meHandlers.unauthorized);
    sessionStorage.setItem(LOGIN_REDIRECT_KEY, String(Date.now()));
    renderApp(oneProfile, {
      companion: { buildPanel: () => null, projects: () => <p>build slot</p> },
    });
    expect(await screen.findByRole("status")).toHaveTextContent(
      "You are not signed in to the Launchpad service.",
    );
    expect(navigation.assign).not.toHaveBeenCalled();
    expect(screen.queryByText("build slot")).toBeNull();
    // The profile picker keeps working.
    expect(screen.getByRole("button", { name: "Start" })).toBeEnabled();
  });

  it("redirects again once the guard is older than a minute", async () => {
    server.use(meHandlers.unauthorized);
    sessionStorage.setItem(LOGIN_REDIRECT_KEY, String(Date.now() - 61_000));
    renderApp(oneProfile);
    await waitFor(() => expect(navigation.assign).toHaveBeenCalledTimes(1));
  });

  it("shows the companion as unavailable on 500, keeping the picker", async () => {
    server.use(meHandlers.serverError);
    renderApp(oneProfile, {
      companion: { buildPanel: () => null, projects: () => <p>build slot</p> },
    });
    // Asked twice more first (a 5xx may pass), a second apart.
    expect(await screen.findByRole("status", {}, { timeout: 5000 })).toHaveTextContent(
      "The Launchpad service failed.",
    );
    expect(screen.queryByText("build slot")).toBeNull();
    expect(navigation.assign).not.toHaveBeenCalled();
  });
});
