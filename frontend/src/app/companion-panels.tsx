import { QueryClientProvider, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import type { Me } from "../../../contract/api.ts";
import { hubHasDisplayNames, serverDisplayName } from "../../../contract/named-servers.ts";
import type { LaunchLink, LaunchRepository } from "../../../contract/launch-link.ts";
import {
  COMMIT_PATTERN,
  projectId,
  projectRepository,
  type LaunchProjectRequest,
  type Project,
} from "../../../contract/projects.ts";
import type { BuildSource } from "../../../contract/providers/catalog.ts";
import type { Profile, ProfileOption, SpawnPageData } from "../../../contract/spawn-page.ts";
import { BuildPanel } from "../features/build/build-panel.tsx";
import { linkedBuildSource } from "../features/launch-links/launch-repository.ts";
import { canBuildImage } from "../features/profiles/option-entries.ts";
import type { BuildRequest, RecordStart } from "../features/profiles/use-profile-form.ts";
import {
  PROGRESS_POLL_MS,
  projectLimitOf,
  useProjects,
} from "../features/projects/api/get-projects.ts";
import {
  hubServersQueryOptions,
  useHubServers,
  type HubAccess,
} from "../features/projects/api/hub-servers.ts";
import { createNamedServer } from "../features/projects/api/name-server.ts";
import { projectServer, type ProjectServer } from "../features/projects/project-servers.ts";
import { navigation } from "../lib/navigation.ts";
import { useLaunchProject } from "../features/projects/api/launch-project.ts";
import type { ProjectsScope } from "../features/projects/api/projects-path.ts";
import { ProjectsPanel } from "../features/projects/components/projects-panel.tsx";
import { describeRefChange } from "../features/projects/describe-ref-change.ts";
import { createQueryClient } from "../lib/query-client.ts";
import { useSpawnController } from "./spawn-controller.tsx";

interface Shared {
  /** One query cache for the page's companion parts, made on first use. */
  client?: QueryClient;
}

interface CompanionProps {
  serviceUrl: string;
  data: SpawnPageData;
  me: Me;
  shared: Shared;
  /** `jhdata.base_url` and `xsrf_token`, for calls to the hub itself (null: none). */
  hubPage?: { baseUrl: string; xsrfToken: string } | null;
}

/** Where the hub has named servers and the page can ask it about them: how, and its limit. */
function namedServers({ data, hubPage }: CompanionProps) {
  if (!data.hub?.named_servers || !hubPage) return null;
  const access: HubAccess = { ...hubPage, user: data.user };
  return { access, limit: data.hub.named_server_limit, version: data.hub.version };
}

/**
 * Why a post to a project's own server would be refused: JupyterHub's SpawnHandler.post answers
 * 400 "already running" or "is pending" for a server that runs, starts or stops
 * (https://github.com/jupyterhub/jupyterhub/blob/5.5.4/jupyterhub/handlers/pages.py#L280-L285,
 * https://github.com/jupyterhub/jupyterhub/blob/6.1.1/jupyterhub/handlers/pages.py#L335-L340).
 * A server that runs keeps the image it started on, so it is never opened in place of a start.
 */
function busyServerMessage(server: ProjectServer, label: string): string | null {
  switch (server.state) {
    case "running":
      return `Your project ${label} is already running in its own server, on the image it started with. Open it in Your projects, or stop it there and press Start again to start it on this image.`;
    case "starting":
      return `Your project ${label} is starting in its own server: follow it with Show progress in Your projects. To start it on this image, stop it there once it runs and press Start again.`;
    case "stopping":
      return `Your project ${label}'s server is stopping. Press Start again once Your projects shows it stopped.`;
    case "stopped":
      return null;
  }
}

/**
 * Projects in their own named servers, for the table's Start and the Start after a build alike:
 * where the hub has named servers and said which servers it keeps (`useHubServers`).
 */
function useProjectServers(props: CompanionProps) {
  const named = namedServers(props);
  const client = useQueryClient();
  const hubServers = useHubServers(named?.access ?? null, PROGRESS_POLL_MS);
  /** The project's own server; null where it starts in the page's own. */
  const serverOf = (id: string) =>
    named && hubServers.isSuccess
      ? projectServer(id, hubServers.data, named.limit, named.access)
      : null;

  /**
   * How a start of project `id` goes to its own server: the spawn URL the form is posted to, and
   * the step before the post. That step reads the hub's servers again (a server started in another
   * tab since), refuses while the server is busy, records the start (`recorded`), and on
   * JupyterHub 6 first creates a new server with the repository as its display name (never on
   * 5.5: name-server.ts); a failure to name it leaves it unnamed, never unstarted. Null (start in
   * the page's own server) without named servers, before the hub has answered, or when a new
   * server would exceed the hub's limit.
   */
  function serverStart(
    id: string,
    repository: string,
    label: string,
    recorded: RecordStart | undefined,
  ): { serverPath: string; record: RecordStart } | null {
    const server = serverOf(id);
    if (!named || !server || server.limitReached) return null;
    const { access } = named;
    const displayName =
      !server.exists && hubHasDisplayNames(named.version)
        ? serverDisplayName(repository, server.name)
        : null;
    const record = async () => {
      const now = await client
        .fetchQuery({ ...hubServersQueryOptions(access, PROGRESS_POLL_MS), staleTime: 0 })
        .then((servers) => projectServer(id, servers, named.limit, access))
        // The hub could not be read just now: its own answer to the post will say.
        .catch(() => server);
      const busy = busyServerMessage(now, label);
      if (busy !== null) return busy;
      const message = recorded ? await recorded() : null;
      if (message === null && displayName !== null && !now.exists)
        await createNamedServer(access, server.name, displayName);
      return message;
    };
    const serverPath = `${access.baseUrl}spawn/${encodeURIComponent(access.user)}/${server.name}`;
    return { serverPath, record };
  }
  return { named, hubServers, serverOf, serverStart };
}

function WithQueries({ shared, children }: { shared: Shared; children: ReactNode }) {
  shared.client ??= createQueryClient();
  return <QueryClientProvider client={shared.client}>{children}</QueryClientProvider>;
}

/** The image a build produced is tagged with BinderHub's resolved ref: a commit for git repositories. */
function resolvedCommit(image: string): string | undefined {
  const tag = image.slice(image.lastIndexOf(":") + 1);
  return COMMIT_PATTERN.test(tag) ? tag : undefined;
}

function displayName(source: BuildSource): string {
  const parts = source.repo
    .replace(/\.git$/, "")
    .split(/[/:]/)
    .filter(Boolean);
  return parts.slice(-2).join("/") || source.repo;
}

/** The repository as the companion records it (contract/projects.ts), as the table shows it. */
function repositoryOf(source: BuildSource): string {
  const normal = projectRepository(source.provider, source.repo);
  return normal.ok ? normal.repository : source.repo;
}

function useScope({ serviceUrl, data, me }: CompanionProps): ProjectsScope {
  return { serviceUrl, user: data.user, viewer: me.name };
}

function existingProject(
  projects: readonly Project[] | undefined,
  source: BuildSource,
): Project | undefined {
  try {
    const id = projectId(source.provider, source.repo);
    return projects?.find((p) => p.id === id);
  } catch {
    return undefined;
  }
}

/**
 * How a start on `image` is recorded when the form is posted with its project: the companion keeps
 * the project limit, and counts the start as a launch only once it sees the server run. Null when
 * Launchpad keeps no projects here (only the image is posted) or the repository has no project id.
 */
function useProjectStarts(props: CompanionProps) {
  const launch = useLaunchProject(useScope(props), props.me.csrf_token);
  const { mutateAsync } = launch;
  const projectStart = (source: BuildSource, image: string, profile: Profile) => {
    if (!props.me.features.projects) return null;
    let id: string;
    try {
      id = projectId(source.provider, source.repo);
    } catch {
      return null;
    }
    const commit = resolvedCommit(image);
    const request: LaunchProjectRequest = {
      provider: source.provider,
      repository: source.repo,
      ref: source.ref,
      ...(commit ? { resolved_commit: commit } : {}),
      image,
      profile_slug: profile.slug,
      display_name: displayName(source),
    };
    return {
      projectId: id,
      record: () =>
        mutateAsync(request).then(
          () => null,
          (error: unknown) =>
            error instanceof Error ? error.message : "Launchpad could not record the project.",
        ),
    };
  };
  return { projectStart, pending: launch.isPending };
}

export interface BuildChoiceProps extends CompanionProps {
  profile: Profile;
  option: ProfileOption;
  built: string | null;
  request: BuildRequest | null;
}

function BuildChoiceInner(props: BuildChoiceProps) {
  const { serviceUrl, me, profile, option, built, request } = props;
  const spawn = useSpawnController();
  const projects = useProjects(useScope(props));
  const list = me.features.projects ? projects.data : undefined;
  const { projectStart } = useProjectStarts(props);
  const servers = useProjectServers(props);
  const [source, setSource] = useState<BuildSource | null>(null);

  // A start on the built image is posted with its project, whose start is recorded first, to
  // the project's own server where it has one: the server Your projects starts it in later, so
  // its files are on the same volume (with z2jh's `claim-{user_server}`, each server's own claim).
  useEffect(() => {
    const start = built && source ? projectStart(source, built, profile) : null;
    if (!spawn || !source || !start) return;
    const own = servers.serverStart(
      start.projectId,
      repositoryOf(source),
      displayName(source),
      start.record,
    );
    spawn.setLaunchStep({ ...start, ...own, profileSlug: profile.slug, optionKey: option.key });
    return () => spawn.setLaunchStep(null);
    // `projectStart` and `serverStart` are made anew each render; what they make depends only on
    // these (the hub's servers included).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [spawn, built, source, profile, option.key, me.features.projects, servers.hubServers.data]);

  const refChange = source && existingProject(list?.projects, source);
  const notice = refChange ? describeRefChange(refChange, source.ref) : null;
  return (
    <BuildPanel
      key={request?.id ?? "build"}
      serviceUrl={serviceUrl}
      csrfToken={me.csrf_token}
      {...(props.data.user === me.name ? {} : { forUser: props.data.user })}
      initialSource={request?.source ?? null}
      autoStart={request?.start ?? false}
      built={built}
      notice={notice ? <p className="form-text">{notice}</p> : null}
      beforeBuild={(next) => {
        if (!me.features.projects) return null;
        const limit = projectLimitOf(list, existingProject(list?.projects, next)?.id ?? "");
        return limit.reached
          ? `You have ${limit.used} of ${limit.limit} projects. Delete one in Your projects to build a new repository.`
          : null;
      }}
      onAttach={() => spawn?.chooseBuild(profile.slug, option.key)}
      onBuilt={(result) => {
        if (result) setSource(result.source);
        spawn?.setBuiltImage(profile.slug, option.key, result?.imageName ?? null);
      }}
    />
  );
}

/** "Build from a repository" inside an image option: build, then Start launches the image. */
export function BuildChoice(props: BuildChoiceProps) {
  return (
    <WithQueries shared={props.shared}>
      <BuildChoiceInner {...props} />
    </WithQueries>
  );
}

type LinkedChoice =
  | { kind: "problem"; problem: string }
  | { kind: "project"; project: Project }
  | { kind: "build"; source: BuildSource; profileSlug: string };

/**
 * What a launch link's repository opens: the user's own project of it (when the link names no
 * ref, or the project's), else the build form filled in; nothing is built or started.
 */
function linkedChoice(
  link: LaunchLink & { repository: LaunchRepository },
  projects: readonly Project[] | undefined,
  profiles: readonly Profile[],
  selectedSlug: string,
): LinkedChoice {
  const { repository } = link;
  const checked = linkedBuildSource(repository);
  if (!checked.ok) return { kind: "problem", problem: checked.problem };
  const project = existingProject(projects, checked.source);
  if (
    project?.state === "ready" &&
    (repository.ref === undefined || project.ref === checked.source.ref)
  )
    return { kind: "project", project };
  const slug = profiles.some((p) => p.slug === link.profile) ? link.profile! : selectedSlug;
  if (!profiles.find((p) => p.slug === slug)?.profile_options.some(canBuildImage))
    return {
      kind: "problem",
      problem: "The link's profile does not build images from a repository.",
    };
  return { kind: "build", source: checked.source, profileSlug: slug };
}

interface ProjectsSectionProps extends CompanionProps {
  /** The launch link the page was opened from, once the form has applied its profile and options. */
  launchLink: LaunchLink | null;
}

function ProjectsSectionInner(props: ProjectsSectionProps) {
  const { serviceUrl, data, me, launchLink } = props;
  const spawn = useSpawnController();
  const projects = useProjects(useScope(props));
  const { projectStart, pending } = useProjectStarts(props);
  const [problem, setProblem] = useState<string | null>(null);
  const servers = useProjectServers(props);
  const { named, hubServers } = servers;
  const serverOf = (project: Project) => servers.serverOf(project.id);

  // Decided once per link, when the project list is in
  // (https://react.dev/learn/you-might-not-need-an-effect); acted on below.
  const [linked, setLinked] = useState<{ link: LaunchLink; choice: LinkedChoice } | null>(null);
  if (launchLink?.repository && projects.isFetched && linked?.link !== launchLink) {
    setLinked({
      link: launchLink,
      choice: linkedChoice(
        { ...launchLink, repository: launchLink.repository },
        projects.data?.projects,
        data.profiles,
        spawn?.selectedProfile().slug ?? "",
      ),
    });
  }
  const acted = useRef<typeof linked>(null);
  // A project with its own server: what to do waits for the hub's answer about that server.
  const waitingForHub = named !== null && hubServers.isPending;
  useEffect(() => {
    if (!linked || acted.current === linked || !spawn) return;
    const { link, choice } = linked;
    if (choice.kind === "project" && waitingForHub) return;
    acted.current = linked;
    if (choice.kind === "project") {
      // The project's server runs already: the link opens it (it starts nothing), as the table's
      // Open does; the form's Start would only get the hub's "already running".
      const server = serverOf(choice.project);
      if (server?.state === "running" && server.url) navigation.assign(server.url);
      else select(choice.project, link.profile);
    } else if (choice.kind === "build")
      spawn.requestBuild(choice.profileSlug, choice.source, { start: false });
    // `select` and `serverOf` are made anew each render; what they do depends only on the link
    // and the hub's answer, which `waitingForHub` waits for.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [linked, spawn, waitingForHub]);

  /** Puts the project's image and id into the form; false (with the reason shown) if it cannot. */
  function select(project: Project, profileSlug?: string): boolean {
    const selected = spawn?.selectedProfile();
    const profile =
      data.profiles.find((p) => p.slug === (profileSlug ?? project.profile_slug)) ??
      data.profiles.find((p) => p.slug === project.profile_slug) ??
      selected;
    const option = profile?.profile_options.find(canBuildImage);
    if (!spawn || !profile || !option) {
      setProblem(`The profile "${profile?.display_name ?? ""}" no longer takes built images.`);
      return false;
    }
    const source = { provider: project.provider, repo: project.repository, ref: project.ref };
    if (!spawn.setUnlistedValue(option.key, project.image, profile.slug)) {
      setProblem(`"${option.display_name}" does not accept a free-text image on this hub.`);
      return false;
    }
    const recorded = projectStart(source, project.image, profile);
    const own = servers.serverStart(
      project.id,
      project.repository,
      project.display_name,
      recorded?.record,
    );
    if (own) spawn.setProjectId(project.id, own.record, own.serverPath);
    else spawn.setProjectId(project.id, recorded?.record);
    return true;
  }

  function start(project: Project) {
    setProblem(null);
    const server = serverOf(project);
    // A project whose server runs opens it; one starting shows the hub's progress page.
    if (server?.state === "running" && server.url !== null) return navigation.assign(server.url);
    if (server?.state === "starting") return navigation.assign(server.pendingUrl);
    // The start is recorded as the form is posted, after the form's own checks.
    if (select(project)) spawn?.submit();
  }

  return (
    <>
      {problem && (
        <div className="alert alert-danger" role="alert">
          {problem}
        </div>
      )}
      {linked?.choice.kind === "problem" && (
        <div className="alert alert-danger" role="alert">
          {linked.choice.problem}
        </div>
      )}
      {linked?.choice.kind === "project" && (
        <div className="alert alert-info py-2" role="status">
          The link&apos;s repository is your project {linked.choice.project.display_name}: it is
          selected with its image and its files. Press Start to open it.
        </div>
      )}
      <ProjectsPanel
        serviceUrl={serviceUrl}
        user={data.user}
        me={me}
        runningProjectIds={projects.data?.running_project_ids ?? []}
        {...(named ? { hub: { access: named.access, limit: named.limit } } : {})}
        busy={pending}
        onStart={start}
        onRebuild={(request) => {
          const project = projects.data?.projects.find((p) => p.repository === request.repository);
          const selected = spawn?.selectedProfile();
          const slug =
            data.profiles.find(
              (p) => p.slug === project?.profile_slug && p.profile_options.some(canBuildImage),
            )?.slug ?? selected?.slug;
          const source = { provider: request.provider, repo: request.repository, ref: request.ref };
          if (!slug || !spawn?.requestBuild(slug, source)) {
            setProblem("No profile on this hub builds images any more.");
            return;
          }
          // The build form is up the page: bring it into view once it shows.
          requestAnimationFrame(() => {
            const form = document.querySelector(".lp-build:not([hidden])");
            if (form && "scrollIntoView" in form)
              form.scrollIntoView({ block: "center", behavior: "smooth" });
          });
        }}
      />
    </>
  );
}

/** Your projects, below the Start button. */
export function ProjectsSection(props: ProjectsSectionProps) {
  return (
    <WithQueries shared={props.shared}>
      <ProjectsSectionInner {...props} />
    </WithQueries>
  );
}
