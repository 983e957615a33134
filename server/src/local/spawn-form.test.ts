import { describe, expect, it } from "vitest";
import { SAMPLE_PROFILES } from "./sample-profiles.ts";
import { optionsFromForm, validateUserOptions } from "./spawn-form.ts";

// KubeSpawner 7.1.0: _options_from_form https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3600-L3663,
// _validate_user_options https://github.com/jupyterhub/kubespawner/blob/7.1.0/kubespawner/spawner.py#L3665-L3722.
describe("optionsFromForm (KubeSpawner _options_from_form)", () => {
  it("takes the first profile and strips only that profile's prefix, first value only", () => {
    expect(
      optionsFromForm({
        profile: ["short", "short-plus"],
        "profile-option-short--image": ["a", "b"],
        "profile-option-short-plus--image": ["c"],
        _xsrf: ["token"],
      }),
    ).toEqual({ profile: "short", image: "a" });
  });

  it("gives {} without a profile or with an empty one", () => {
    expect(optionsFromForm({ "profile-option-x--image": ["a"] })).toEqual({});
    expect(optionsFromForm({ profile: [""] })).toEqual({});
  });
});

const problems = (userOptions: Record<string, string>) =>
  validateUserOptions(userOptions, SAMPLE_PROFILES).problems;

describe("validateUserOptions (KubeSpawner _validate_user_options plus unknown choices)", () => {
  it("accepts the defaults and a matching unlisted image", () => {
    expect(
      validateUserOptions(
        { profile: "python", image: "scipy", resources: "small" },
        SAMPLE_PROFILES,
      ),
    ).toEqual({ problems: [], unchecked: [] });
    expect(problems({ profile: "python", "image--unlisted-choice": "quay.io/a/b:1" })).toEqual([]);
  });

  it("refuses unknown profiles, unknown choices, the sentinel, disabled unlisted values and bad project ids", () => {
    expect(problems({})[0]).toMatch(/No profile/);
    expect(problems({ profile: "nope" })[0]).toBe(
      "No such profile: nope. Options include: python, r, gpu",
    );
    expect(problems({ profile: "r", image: "r-3" })[0]).toMatch(/no such choice r-3/);
    expect(problems({ profile: "python", image: "unlisted-choice" })).toHaveLength(1);
    expect(problems({ profile: "r", "image--unlisted-choice": "x" })[0]).toBe(
      "Received unlisted_choice for image without being enabled.",
    );
    expect(problems({ profile: "python", "launchpad-project": "../etc" })).toHaveLength(1);
  });

  it("checks the regex with Python's re.match, in KubeSpawner's words", () => {
    // re.match is anchored at the start only, and $ also matches before a final newline.
    expect(problems({ profile: "python", "image--unlisted-choice": "quay.io/a/b:1\n" })).toEqual(
      [],
    );
    expect(problems({ profile: "python", "image--unlisted-choice": "docker.io/a/b:1" })).toEqual([
      "Received unlisted_choice for image that failed validation regex.",
    ]);
  });

  it("says what it could not check the way Python would, and lets KubeSpawner decide", () => {
    const profiles = structuredClone(SAMPLE_PROFILES);
    const image = profiles[0]!.profile_options[0]!;
    image.unlisted_choice.validation_regex = "(quay)\\.io/\\1";
    expect(
      validateUserOptions({ profile: "python", "image--unlisted-choice": "docker.io/x" }, profiles),
    ).toEqual({
      problems: [],
      unchecked: [
        "image: KubeSpawner checks this value with Python's re.match; the demo cannot (a backreference).",
      ],
    });
  });
});
