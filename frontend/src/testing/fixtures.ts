/**
 * Sample spawn page data, shaped as chart/files/launchpad_glue.py renders it. Shared by unit tests
 * and stories so both exercise the same cases.
 */
import {
  SPAWN_PAGE_CONTRACT_VERSION,
  type Profile,
  type ProfileOption,
  type SpawnPageData,
} from "../../../contract/spawn-page.ts";

export function spawnPageData(
  profiles: Profile[],
  userOptions: Record<string, unknown> = {},
): SpawnPageData {
  return {
    version: SPAWN_PAGE_CONTRACT_VERSION,
    service_name: "launchpad",
    user: "ada",
    server_name: "",
    profiles,
    user_options: userOptions,
  };
}

const noUnlisted = { enabled: false } as const;

export const imageOption: ProfileOption = {
  key: "image",
  display_name: "Image",
  choices: [
    {
      key: "scipy",
      display_name: "SciPy",
      description: "Python with the SciPy stack",
      default: true,
    },
    { key: "r", display_name: "R", description: "R and RStudio", default: false },
  ],
  unlisted_choice: {
    enabled: true,
    display_name: "Custom image",
    display_name_in_choices: "Other...",
    // Python syntax on purpose: a named group, as admins write it for KubeSpawner.
    validation_regex: "(?P<registry>quay\\.io|ghcr\\.io)/[a-z0-9-]+/[a-z0-9-]+:[\\w.-]+\\Z",
    validation_message: "Use an image from quay.io or ghcr.io, with a tag.",
  },
  dynamic_image_building: { enabled: true },
};

export const resourcesOption: ProfileOption = {
  key: "resources",
  display_name: "Resources",
  choices: [
    { key: "small", display_name: "2 CPU, 8 GB", default: false },
    { key: "medium", display_name: "4 CPU, 16 GB", default: true },
    { key: "large", display_name: "8 CPU, 32 GB", default: false },
  ],
  unlisted_choice: noUnlisted,
};

export const cpuProfile: Profile = {
  slug: "cpu",
  display_name: "CPU server",
  description:
    'A <strong>general</strong> purpose server. <a href="https://example.org/docs">Docs</a>',
  default: true,
  profile_options: [imageOption, resourcesOption],
};

export const gpuProfile: Profile = {
  slug: "gpu",
  display_name: "GPU server",
  description: "One NVIDIA T4.",
  default: false,
  profile_options: [
    {
      key: "gpus",
      display_name: "GPUs",
      choices: [
        { key: "1", display_name: "1 GPU", default: true },
        { key: "2", display_name: "2 GPUs", default: false },
      ],
      unlisted_choice: noUnlisted,
    },
  ],
};

export const minimalProfile: Profile = {
  slug: "minimal",
  display_name: "Minimal",
  default: false,
  profile_options: [],
};

/** Free text only: KubeSpawner cannot pick a default, so the text is required. */
export const freeTextProfile: Profile = {
  slug: "bring-your-own",
  display_name: "Bring your own image",
  default: false,
  profile_options: [
    {
      key: "image",
      display_name: "Image",
      choices: [],
      unlisted_choice: {
        enabled: true,
        display_name: "Image name",
        validation_regex: "^[a-z0-9./-]+:[\\w.-]+$",
      },
    },
  ],
};

/** A profile whose image option accepts built images, as nasa-veda's does (no regex here). */
export const buildingProfile: Profile = {
  slug: "python",
  display_name: "Python",
  default: true,
  profile_options: [
    {
      key: "image",
      display_name: "Environment",
      choices: [{ key: "pangeo", display_name: "Pangeo", default: true }],
      unlisted_choice: { enabled: true, display_name: "Custom image" },
      dynamic_image_building: { enabled: true },
    },
  ],
};

export const oneProfile = spawnPageData([{ ...cpuProfile, default: true }]);
export const severalProfiles = spawnPageData([
  cpuProfile,
  gpuProfile,
  minimalProfile,
  freeTextProfile,
]);

export const savedOptions = spawnPageData([cpuProfile, gpuProfile, minimalProfile], {
  profile: "cpu",
  "image--unlisted-choice": "quay.io/pangeo/notebook:2024.01",
  resources: "large",
});

export const unlistedValid = spawnPageData([cpuProfile], {
  profile: "cpu",
  "image--unlisted-choice": "ghcr.io/ada/analysis:v1",
});

export const unlistedInvalid = spawnPageData([cpuProfile], {
  profile: "cpu",
  "image--unlisted-choice": "docker.io/library/python:3.12",
});

/** Admin-written HTML that must never run. */
export const xssPayloads = {
  displayName: '<img src=x onerror="window.__xss=1">Evil</script><script>window.__xss=1</script>',
  description:
    'Safe <b>bold</b><script>window.__xss=1</script><img src=x onerror="window.__xss=1"><a href="javascript:window.__xss=1">js</a><a href="https://example.org" onclick="window.__xss=1">ok</a></script>',
};

export const xssProfiles = spawnPageData([
  {
    slug: "evil",
    display_name: xssPayloads.displayName,
    description: xssPayloads.description,
    default: true,
    profile_options: [],
  },
  { ...gpuProfile, description: xssPayloads.description },
]);

/** 50 profiles of 20 options each, the largest real hub lists are smaller than this. */
export function manyProfiles(profileCount = 50, optionCount = 20): SpawnPageData {
  const profiles: Profile[] = [];
  for (let p = 0; p < profileCount; p++) {
    const profile_options: ProfileOption[] = [];
    for (let o = 0; o < optionCount; o++) {
      profile_options.push({
        key: `option-${o}`,
        display_name: `Option ${o}`,
        choices: Array.from({ length: 8 }, (_, c) => ({
          key: `c${c}`,
          display_name: `Choice ${c}`,
          default: c === 0,
        })),
        unlisted_choice:
          o === 0
            ? { enabled: true, display_name: "Custom value", display_name_in_choices: "Other..." }
            : noUnlisted,
      });
    }
    profiles.push({
      slug: `profile-${p}`,
      display_name: `Profile ${p}`,
      description: `Profile number ${p}`,
      default: p === 0,
      profile_options,
    });
  }
  return spawnPageData(profiles);
}

/**
 * What the glue renders (launchpad_glue.py render_spawn_form) for `severalProfiles`, inside a hub
 * form, trimmed to what the page reads: the data, and the server-rendered form with the CPU
 * server's image option (radios, "Other..." as the value "") and its resources (a select).
 */
export function hubSpawnPageHtml(data: unknown): string {
  const json = JSON.stringify(data)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026");
  return `<form id="spawn_form" action="/hub/spawn?_xsrf=t" method="post">
<script type="application/json" id="launchpad-spawn-data">${json}</script>
<div id="launchpad-root" class="launchpad" data-launchpad-state="loading"><fieldset class="lp-server" data-launchpad-form>
<fieldset class="lp-profiles"><legend class="h5 lp-legend">Choose what to start</legend>
<div class="card mb-2 lp-card"><div class="card-body"><div class="form-check lp-head"><input class="form-check-input" type="radio" name="profile" id="lps-0" value="cpu" checked><label class="form-check-label lp-title" for="lps-0">CPU server</label></div>
<div class="lp-options mt-3"><fieldset class="lp-field row mb-2"><legend class="col-form-label col-sm-3 pt-0">Image</legend><div class="col-sm-9">
<div class="form-check lp-choice"><input class="form-check-input" type="radio" id="lps-0-0-0" value="scipy" name="profile-option-cpu--image" checked><label class="form-check-label" for="lps-0-0-0">SciPy</label></div>
<div class="form-check lp-choice"><input class="form-check-input" type="radio" id="lps-0-0-1" value="r" name="profile-option-cpu--image"><label class="form-check-label" for="lps-0-0-1">R</label></div>
<div class="form-check lp-choice lp-other-choice"><input class="form-check-input lp-other-choice" type="radio" id="lps-0-0-other" value="" name="profile-option-cpu--image"><label class="form-check-label" for="lps-0-0-other">Other...</label></div>
<div class="lp-other mt-2"><label class="form-label" for="lps-0-0-text">Custom image</label><input type="text" class="form-control" name="profile-option-cpu--image--unlisted-choice" id="lps-0-0-text" value="" placeholder=" "></div>
</div></fieldset>
<div class="lp-field row mb-2"><label class="col-form-label col-sm-3 pt-0" for="lps-0-1">Resources</label><div class="col-sm-9"><select class="form-select" name="profile-option-cpu--resources" id="lps-0-1"><option value="small">2 CPU, 8 GB</option><option value="medium" selected>4 CPU, 16 GB</option><option value="large">8 CPU, 32 GB</option></select></div></div>
</div></div></div>
<div class="card mb-2 lp-card"><div class="card-body"><div class="form-check lp-head"><input class="form-check-input" type="radio" name="profile" id="lps-1" value="gpu"><label class="form-check-label lp-title" for="lps-1">GPU server</label></div></div></div>
</fieldset>
<button type="submit" class="btn btn-jupyter form-control lp-start">Start</button></fieldset></div>
<br><div class="feedback-container"><button type="submit" class="btn btn-jupyter form-control">Start</button></div>
</form>`;
}

export const sampleJhData = {
  base_url: "/prefix/hub/",
  prefix: "/prefix/",
  user: "ada",
  admin_access: false,
  options_form: true,
  xsrf_token: "xsrf-token",
};
export const sampleServiceUrl = "/prefix/services/launchpad/";
