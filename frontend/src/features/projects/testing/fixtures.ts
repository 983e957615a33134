import {
  projectId,
  type Project,
  type ProjectListResponse,
} from "../../../../../contract/projects.ts";

/** "Now" for tests and stories, so relative times read the same every day. */
export const FIXTURE_NOW = new Date("2025-06-02T12:00:00Z");
export const FIXTURE_USER = "ada";

const HOUR = 3_600_000;

function at(hoursAgo: number): string {
  return new Date(FIXTURE_NOW.getTime() - hoursAgo * HOUR).toISOString();
}

export function sampleProject(
  source: Pick<Project, "provider" | "repository" | "display_name">,
  overrides: Partial<Project> = {},
): Project {
  return {
    id: projectId(source.provider, source.repository),
    ref: "main",
    resolved_commit: "4f2c1a9e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a39",
    image: `registry.example.org/launchpad/${source.display_name}:4f2c1a9`,
    profile_slug: "python",
    created_at: at(24 * 30),
    last_launched_at: at(2),
    state: "ready",
    ...source,
    ...overrides,
  };
}

export const octave = sampleProject(
  { provider: "gh", repository: "https://github.com/ada/octave", display_name: "octave" },
  { last_launched_at: at(2) },
);
export const climate = sampleProject(
  {
    provider: "gl",
    repository: "https://gitlab.com/geo/climate-notebooks",
    display_name: "climate-notebooks",
  },
  {
    ref: "v2.1",
    resolved_commit: "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
    last_launched_at: at(24 * 3),
  },
);
export const zenodoRecord = sampleProject(
  { provider: "zenodo", repository: "10.5281/zenodo.3242074", display_name: "zenodo.3242074" },
  { ref: "", resolved_commit: undefined, last_launched_at: at(24 * 40) },
);
export const sshRepo = sampleProject(
  {
    provider: "git",
    repository: "ssh://git.example.org/lab/private-analysis",
    display_name: "private-analysis",
  },
  { ref: "develop", last_launched_at: at(0.1) },
);

/** In launch order as the companion might send them: not sorted. */
export const sampleProjects: Project[] = [climate, octave, zenodoRecord, sshRepo];

/** Created a minute ago; its first server is starting (the companion has not yet seen it run). */
export const startingProject = (() => {
  const project = sampleProject(
    { provider: "gh", repository: "https://github.com/ada/new-lab", display_name: "new-lab" },
    {
      created_at: at(0.02),
      pending_launch: {
        requested_at: at(0.02),
        ref: "main",
        image: "registry.example.org/launchpad/new-lab:9a8b7c6",
        profile_slug: "python",
      },
    },
  );
  delete project.last_launched_at;
  return project;
})();

/** Recorded when a start was asked for, but no server ever ran on it (the start failed). */
export const neverStartedProject = (() => {
  const project = sampleProject(
    { provider: "gh", repository: "https://github.com/ada/broken-env", display_name: "broken-env" },
    { created_at: at(24 * 2) },
  );
  delete project.last_launched_at;
  return project;
})();

export const deletingProject = sampleProject(
  { provider: "gh", repository: "https://github.com/ada/old-course", display_name: "old-course" },
  {
    state: "deleting",
    last_launched_at: at(24 * 90),
    deletion: {
      requested_at: at(0.01),
      requested_by: FIXTURE_USER,
      job_name: "launchpad-remove-old-course",
    },
  },
);

export const failedProject = sampleProject(
  { provider: "gh", repository: "https://github.com/ada/thesis", display_name: "thesis" },
  {
    state: "delete-failed",
    last_launched_at: at(24 * 20),
    deletion: {
      requested_at: at(1),
      requested_by: FIXTURE_USER,
      message: "The removal Job did not finish within 10 minutes.",
    },
  },
);

export function manyProjects(count: number): Project[] {
  return Array.from({ length: count }, (_, i) =>
    sampleProject(
      {
        provider: "gh",
        repository: `https://github.com/course/week-${i + 1}`,
        display_name: `week-${i + 1}`,
      },
      { last_launched_at: at(i * 7 + 1) },
    ),
  );
}

export function projectList(
  projects: Project[],
  limit = 10,
  user = FIXTURE_USER,
): ProjectListResponse {
  return { user, projects, limit, used: projects.filter((p) => p.state !== "deleting").length };
}
