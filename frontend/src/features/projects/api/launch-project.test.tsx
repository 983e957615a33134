import { QueryClientProvider } from "@tanstack/react-query";
import { renderHook, waitFor } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { CSRF_HEADER } from "../../../../../contract/api.ts";
import type { LaunchProjectRequest } from "../../../../../contract/projects.ts";
import { createTestQueryClient } from "../../../testing/render.tsx";
import { server } from "../../../testing/server.ts";
import { climate, octave, projectList, sampleProjects } from "../testing/fixtures.ts";
import { LAUNCH_URL, projectsApi } from "../testing/handlers.ts";
import { TEST_SERVICE_URL } from "../testing/render-panel.tsx";
import { projectLimitOf, useProjects } from "./get-projects.ts";
import { useLaunchProject } from "./launch-project.ts";

const own = { serviceUrl: TEST_SERVICE_URL, user: "ada", viewer: "ada" };

function wrapper() {
  const client = createTestQueryClient();
  return {
    client,
    wrapper: ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    ),
  };
}

function requestFor(project: typeof octave, ref = project.ref): LaunchProjectRequest {
  const { provider, repository, resolved_commit, image, profile_slug, display_name } = project;
  return { provider, repository, ref, resolved_commit, image, profile_slug, display_name };
}

describe("useLaunchProject", () => {
  it("posts to the id derived from the repository, with the CSRF token, and says when the ref changed", async () => {
    const seen: Array<{ url: string; csrf: string | null }> = [];
    server.events.on("request:start", ({ request }) => {
      if (request.method === "POST")
        seen.push({ url: request.url, csrf: request.headers.get(CSRF_HEADER) });
    });
    server.use(...projectsApi({ projects: sampleProjects }));
    const { wrapper: Wrapper } = wrapper();
    const { result } = renderHook(
      () => ({ list: useProjects(own), launch: useLaunchProject(own, "csrf-from-me") }),
      { wrapper: Wrapper },
    );
    await waitFor(() => expect(result.current.list.data).toBeDefined());

    const response = await result.current.launch.mutateAsync(requestFor(octave, "v2"));
    expect(seen).toEqual([
      {
        url: expect.stringMatching(
          new RegExp(`/prefix/services/launchpad/api/projects/${octave.id}/launch$`),
        ) as string,
        csrf: "csrf-from-me",
      },
    ]);
    expect(response).toMatchObject({
      created: false,
      ref_changed: true,
      previous_ref: "main",
      // The record keeps what last ran until a server runs with the new ref.
      project: { id: octave.id, ref: octave.ref, pending_launch: { ref: "v2" } },
    });
    // The list is fetched again, so the table shows the start under way.
    await waitFor(() =>
      expect(result.current.list.data?.starting_project_ids).toEqual([octave.id]),
    );
    server.events.removeAllListeners();
  });

  it("records for the user being spawned for (?user=) when an admin starts someone else's server", async () => {
    const urls: string[] = [];
    server.use(
      http.post(LAUNCH_URL, ({ request }) => {
        urls.push(new URL(request.url).search);
        return HttpResponse.json({ project: climate, created: true, ref_changed: false });
      }),
      http.get("*/services/:service/api/projects", () => HttpResponse.json(projectList([climate]))),
    );
    const { wrapper: Wrapper } = wrapper();
    const { result } = renderHook(() => useLaunchProject({ ...own, user: "bob" }, "t"), {
      wrapper: Wrapper,
    });
    await result.current.mutateAsync(requestFor(climate));
    expect(urls).toEqual(["?user=bob"]);
  });

  it("rejects with the companion's message when a new project would exceed the limit", async () => {
    server.use(...projectsApi({ projects: sampleProjects, limit: sampleProjects.length }));
    const { wrapper: Wrapper } = wrapper();
    const { result } = renderHook(() => useLaunchProject(own, "t"), { wrapper: Wrapper });
    const request: LaunchProjectRequest = {
      ...requestFor(octave),
      repository: "https://github.com/ada/new-one",
      display_name: "new-one",
    };
    await expect(result.current.mutateAsync(request)).rejects.toMatchObject({
      status: 409,
      message: "You have 4 of 4 projects. Delete one first.",
    });
  });
});

describe("project limit", () => {
  it("is reached only for a new project once used meets the limit", () => {
    const full = projectList(sampleProjects, sampleProjects.length);
    expect(projectLimitOf(full)).toEqual({ used: 4, limit: 4, reached: true });
    expect(projectLimitOf(full, "someone-new-12345678")).toMatchObject({ reached: true });
    // Same repository, another ref: the same project, no room needed.
    expect(projectLimitOf(full, octave.id)).toMatchObject({ reached: false });
    expect(projectLimitOf(projectList(sampleProjects, 5))).toMatchObject({ reached: false });
    expect(projectLimitOf(projectList(sampleProjects, 0))).toMatchObject({
      limit: 0,
      reached: false,
    });
    expect(projectLimitOf(undefined)).toEqual({ used: 0, limit: 0, reached: false });
  });

  it("refuses a request the contract refuses, saying why, without sending it", async () => {
    const posts: string[] = [];
    server.events.on("request:start", ({ request }) => {
      if (request.method === "POST") posts.push(request.url);
    });
    server.use(...projectsApi({ projects: sampleProjects }));
    const { wrapper: Wrapper } = wrapper();
    const { result } = renderHook(() => useLaunchProject(own, "t"), { wrapper: Wrapper });
    await expect(
      result.current.mutateAsync({ ...requestFor(octave), image: "busybox\n$(id)" }),
    ).rejects.toThrow(
      "Launchpad cannot record this project: image: not an image reference a node can pull: character 8 cannot be part of one.",
    );
    expect(posts).toEqual([]);
    server.events.removeAllListeners();
  });
});
