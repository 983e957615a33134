/**
 * What Launchpad writes into Kubernetes object metadata: every label and annotation key, how a
 * label value is made, and how objects written by an earlier release are read. Nothing else in
 * the companion spells a `launchpad.jupyter.org/…` key.
 *
 * The scheme (the same on Leases, ConfigMaps and Jobs):
 * - labels select; their values must be valid label values (at most 63 characters of
 *   `[A-Za-z0-9._-]`, alphanumeric at both ends: apimachinery `IsLabelValue`, which
 *   `IsValidLabelValue` now forwards to,
 *   https://github.com/kubernetes/apimachinery/blob/v0.36.5/pkg/api/validate/content/kube.go#L74-L94).
 *   User names, repository URLs, build specs and project ids are free text or too long, so a label
 *   derived from one always holds `labelHash(text)`, never the text — one rule, whatever the text;
 * - annotations carry the real text: the user's name is the `launchpad.jupyter.org/user`
 *   annotation, beside the `launchpad.jupyter.org/user` label holding its hash. KubeSpawner does the
 *   same with `hub.jupyter.org/username` (a slug as label, the name as annotation).
 *
 * `labelHash` is SHA-256 of the UTF-8 text, as the first 40 lower-case hex digits, so the hub glue
 * (Python: `hashlib.sha256(text.encode()).hexdigest()[:40]`) can make the same label. It selects
 * objects written earlier: never change it.
 */
import { sha256Hex } from "../../../contract/sha256.ts";

const PREFIX = "launchpad.jupyter.org/";

/** Label keys. Values: `MANAGED_BY`, a `COMPONENTS` value, or `labelHash(…)` of the text named. */
export const LABELS = {
  managedBy: "app.kubernetes.io/managed-by",
  component: "app.kubernetes.io/component",
  /** `labelHash(user name)`; also on users' project pods (see `projectPodSelector`). */
  user: `${PREFIX}user`,
  /** `labelHash(repository URL)`: BinderHub's `binder-repo` of the build (Leases). */
  repository: `${PREFIX}repo`,
  /** `labelHash("<provider>/<spec>")`: one build request (Leases). */
  build: `${PREFIX}build`,
  /** `labelHash(project id)` (removal Jobs, project pods): ids may be 80 characters long. */
  project: `${PREFIX}project`,
} as const;

export const MANAGED_BY = "launchpad";

/** `app.kubernetes.io/component` of each kind of object the companion creates. */
export const COMPONENTS = {
  /** A Lease per running build stream (server/src/builds/limiter.ts). */
  buildStream: "build-stream",
  /** A Lease per user whose every write admits one build stream (server/src/builds/limiter.ts). */
  buildAdmission: "build-admission",
  /** A ConfigMap of project records per user (server/src/projects/store.ts). */
  projectRecords: "project-records",
  /** A Job removing one project folder (server/src/projects/removal-job.ts). */
  projectRemoval: "project-removal",
  /** The one ConfigMap of ended sessions (server/src/auth/session-revocations.ts). */
  sessionRevocations: "session-revocations",
  /** One published version of the profile list, never changed (server/src/profile-editor/store.ts). */
  profileVersion: "profile-version",
  /** The ConfigMap naming the current profile list version and the history. */
  profilePointer: "profile-pointer",
  /** An admin's unpublished profile list. */
  profileDraft: "profile-draft",
  /** The Lease naming the replica that runs the projects sweep (kubernetes/leader-lease.ts). */
  projectsSweep: "projects-sweep",
} as const;
export type Component = (typeof COMPONENTS)[keyof typeof COMPONENTS];

/** Annotation keys of the objects the companion creates. */
export const ANNOTATIONS = {
  /** The user's name, exactly as the hub spells it. */
  user: `${PREFIX}user`,
  /** The project id (removal Jobs). */
  projectId: `${PREFIX}project-id`,
  /** The deletion request a removal Job belongs to (the record's `deletion.requested_at`). */
  deletionRequestedAt: `${PREFIX}deletion-requested-at`,
  // A build stream's Lease (server/src/builds/limiter.ts):
  provider: `${PREFIX}provider`,
  spec: `${PREFIX}spec`,
  /** BinderHub's `binder-repo` of the build. */
  repository: `${PREFIX}repository`,
  ref: `${PREFIX}ref`,
  /** Milliseconds since the epoch. */
  startedAt: `${PREFIX}started-at`,
  /** The build stream Lease a user's admission Lease admitted last. */
  admittedBuild: `${PREFIX}admitted-build`,
  /** Milliseconds since the epoch; present once the stream ended. */
  ended: `${PREFIX}ended`,
  /** Milliseconds since the epoch; asks the holding replica to stop the stream. */
  cancel: `${PREFIX}cancel`,
  /** The number of a published profile list version (its ConfigMap). */
  profileVersion: `${PREFIX}profile-version`,
} as const;

/**
 * Annotations the hub glue (chart/files/launchpad_glue.py, `_apply_project`) writes on a user's
 * pod when it starts a server on a project: what it narrowed, so the companion never recomputes
 * volume names from the hub's name templates. The glue spells the same keys in Python.
 */
export const POD_ANNOTATIONS = {
  /** The user's name, exactly as the hub spells it (the `user` label holds its hash). */
  user: `${PREFIX}user`,
  /** The project id the server runs on. */
  projectId: `${PREFIX}project-id`,
  /** JSON of the home volume's source, e.g. `{"persistentVolumeClaim":{"claimName":"claim-alice"}}`. */
  homeVolume: `${PREFIX}home-volume`,
  /** The home mount's ORIGINAL subPath before narrowing; "" when it had none. */
  homeSubPath: `${PREFIX}home-subpath`,
  /** Where the home is mounted in the notebook container, e.g. `/home/jovyan`. */
  homeMountPath: `${PREFIX}home-mount-path`,
  /** The notebook user's uid and gid (decimal strings): the removal Job runs as them. */
  runAsUid: `${PREFIX}run-as-uid`,
  runAsGid: `${PREFIX}run-as-gid`,
} as const;

/**
 * Launchpad 0.1.0 named the user in the `launchpad.jupyter.org/username` annotation on ConfigMaps
 * and Jobs (and put the name itself, when label-safe, in the user label). Read on both; written
 * only on project records (`recordAnnotations`), which 0.1.0 refuses without it.
 */
const LEGACY_USER_ANNOTATION = `${PREFIX}username`;

/**
 * The annotations of a user's project-record ConfigMap: today's, and 0.1.0's, without which a
 * replica of 0.1.0 — still serving during a rolling upgrade — answers "belongs to another user"
 * for every record a new replica wrote.
 */
export function recordAnnotations(user: string): Record<string, string> {
  return { [ANNOTATIONS.user]: user, [LEGACY_USER_ANNOTATION]: user };
}

/** A label-safe stand-in for free text: the first 40 hex digits of SHA-256 (see the header). */
export function labelHash(text: string): string {
  return sha256Hex(text).slice(0, 40);
}

const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)?$/;

/**
 * apimachinery `IsValidLabelValue` (see the header); KubeSpawner's `is_valid_label`
 * (kubespawner/slugs.py) is the same rule.
 */
export function isValidLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** The free text a Launchpad label stands for; each becomes `labelHash(text)`. */
export interface LabelSubjects {
  user?: string;
  repository?: string;
  build?: string;
  project?: string;
}

/** The labels of an object the companion creates: managed-by, component, and hashed subjects. */
export function launchpadLabels(
  component: Component,
  subjects: LabelSubjects = {},
): Record<string, string> {
  const labels: Record<string, string> = {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.component]: component,
  };
  for (const [key, text] of Object.entries(subjects) as [keyof LabelSubjects, string][]) {
    labels[LABELS[key]] = labelHash(text);
  }
  return labels;
}

/** The label selector of the objects `launchpadLabels(component, subjects)` labels. */
export function launchpadSelector(component: Component, subjects: LabelSubjects = {}): string {
  return Object.entries(launchpadLabels(component, subjects))
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

/**
 * The selector of users' project pods: the glue labels every pod it narrows to a project with
 * `LABELS.user` and `LABELS.project` (`label_hash` in chart/files/launchpad_glue.py, the same
 * `labelHash`), after the admin's hooks. Without a user: every user's (the label exists).
 * Pods carry no managed-by or component label of ours: those are KubeSpawner's.
 */
export function projectPodSelector(user?: string): string {
  return user === undefined ? LABELS.user : `${LABELS.user}=${labelHash(user)}`;
}

interface WithMetadata {
  metadata?: { annotations?: Record<string, string> | undefined } | undefined;
}

/** The user an object belongs to: today's annotation, or 0.1.0's. */
export function userOf(object: WithMetadata): string | undefined {
  const annotations = object.metadata?.annotations;
  return annotations?.[ANNOTATIONS.user] ?? annotations?.[LEGACY_USER_ANNOTATION];
}
