import { describe, expect, it } from "vitest";
import { SAMPLE_PROFILES } from "./sample-profiles.ts";
import { optionsFromForm, pythonReMatch, validateUserOptions } from "./spawn-form.ts";

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

describe("validateUserOptions (KubeSpawner _validate_user_options plus unknown choices)", () => {
  it("accepts the defaults and a matching unlisted image", () => {
    expect(
      validateUserOptions(
        { profile: "python", image: "scipy", resources: "small" },
        SAMPLE_PROFILES,
      ),
    ).toEqual([]);
    expect(
      validateUserOptions(
        { profile: "python", "image--unlisted-choice": "quay.io/a/b:1" },
        SAMPLE_PROFILES,
      ),
    ).toEqual([]);
  });

  it("refuses unknown profiles, unknown choices, the sentinel, disabled unlisted values and bad project ids", () => {
    expect(validateUserOptions({}, SAMPLE_PROFILES)[0]).toMatch(/No profile/);
    expect(validateUserOptions({ profile: "nope" }, SAMPLE_PROFILES)[0]).toBe(
      "No such profile: nope. Options include: python, r, gpu",
    );
    expect(validateUserOptions({ profile: "r", image: "r-3" }, SAMPLE_PROFILES)[0]).toMatch(
      /no such choice r-3/,
    );
    expect(
      validateUserOptions({ profile: "python", image: "unlisted-choice" }, SAMPLE_PROFILES),
    ).toHaveLength(1);
    expect(
      validateUserOptions({ profile: "r", "image--unlisted-choice": "x" }, SAMPLE_PROFILES)[0],
    ).toBe("Received unlisted_choice for image without being enabled.");
    expect(
      validateUserOptions({ profile: "python", "launchpad-project": "../etc" }, SAMPLE_PROFILES),
    ).toHaveLength(1);
  });
});

describe("pythonReMatch (re.match: anchored at the start only)", () => {
  it("anchors at the start but not the end, and understands (?P<name>…)", () => {
    expect(pythonReMatch("pangeo", "pangeoXYZ")).toBe(true);
    expect(pythonReMatch("pangeo", "xpangeo")).toBe(false);
    expect(pythonReMatch("(?P<org>[a-z]+)/", "quay/x")).toBe(true);
  });
});
