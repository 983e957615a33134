/**
 * The profile editor's shapes, shared by the admin page and the
 * companion:
 *
 * - **Bounds** come from the chart values, written by infrastructure admins: the node groups pods
 *   may run on (selector, tolerations, ceilings) and the image registries or prefixes allowed.
 * - A **profile document** is what hub admins edit: profiles, options and choices with bounded
 *   settings only (image, node group, CPU, memory, GPUs). It never holds `kubespawner_override`:
 *   the companion generates that from the settings (kubespawner.ts), so nothing edited in a
 *   browser can mount a host path or change a security context.
 * - A **version** is one publish: who, when, a message, the whole document, and what the image
 *   check found. Versions are immutable; a rollback publishes an old document anew.
 *
 * Settings are kept as the text admins typed ("2", "4G"), so a draft saves exactly what is on the
 * screen, even while it is not valid yet; rules.ts says what is wrong with it.
 */
import * as z from "zod/mini";

const text = (max: number) => z.string().check(z.maxLength(max));

/** One setting of a profile or a choice; absent or "" means "not set here". */
export const ProfileSettingsSchema = z.object({
  image: z.optional(text(512)),
  /** The `name` of a node group in the bounds. */
  node_group: z.optional(text(63)),
  /** CPU cores, e.g. "0.5" or "4" (KubeSpawner `cpu_guarantee`/`cpu_limit`, floats). */
  cpu_guarantee: z.optional(text(32)),
  cpu_limit: z.optional(text(32)),
  /** Bytes with KubeSpawner's suffixes K, M, G, T (powers of 1024), e.g. "512M", "4G". */
  mem_guarantee: z.optional(text(32)),
  mem_limit: z.optional(text(32)),
  /** Whole GPUs, on a node group that offers them. */
  gpu: z.optional(text(8)),
});
export type ProfileSettings = z.infer<typeof ProfileSettingsSchema>;
export const SETTING_KEYS = [
  "image",
  "node_group",
  "cpu_guarantee",
  "cpu_limit",
  "mem_guarantee",
  "mem_limit",
  "gpu",
] as const satisfies readonly (keyof ProfileSettings)[];
export type SettingKey = (typeof SETTING_KEYS)[number];

export const EditableChoiceSchema = z.object({
  key: text(100),
  display_name: text(500),
  description: z.optional(text(5000)),
  default: z.boolean(),
  settings: ProfileSettingsSchema,
});
export type EditableChoice = z.infer<typeof EditableChoiceSchema>;

/** Free text in place of a choice; it always sets the image (KubeSpawner's `{value}`). */
export const EditableUnlistedChoiceSchema = z.object({
  enabled: z.boolean(),
  display_name: z.optional(text(500)),
  /** A Python regex, checked with `re.match` (anchored at the start only). */
  validation_regex: z.optional(text(1000)),
  validation_message: z.optional(text(1000)),
  /** jupyterhub-fancy-profiles' key: users may build the image from a repository. */
  dynamic_image_building: z.optional(z.boolean()),
});
export type EditableUnlistedChoice = z.infer<typeof EditableUnlistedChoiceSchema>;

export const EditableOptionSchema = z.object({
  key: text(100),
  display_name: text(500),
  choices: z.array(EditableChoiceSchema).check(z.maxLength(500)),
  unlisted: EditableUnlistedChoiceSchema,
});
export type EditableOption = z.infer<typeof EditableOptionSchema>;

export const EditableProfileSchema = z.object({
  slug: text(100),
  display_name: text(500),
  /** HTML, sanitised by the spawn page before it is shown. */
  description: z.optional(text(10_000)),
  default: z.boolean(),
  /** Hub groups that see this profile; empty: everyone. */
  groups: z.array(text(256)).check(z.maxLength(100)),
  settings: ProfileSettingsSchema,
  options: z.array(EditableOptionSchema).check(z.maxLength(50)),
});
export type EditableProfile = z.infer<typeof EditableProfileSchema>;

export const ProfileDocumentSchema = z.object({
  profiles: z.array(EditableProfileSchema).check(z.maxLength(500)),
});
export type ProfileDocument = z.infer<typeof ProfileDocumentSchema>;

// ---------------------------------------------------------------------------------------------
// Bounds (chart values → companion config → the page)
// ---------------------------------------------------------------------------------------------

export const NodeGroupSchema = z.object({
  name: z.string().check(z.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/)),
  display_name: z.string(),
  node_selector: z.record(z.string(), z.string()),
  /** Kubernetes Toleration objects, passed to KubeSpawner's `tolerations` as they are. */
  tolerations: z.array(z.record(z.string(), z.unknown())),
  /** Cores. */
  max_cpu: z.number().check(z.positive()),
  /** KubeSpawner byte text, e.g. "64G". */
  max_memory: z.string(),
  max_gpu: z.int().check(z.nonnegative()),
  /** The extended resource a GPU is requested as. */
  gpu_resource: z.string(),
});
export type NodeGroup = z.infer<typeof NodeGroupSchema>;

export const ProfileBoundsSchema = z.object({
  node_groups: z.array(NodeGroupSchema),
  /** Registries (`quay.io`) or repository prefixes (`quay.io/jupyter`); see isAllowedImage. */
  allowed_images: z.array(z.string()),
});
export type ProfileBounds = z.infer<typeof ProfileBoundsSchema>;

// ---------------------------------------------------------------------------------------------
// Problems found in a document
// ---------------------------------------------------------------------------------------------

export const IssuePathSchema = z.array(z.union([z.string(), z.int()]));
export type IssuePath = z.infer<typeof IssuePathSchema>;

export const ProfileIssueSchema = z.object({
  /** Where in the document, e.g. ["profiles", 0, "options", 1, "choices", 2, "settings", "image"]. */
  path: IssuePathSchema,
  message: z.string(),
  /** Errors block publishing; warnings are shown and published. */
  severity: z.enum(["error", "warning"]),
});
export type ProfileIssue = z.infer<typeof ProfileIssueSchema>;

// ---------------------------------------------------------------------------------------------
// Image checks
// ---------------------------------------------------------------------------------------------

export const IMAGE_CHECK_STATUSES = [
  /** The registry has the manifest. */
  "ok",
  /** The repository is public and the tag (or digest) is not in it: 404 MANIFEST_UNKNOWN. */
  "missing",
  /** Anonymous access was refused (401/403) and no credentials are configured: not found or private. */
  "private",
  /** The registry did not answer (DNS, connection, TLS, timeout, 5xx): a warning an admin may override. */
  "unreachable",
  /** The reference does not parse, or is outside the allowed registries. */
  "invalid",
] as const;
export const ImageCheckStatusSchema = z.enum(IMAGE_CHECK_STATUSES);
export type ImageCheckStatus = z.infer<typeof ImageCheckStatusSchema>;

export const ImageCheckResultSchema = z.object({
  image: z.string(),
  status: ImageCheckStatusSchema,
  message: z.string(),
  /** The manifest digest the registry answered with (`Docker-Content-Digest`). */
  digest: z.optional(z.string()),
  checked_at: z.iso.datetime(),
});
export type ImageCheckResult = z.infer<typeof ImageCheckResultSchema>;

export const ImageCheckRequestSchema = z.object({
  images: z.array(z.string().check(z.maxLength(512))).check(z.minLength(1), z.maxLength(200)),
});
export const ImageCheckResponseSchema = z.object({ results: z.array(ImageCheckResultSchema) });
export type ImageCheckResponse = z.infer<typeof ImageCheckResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Versions, drafts and the API
// ---------------------------------------------------------------------------------------------

export const VersionNumberSchema = z.int().check(z.positive());

export const ProfileVersionMetaSchema = z.object({
  number: VersionNumberSchema,
  created: z.iso.datetime(),
  author: z.string(),
  message: z.string(),
  /** Set when this version republished an older one. */
  rollback_of: z.optional(VersionNumberSchema),
  /** Images published although their registry was unreachable, as the admin chose. */
  unreachable_accepted: z.array(z.string()),
});
export type ProfileVersionMeta = z.infer<typeof ProfileVersionMetaSchema>;

export const ProfileVersionSchema = z.extend(ProfileVersionMetaSchema, {
  document: ProfileDocumentSchema,
  image_checks: z.array(ImageCheckResultSchema),
});
export type ProfileVersion = z.infer<typeof ProfileVersionSchema>;

export const ProfileDraftSchema = z.object({
  /** The version the draft started from (null: nothing was published then). */
  base_version: z.nullable(VersionNumberSchema),
  document: ProfileDocumentSchema,
  updated: z.iso.datetime(),
  author: z.string(),
});
export type ProfileDraft = z.infer<typeof ProfileDraftSchema>;

/** `GET api/admin/profiles`: everything the editor opens with. */
export const ProfileEditorStateSchema = z.object({
  bounds: ProfileBoundsSchema,
  current: z.nullable(ProfileVersionSchema),
  /** The signed-in admin's own draft. */
  draft: z.nullable(ProfileDraftSchema),
  /** The chart values' starting list (`profileEditor.baseProfiles`), offered while nothing is published. */
  base_document: z.nullable(ProfileDocumentSchema),
  /** How many versions are kept. */
  retention: z.int(),
  /** Seconds the hub caches the published list: a publish reaches spawn pages within this. */
  hub_cache_seconds: z.number(),
});
export type ProfileEditorState = z.infer<typeof ProfileEditorStateSchema>;

export const SaveDraftRequestSchema = z.object({
  base_version: z.nullable(VersionNumberSchema),
  document: ProfileDocumentSchema,
});
export type SaveDraftRequest = z.infer<typeof SaveDraftRequestSchema>;

export const PublishRequestSchema = z.object({
  /** The version the admin edited; the publish is refused (409) if another is current now. */
  base_version: z.nullable(VersionNumberSchema),
  message: z.string().check(z.minLength(1), z.maxLength(1000)),
  document: ProfileDocumentSchema,
  /** Images to publish although their registry did not answer. */
  accept_unreachable: z.optional(z.array(z.string())),
});
export type PublishRequest = z.infer<typeof PublishRequestSchema>;

export const RollbackRequestSchema = z.object({
  base_version: z.nullable(VersionNumberSchema),
  message: z.optional(z.string().check(z.maxLength(1000))),
  accept_unreachable: z.optional(z.array(z.string())),
});
export type RollbackRequest = z.infer<typeof RollbackRequestSchema>;

export const VersionListSchema = z.object({
  current: z.nullable(VersionNumberSchema),
  versions: z.array(ProfileVersionMetaSchema),
});
export type VersionList = z.infer<typeof VersionListSchema>;

/** 409: another admin published since `base_version`. */
export const PublishConflictSchema = z.object({
  status: z.literal(409),
  message: z.string(),
  reason: z.literal("conflict"),
  base_version: z.nullable(VersionNumberSchema),
  current: ProfileVersionSchema,
});
export type PublishConflict = z.infer<typeof PublishConflictSchema>;

/** 422: the document breaks a rule, or an image did not check out. */
export const PublishRefusedSchema = z.object({
  status: z.literal(422),
  message: z.string(),
  reason: z.enum(["invalid", "images"]),
  issues: z.array(ProfileIssueSchema),
  image_checks: z.array(ImageCheckResultSchema),
});
export type PublishRefused = z.infer<typeof PublishRefusedSchema>;

export const ImportRequestSchema = z.object({ yaml: z.string().check(z.maxLength(1_048_576)) });
export const ImportResponseSchema = z.object({
  document: ProfileDocumentSchema,
  /** What could not be carried over (overrides the editor does not offer, unknown node selectors…). */
  notes: z.array(z.string()),
});
export type ImportResponse = z.infer<typeof ImportResponseSchema>;

// ---------------------------------------------------------------------------------------------
// What the hub glue fetches: KubeSpawner's own profile_list, each profile naming its groups
// ---------------------------------------------------------------------------------------------

/** The only keys the companion ever writes into a `kubespawner_override` (the glue checks it too). */
export const OVERRIDE_KEYS = [
  "image",
  "cpu_guarantee",
  "cpu_limit",
  "mem_guarantee",
  "mem_limit",
  "node_selector",
  "tolerations",
  "extra_resource_guarantees",
  "extra_resource_limits",
] as const;
export type KubeSpawnerOverride = Partial<{
  image: string;
  cpu_guarantee: number;
  cpu_limit: number;
  mem_guarantee: string;
  mem_limit: string;
  /** A `null` value removes the key (KubeSpawner's recursive_update). */
  node_selector: Record<string, string | null>;
  tolerations: Record<string, unknown>[];
  extra_resource_guarantees: Record<string, string>;
  extra_resource_limits: Record<string, string>;
}>;

export type KubeSpawnerChoice = {
  display_name: string;
  description?: string;
  default?: boolean;
  kubespawner_override: KubeSpawnerOverride;
};

export type KubeSpawnerOption = {
  display_name: string;
  choices: Record<string, KubeSpawnerChoice>;
  unlisted_choice?: {
    enabled: boolean;
    display_name?: string;
    validation_regex?: string;
    validation_message?: string;
    kubespawner_override: KubeSpawnerOverride;
  };
  dynamic_image_building?: { enabled: boolean };
};

export type KubeSpawnerProfile = {
  slug: string;
  /**
   * Hub groups that see and may start this profile; absent: everyone. KubeSpawner ignores keys it
   * does not know; the glue filters on this one, in published lists and in a values' list alike
   * (so an exported list keeps its groups when a hub goes back to GitOps).
   */
  launchpad_groups?: string[];
  display_name: string;
  description?: string;
  default?: boolean;
  kubespawner_override: KubeSpawnerOverride;
  profile_options: Record<string, KubeSpawnerOption>;
};

/** The glue checks this version of the shape (PROFILE_LIST_FORMAT in launchpad_glue.py). */
export const PUBLISHED_PROFILE_LIST_FORMAT = 1;

/** `GET api/hub/profile-list` (the glue, with the shared token). `version: null`: nothing published. */
export type PublishedProfileList = {
  format: typeof PUBLISHED_PROFILE_LIST_FORMAT;
  version: number | null;
  profile_list: KubeSpawnerProfile[];
};
