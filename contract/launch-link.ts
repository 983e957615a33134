/**
 * Launch links: `{prefix}services/<name>/launch?<query>`, a stable interface described in
 * docs/launch-links.md. The query names a profile, option values (a listed choice or free text
 * for an option's "Other…"), and a repository to build. The companion reads it here, like any user
 * input, and refuses what is not a launch link at all; whether the values fit this hub's profile
 * list (which only the spawn page has) the page decides and shows.
 *
 * Never `/hub/spawn?…`: JupyterHub passes every query argument there except `next` to
 * `options_from_query` and starts the server at once, without the form
 * (https://github.com/jupyterhub/jupyterhub/blob/5.5.1/jupyterhub/handlers/pages.py#L197-L215;
 * 6.x reads keys with an `opt-` prefix and still starts at once,
 * https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/handlers/pages.py#L238-L262).
 */
import * as z from "zod/mini";

/** The link's path under the service prefix. */
export const LAUNCH_PATH = "launch";

/**
 * The longest canonical query a link may have. The link rides through the login inside the
 * companion's login state cookie and then in the hand-over cookie; browsers keep cookies of up to
 * 4096 bytes, and cookie encoding can grow a query by two thirds.
 */
export const MAX_LAUNCH_QUERY_LENGTH = 1500;
export const MAX_LAUNCH_VALUE_LENGTH = 512;
export const MAX_LAUNCH_KEY_LENGTH = 100;
export const MAX_LAUNCH_OPTIONS = 32;

const OPTION_PREFIX = "option.";
const OTHER_PREFIX = "other.";

/** One option value: a listed choice's key, or (`other`) the free text of the option's "Other…". */
export const LaunchOptionSchema = z.object({
  key: z.string(),
  value: z.string(),
  other: z.boolean(),
});
export type LaunchOption = z.infer<typeof LaunchOptionSchema>;

/** A repository to build, as the build panel takes it; checked by the page's own grammar. */
export const LaunchRepositorySchema = z.object({
  provider: z.string(),
  repo: z.string(),
  ref: z.optional(z.string()),
});
export type LaunchRepository = z.infer<typeof LaunchRepositorySchema>;

export const LaunchLinkSchema = z.object({
  profile: z.optional(z.string()),
  options: z.array(LaunchOptionSchema),
  repository: z.optional(LaunchRepositorySchema),
});
export type LaunchLink = z.infer<typeof LaunchLinkSchema>;

/** `GET api/launch-link`: the link this browser's last launch handed to the spawn page, once. */
export const LaunchHandoffResponseSchema = z.object({ link: z.nullable(LaunchLinkSchema) });
export type LaunchHandoffResponse = z.infer<typeof LaunchHandoffResponseSchema>;

export type LaunchQueryResult = { ok: true; link: LaunchLink } | { ok: false; problems: string[] };

/**
 * Controls (C0, DEL, C1) and the line and paragraph separators. (Bytes that are not UTF-8
 * arrive as U+FFFD: URLSearchParams decodes so.)
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A name or value as a message may quote it: short, and escaped (JSON) so it cannot mislead. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function textProblem(what: string, text: string, max: number): string | null {
  if (text.length > max) return `${what} is longer than ${max} characters.`;
  if (UNSAFE_TEXT.test(text)) return `${what} holds control characters.`;
  return null;
}

/**
 * The launch link in `query` (what follows `?`, as the browser sent it), or every reason it is
 * not one: a parameter outside the format, one given twice, a value too long or with control
 * characters, both a choice and free text for one option, `provider`/`ref` without `repo`.
 */
export function parseLaunchQuery(query: string): LaunchQueryResult {
  if (query.length > 4 * MAX_LAUNCH_QUERY_LENGTH)
    return {
      ok: false,
      problems: [`The link is longer than ${MAX_LAUNCH_QUERY_LENGTH} characters.`],
    };
  const problems: string[] = [];
  const seen = new Set<string>();
  const link: LaunchLink = { options: [] };
  const repository: Partial<LaunchRepository> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    const nameProblem = textProblem("A parameter name", name, MAX_LAUNCH_KEY_LENGTH + 8);
    if (nameProblem) {
      problems.push(nameProblem);
      continue;
    }
    if (seen.has(name)) {
      problems.push(`${quoted(name)} is given more than once.`);
      continue;
    }
    seen.add(name);
    const valueProblem = textProblem(
      `The value of ${quoted(name)}`,
      value,
      MAX_LAUNCH_VALUE_LENGTH,
    );
    if (valueProblem) {
      problems.push(valueProblem);
      continue;
    }
    if (name === "profile") link.profile = value;
    else if (name === "provider" || name === "repo" || name === "ref") repository[name] = value;
    else if (name.startsWith(OPTION_PREFIX) || name.startsWith(OTHER_PREFIX)) {
      const other = name.startsWith(OTHER_PREFIX);
      const key = name.slice((other ? OTHER_PREFIX : OPTION_PREFIX).length);
      if (!key) problems.push(`${quoted(name)} names no option.`);
      else if (seen.has(`${other ? OPTION_PREFIX : OTHER_PREFIX}${key}`))
        problems.push(`Option ${quoted(key)} has both a choice and an "Other" value; give one.`);
      else link.options.push({ key, value, other });
    } else problems.push(`${quoted(name)} is not a launch link parameter.`);
  }
  if (link.options.length > MAX_LAUNCH_OPTIONS)
    problems.push(`The link sets more than ${MAX_LAUNCH_OPTIONS} options.`);
  if (repository.repo !== undefined) {
    link.repository = {
      provider: repository.provider ?? "gh",
      repo: repository.repo,
      ...(repository.ref === undefined ? {} : { ref: repository.ref }),
    };
  } else if (repository.provider !== undefined || repository.ref !== undefined) {
    problems.push(`"provider" and "ref" need "repo".`);
  }
  if (problems.length === 0 && launchQuery(link).length > MAX_LAUNCH_QUERY_LENGTH)
    problems.push(`The link is longer than ${MAX_LAUNCH_QUERY_LENGTH} characters.`);
  return problems.length ? { ok: false, problems } : { ok: true, link };
}

/** The link's canonical query: profile, options in order, then the repository. */
export function launchQuery(link: LaunchLink): string {
  const params = new URLSearchParams();
  if (link.profile !== undefined) params.append("profile", link.profile);
  for (const option of link.options)
    params.append(`${option.other ? OTHER_PREFIX : OPTION_PREFIX}${option.key}`, option.value);
  if (link.repository) {
    params.append("provider", link.repository.provider);
    params.append("repo", link.repository.repo);
    if (link.repository.ref !== undefined) params.append("ref", link.repository.ref);
  }
  return params.toString();
}

/** The absolute link: `serviceUrl` is `{prefix}services/<name>/`, `origin` the hub's. */
export function launchUrl(origin: string, serviceUrl: string, link: LaunchLink): string {
  const query = launchQuery(link);
  return `${origin}${serviceUrl}${LAUNCH_PATH}${query ? `?${query}` : ""}`;
}
