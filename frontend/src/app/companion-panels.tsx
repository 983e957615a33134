import { useEffect, useRef, useState } from "react";
import type { Me } from "../../../contract/api.ts";
import {
  COMMIT_PATTERN,
  projectId,
  type LaunchProjectRequest,
  type Project,
} from "../../../contract/projects.ts";
import type { BuildSource } from "../../../contract/providers/catalog.ts";
import type { Profile, SpawnPageData } from "../../../contract/spawn-page.ts";
import { canBuildImage, LazyBuildPanel } from "../features/build/index.ts";
import { projectLimitOf, useProjects } from "../features/projects/api/get-projects.ts";
import { useLaunchProject } from "../features/projects/api/launch-project.ts";
import type { ProjectsScope } from "../features/projects/api/projects-path.ts";
import { ProjectsPanel } from "../features/projects/components/projects-panel.tsx";
import { describeRefChange } from "../features/projects/describe-ref-change.ts";
import { useSpawnController } from "./spawn-controller.tsx";

export interface CompanionPanelsProps {
  data: SpawnPageData;
  serviceUrl: string;
  me: Me;
  /** The profile selected in the picker: its buildable image option hosts built images. */
  profile: Profile;
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

/**
 * What ties the build panel and Your Projects to the spawn form. Starting on a built image or on a
 * project sets the image as the image option's unlisted value and the project id as
 * `profile-option-<slug>--launchpad-project`, and submits through the profile form's own checks
 * ("Use this image" sets them and leaves the submit to the user). When the form is posted with the
 * project — whichever button submitted it — the start is recorded first (the companion keeps the
 * limit, and counts it as launched only once the server runs); a refusal stops the submit.
 */
export default function CompanionPanels({ data, serviceUrl, me, profile }: CompanionPanelsProps) {
  const spawn = useSpawnController();
  const scope: ProjectsScope = { serviceUrl, user: data.user, viewer: me.name };
  const projectsOn = me.features.projects;
  const projects = useProjects(scope);
  const launch = useLaunchProject(scope, me.csrf_token);
  const [problem, setProblem] = useState<string | null>(null);
  const [building, setBuilding] = useState<BuildSource | null>(null);
  /** What to record for each project id the form may be posted with. */
  const starts = useRef(new Map<string, LaunchProjectRequest>());
  const { mutateAsync: recordStart } = launch;

  useEffect(() => {
    if (!spawn || !projectsOn) return;
    spawn.setBeforeProjectSubmit(async (id) => {
      setProblem(null);
      const request = starts.current.get(id);
      if (!request) {
        setProblem("Launchpad no longer knows which project this is; choose it again.");
        return false;
      }
      try {
        await recordStart(request);
        return true;
      } catch (error) {
        setProblem(
          error instanceof Error ? error.message : "Launchpad could not record the project.",
        );
        return false;
      }
    });
    return () => spawn.setBeforeProjectSubmit(null);
  }, [spawn, projectsOn, recordStart]);
  const [rebuild, setRebuild] = useState<{ source: BuildSource; key: number } | null>(null);

  const imageOption = profile.profile_options.find(canBuildImage);
  const list = projectsOn ? projects.data : undefined;
  const existing = (source: BuildSource): Project | undefined => {
    try {
      const id = projectId(source.provider, source.repo);
      return list?.projects.find((p) => p.id === id);
    } catch {
      return undefined;
    }
  };

  function startOn(source: BuildSource, image: string, onProfile: Profile, start: boolean) {
    setProblem(null);
    const option = onProfile.profile_options.find(canBuildImage);
    if (!spawn || !option) {
      setProblem(
        `The profile "${onProfile.display_name}" has no image option that accepts built images.`,
      );
      return;
    }
    let id: string | null = null;
    if (projectsOn) {
      try {
        id = projectId(source.provider, source.repo);
      } catch (error) {
        setProblem(error instanceof Error ? error.message : "This repository is not valid.");
        return;
      }
      starts.current.set(id, {
        provider: source.provider,
        repository: source.repo,
        ref: source.ref,
        ...(resolvedCommit(image) ? { resolved_commit: resolvedCommit(image) } : {}),
        image,
        profile_slug: onProfile.slug,
        display_name: displayName(source),
      });
    }
    if (!spawn.setUnlistedValue(option.key, image, onProfile.slug)) {
      setProblem(`"${option.display_name}" does not accept a free-text image on this hub.`);
      return;
    }
    if (id) spawn.setProjectId(id);
    if (start) spawn.submit();
  }

  const refChange = building && existing(building);
  const notice = refChange ? describeRefChange(refChange, building.ref) : null;

  return (
    <>
      {problem && (
        <p className="lp-error" role="alert">
          {problem}
        </p>
      )}
      {me.features.build && imageOption && (
        <LazyBuildPanel
          key={rebuild?.key ?? "build"}
          serviceUrl={serviceUrl}
          csrfToken={me.csrf_token}
          {...(data.user === me.name ? {} : { forUser: data.user })}
          initialSource={rebuild?.source ?? null}
          autoStart={rebuild !== null}
          notice={notice ? <p className="lp-note">{notice}</p> : null}
          onBuildStart={setBuilding}
          beforeBuild={(source) => {
            if (!projectsOn) return null;
            const limit = projectLimitOf(list, existing(source)?.id ?? "");
            return limit.reached
              ? `You have ${limit.used} of ${limit.limit} projects. Delete one in Your Projects to build a new repository.`
              : null;
          }}
          onImageReady={(image, { start, source }) => startOn(source, image, profile, start)}
        />
      )}
      {projectsOn && (
        <ProjectsPanel
          serviceUrl={serviceUrl}
          user={data.user}
          me={me}
          runningProjectIds={list?.running_project_ids ?? []}
          busy={launch.isPending}
          onStart={(project) => {
            const onProfile = data.profiles.find((p) => p.slug === project.profile_slug) ?? profile;
            startOn(
              { provider: project.provider, repo: project.repository, ref: project.ref },
              project.image,
              onProfile,
              true,
            );
          }}
          onRebuild={(request) =>
            setRebuild({
              source: { provider: request.provider, repo: request.repository, ref: request.ref },
              key: Date.now(),
            })
          }
        />
      )}
    </>
  );
}
