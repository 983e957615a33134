/**
 * The data the hub glue (chart/files/launchpad_glue.py) embeds in JupyterHub's spawn page, and
 * the form fields the page posts back to KubeSpawner.
 *
 * The glue sends an allow-list of display fields only: nothing from `kubespawner_override` ever
 * reaches the browser (it holds env vars, secrets, node selectors). Profile and option order is
 * the admin's order, as KubeSpawner renders it (`_get_initialized_profile_list` and
 * `_render_options_form` keep it: https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3829-L3868,
 * https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3537-L3553).
 */
import * as z from "zod/mini";

/**
 * Bumped whenever the JSON shape changes. The glue writes it; the page refuses a version it does
 * not know and says so, instead of misbehaving with a hub that runs an older or newer glue.
 */
export const SPAWN_PAGE_CONTRACT_VERSION = 1;

/** The id of the `<script type="application/json">` element the glue renders. */
export const SPAWN_PAGE_DATA_ELEMENT_ID = "launchpad-spawn-data";
/** The id of the element the page mounts into (it holds the glue's server-rendered form). */
export const SPAWN_PAGE_MOUNT_ELEMENT_ID = "launchpad-root";

/**
 * How the glue's server-rendered form and the page lay out a profile list; the glue has the same
 * numbers (chart/files/launchpad_glue.py), since the page takes that form over in place.
 * More entries than MAX_RADIOS in an option (its choices, "Other...", "Build from a repository")
 * and it is a searchable list rather than radios.
 */
export const MAX_RADIOS = 5;
/** More profiles than this: a filter and a scrolling list, the selected profile's options below. */
export const MAX_PROFILE_CARDS = 5;
/** The glue's server-rendered form carries this attribute; the page hides it once it has taken over. */
export const SERVER_FORM_ATTRIBUTE = "data-launchpad-form";

/**
 * KubeSpawner's sentinel select value for the "Other..." entry; never posted
 * (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/templates/form.html#L30-L32).
 */
export const UNLISTED_CHOICE_SENTINEL = "unlisted-choice";
/** The user_options key suffix of a free-text value (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3796-L3797). */
export const UNLISTED_CHOICE_SUFFIX = "--unlisted-choice";
/** The option key the page posts a project id under; KubeSpawner ignores keys that are not options. */
export const PROJECT_OPTION_KEY = "launchpad-project";

export const ChoiceSchema = z.object({
  key: z.string(),
  display_name: z.string(),
  description: z.optional(z.string()),
  default: z.boolean(),
});

export const UnlistedChoiceSchema = z.object({
  enabled: z.boolean(),
  display_name: z.optional(z.string()),
  display_name_in_choices: z.optional(z.string()),
  validation_regex: z.optional(z.string()),
  validation_message: z.optional(z.string()),
});

export const ProfileOptionSchema = z.object({
  key: z.string().check(z.minLength(1)),
  display_name: z.string(),
  choices: z.array(ChoiceSchema),
  unlisted_choice: UnlistedChoiceSchema,
  /** The jupyterhub-fancy-profiles key admins already use; needs `unlisted_choice.enabled`. */
  dynamic_image_building: z.optional(z.object({ enabled: z.boolean() })),
});

export const ProfileSchema = z.object({
  slug: z.string().check(z.minLength(1)),
  display_name: z.string(),
  /** Admin-written HTML: the page sanitises it before rendering. */
  description: z.optional(z.string()),
  default: z.boolean(),
  profile_options: z.array(ProfileOptionSchema),
});

export const SpawnPageDataSchema = z.object({
  version: z.number(),
  /** The JupyterHub service name of the companion; its URL is `{jhdata.prefix}services/{name}/`. */
  service_name: z.string().check(z.regex(/^[a-zA-Z0-9._-]+$/)),
  /** Whose server this form spawns (an admin may spawn for someone else). */
  user: z.string(),
  /** "" for the default server. */
  server_name: z.string(),
  profiles: z.array(ProfileSchema).check(z.minLength(1)),
  /** The saved user_options; values set through the REST API are not always strings. */
  user_options: z.record(z.string(), z.unknown()),
  /**
   * What the glue knows of the hub (`hub_facts`); absent from glues before it (the page then
   * behaves as without named servers). Added compatibly: the version stays 1.
   */
  hub: z.optional(
    z.object({
      /** `jupyterhub.__version__`; display names only from 6 (named-servers.ts). */
      version: z.string(),
      /** `JupyterHub.allow_named_servers`. */
      named_servers: z.boolean(),
      /** `named_server_limit_per_user`: 0 for none, null when the hub computes it per request. */
      named_server_limit: z.nullable(z.int().check(z.nonnegative())),
    }),
  ),
});

export type Choice = z.infer<typeof ChoiceSchema>;
export type UnlistedChoice = z.infer<typeof UnlistedChoiceSchema>;
export type ProfileOption = z.infer<typeof ProfileOptionSchema>;
export type Profile = z.infer<typeof ProfileSchema>;
export type SpawnPageData = z.infer<typeof SpawnPageDataSchema>;

/**
 * KubeSpawner's form field name for an option (https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/templates/form.html#L24, parsed by
 * https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3642-L3648).
 */
export function optionFieldName(profileSlug: string, optionKey: string): string {
  return `profile-option-${profileSlug}--${optionKey}`;
}

/** The field name of an option's free-text value. */
export function unlistedFieldName(profileSlug: string, optionKey: string): string {
  return `${optionFieldName(profileSlug, optionKey)}${UNLISTED_CHOICE_SUFFIX}`;
}
