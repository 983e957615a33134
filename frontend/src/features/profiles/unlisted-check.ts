/**
 * A free-text value against the admin's `validation_regex`, as KubeSpawner's `re.match` would judge
 * it (contract/python-regex.ts). The translator is its own chunk, loaded when a profile has a
 * regex: nobody needs it before typing a value, and it must not weigh on the first paint. Until it
 * has loaded, and wherever it cannot decide exactly, nothing is blocked: KubeSpawner checks again
 * when the form is posted, and the hub shows its refusal.
 */
import type { PythonRegex } from "../../../../contract/python-regex.ts";
import type { Profile } from "../../../../contract/spawn-page.ts";

let compile: ((pattern: string) => PythonRegex) | null = null;
const compiled = new Map<string, PythonRegex>();

export function needsUnlistedCheck(profiles: readonly Profile[]): boolean {
  return profiles.some((profile) =>
    profile.profile_options.some(
      (option) => option.unlisted_choice.enabled && option.unlisted_choice.validation_regex,
    ),
  );
}

/** Loads the translator; resolves whether or not its chunk could be fetched. */
export async function loadUnlistedCheck(): Promise<void> {
  try {
    compile ??= (await import("../../../../contract/python-regex.ts")).compilePythonRegex;
  } catch {
    // The chunk did not load: values stay unchecked here, the hub still checks them.
  }
}

/** `re.match(pattern, value) is not None`, or null while this cannot be decided here. */
export function unlistedValueMatches(pattern: string, value: string): boolean | null {
  if (!compile) return null;
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = compile(pattern);
    compiled.set(pattern, regex);
  }
  return regex.exact ? regex.test(value) : null;
}
