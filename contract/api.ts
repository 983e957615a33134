/**
 * The companion's HTTP API under `{prefix}services/<name>/api/`, shared by the page and the
 * server so that both sides parse the same shapes.
 */
import * as z from "zod/mini";

/** Every error the companion answers with, in JupyterHub's own `{status, message}` shape. */
export const ApiErrorSchema = z.object({
  status: z.number(),
  message: z.string(),
  /** Where a browser goes to get a session (present on 401). */
  login_url: z.optional(z.string()),
  /** Seconds until a refused request may be retried (present on 429). */
  retry_after: z.optional(z.number()),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** A schema's issues as one line a person can act on: `ref: not a git …; image: …`. */
export function describeIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): string {
  return issues
    .map((issue) =>
      issue.path.length > 0
        ? `${issue.path.map(String).join(".")}: ${issue.message}`
        : issue.message,
    )
    .join("; ");
}

export const FeaturesSchema = z.object({
  build: z.boolean(),
  projects: z.boolean(),
});
export type Features = z.infer<typeof FeaturesSchema>;

/** `GET api/me`: who the companion thinks you are, and the CSRF token for writes. */
export const MeSchema = z.object({
  name: z.string(),
  admin: z.boolean(),
  /** Send as `X-Launchpad-CSRF` on every write; it is bound to the session. */
  csrf_token: z.string(),
  features: FeaturesSchema,
  /** This user may edit the profile list at `{service}/admin/`. */
  profile_editor: z.boolean(),
});
export type Me = z.infer<typeof MeSchema>;

/** The header the page sends its CSRF token in. */
export const CSRF_HEADER = "x-launchpad-csrf";
