import { beforeAll, describe, expect, it } from "vitest";
import {
  UNLISTED_CHOICE_SENTINEL,
  type Profile,
  type ProfileOption,
} from "../../../../contract/spawn-page.ts";
import { cpuProfile, freeTextProfile, gpuProfile, minimalProfile } from "../../testing/fixtures.ts";
import { BUILD_CHOICE, canBuildImage } from "./option-entries.ts";
import { loadUnlistedCheck } from "./unlisted-check.ts";
import {
  formErrors,
  initialFormState,
  selectionKey,
  toFormFields,
  type OptionSelection,
  type ProfileFormState,
} from "./profile-form-model.ts";

const profiles = [cpuProfile, gpuProfile, minimalProfile, freeTextProfile];

function state(
  profileSlug: string,
  selections: Record<string, OptionSelection> = {},
  projectId: string | null = null,
): ProfileFormState {
  return {
    profileSlug,
    selections: new Map(
      Object.entries(selections).map(([key, value]) => [selectionKey(profileSlug, key), value]),
    ),
    projectId,
  };
}

describe("toFormFields", () => {
  it("posts the profile and each option's default choice", () => {
    expect(toFormFields(profiles, state("cpu"))).toEqual([
      ["profile", "cpu"],
      ["profile-option-cpu--image", "scipy"],
      ["profile-option-cpu--resources", "medium"],
    ]);
  });

  it("posts only the selected profile's options", () => {
    const fields = toFormFields(profiles, state("gpu"));
    expect(fields).toEqual([
      ["profile", "gpu"],
      ["profile-option-gpu--gpus", "1"],
    ]);
  });

  it("posts the trimmed free text instead of the choice, never the sentinel", () => {
    const fields = toFormFields(
      profiles,
      state("cpu", { image: { choice: UNLISTED_CHOICE_SENTINEL, unlisted: "  quay.io/a/b:1 \n" } }),
    );
    expect(fields).toContainEqual(["profile-option-cpu--image--unlisted-choice", "quay.io/a/b:1"]);
    expect(fields.some(([name]) => name === "profile-option-cpu--image")).toBe(false);
    expect(fields.some(([, value]) => value === UNLISTED_CHOICE_SENTINEL)).toBe(false);
  });

  it("keeps the listed choice when the free text is filled but not selected", () => {
    const fields = toFormFields(
      profiles,
      state("cpu", { image: { choice: "r", unlisted: "quay.io/a/b:1" } }),
    );
    expect(fields).toContainEqual(["profile-option-cpu--image", "r"]);
    expect(fields.some(([name]) => name.endsWith("--unlisted-choice"))).toBe(false);
  });

  it("omits an option with nothing chosen (empty free text, unknown choice)", () => {
    expect(toFormFields(profiles, state("bring-your-own"))).toEqual([
      ["profile", "bring-your-own"],
    ]);
    expect(
      toFormFields(
        profiles,
        state("cpu", { image: { choice: UNLISTED_CHOICE_SENTINEL, unlisted: "   " } }),
      ),
    ).toEqual([
      ["profile", "cpu"],
      ["profile-option-cpu--resources", "medium"],
    ]);
    expect(
      toFormFields(profiles, state("gpu", { gpus: { choice: "gone", unlisted: "" } })),
    ).toEqual([["profile", "gpu"]]);
  });

  it("never posts free text for an option that does not allow it", () => {
    expect(
      toFormFields(
        profiles,
        state("gpu", { gpus: { choice: UNLISTED_CHOICE_SENTINEL, unlisted: "9" } }),
      ),
    ).toEqual([["profile", "gpu"]]);
  });

  it("keeps `short` and `short-plus` apart (KubeSpawner filters by prefix)", () => {
    const option = (key: string): Profile["profile_options"][number] => ({
      key,
      display_name: key,
      choices: [{ key: "a", display_name: "A", default: true }],
      unlisted_choice: { enabled: false },
    });
    const short: Profile = {
      slug: "short",
      display_name: "Short",
      default: true,
      profile_options: [option("x")],
    };
    const shortPlus: Profile = {
      slug: "short-plus",
      display_name: "Short plus",
      default: false,
      profile_options: [option("plus--x")],
    };
    const fields = toFormFields([short, shortPlus], state("short"));
    expect(fields).toEqual([
      ["profile", "short"],
      ["profile-option-short--x", "a"],
    ]);
    expect(toFormFields([short, shortPlus], state("short-plus"))).toEqual([
      ["profile", "short-plus"],
      ["profile-option-short-plus--plus--x", "a"],
    ]);
  });

  it("handles option keys containing `--`", () => {
    const profile: Profile = {
      slug: "p",
      display_name: "P",
      default: true,
      profile_options: [
        {
          key: "a--b",
          display_name: "AB",
          choices: [{ key: "c--d", display_name: "CD", default: true }],
          unlisted_choice: { enabled: true },
        },
      ],
    };
    expect(toFormFields([profile], state("p"))).toEqual([
      ["profile", "p"],
      ["profile-option-p--a--b", "c--d"],
    ]);
    expect(
      toFormFields(
        [profile],
        state("p", { "a--b": { choice: UNLISTED_CHOICE_SENTINEL, unlisted: "v" } }),
      ),
    ).toEqual([
      ["profile", "p"],
      ["profile-option-p--a--b--unlisted-choice", "v"],
    ]);
  });

  it("adds the project option for the hub glue", () => {
    expect(toFormFields(profiles, state("minimal", {}, "gh-ada-demo-1a2b"))).toEqual([
      ["profile", "minimal"],
      ["profile-option-minimal--launchpad-project", "gh-ada-demo-1a2b"],
    ]);
  });

  it("falls back to the default profile for an unknown slug", () => {
    expect(toFormFields(profiles, state("gone"))[0]).toEqual(["profile", "cpu"]);
  });
});

describe("initialFormState (saved user_options)", () => {
  it("preselects the default profile without saved options", () => {
    expect(initialFormState(profiles, {}).profileSlug).toBe("cpu");
    expect(
      initialFormState([minimalProfile, { ...gpuProfile, default: true }], {}).profileSlug,
    ).toBe("gpu");
  });

  it("restores profile, choices and free text", () => {
    const s = initialFormState(profiles, {
      profile: "cpu",
      "image--unlisted-choice": "quay.io/a/b:1",
      resources: "large",
    });
    expect(toFormFields(profiles, s)).toEqual([
      ["profile", "cpu"],
      ["profile-option-cpu--image--unlisted-choice", "quay.io/a/b:1"],
      ["profile-option-cpu--resources", "large"],
    ]);
  });

  it("falls back to defaults for a profile or choice that no longer exists, and ignores non-strings", () => {
    expect(initialFormState(profiles, { profile: "removed", image: "r" }).profileSlug).toBe("cpu");
    expect(
      toFormFields(profiles, initialFormState(profiles, { profile: "removed", image: "r" })),
    ).toContainEqual(["profile-option-cpu--image", "scipy"]);
    const s = initialFormState(profiles, {
      profile: "cpu",
      resources: "huge",
      "image--unlisted-choice": 42,
      image: ["r"],
    });
    expect(toFormFields(profiles, s)).toEqual([
      ["profile", "cpu"],
      ["profile-option-cpu--image", "scipy"],
      ["profile-option-cpu--resources", "medium"],
    ]);
    expect(initialFormState(profiles, { profile: ["gpu"] }).profileSlug).toBe("cpu");
  });

  it("is not confused by keys like __proto__", () => {
    const saved = JSON.parse('{"profile":"cpu","__proto__":{"image":"r"}}') as Record<
      string,
      unknown
    >;
    expect(toFormFields(profiles, initialFormState(profiles, saved))).toContainEqual([
      "profile-option-cpu--image",
      "scipy",
    ]);
  });
});

describe("the build entry", () => {
  beforeAll(loadUnlistedCheck);

  it("posts the built image as the free text, never the page's own value", () => {
    const building = state("cpu", {
      image: { choice: BUILD_CHOICE, unlisted: "typed", built: null },
    });
    expect(toFormFields(profiles, building)).toEqual([
      ["profile", "cpu"],
      ["profile-option-cpu--resources", "medium"],
    ]);
    expect(formErrors(profiles, building)).toEqual([
      {
        profileSlug: "cpu",
        optionKey: "image",
        message: "Build an image first, or choose another image.",
      },
    ]);
    const built = state("cpu", {
      image: { choice: BUILD_CHOICE, unlisted: "typed", built: "quay.io/ada/x:1a2b" },
    });
    expect(toFormFields(profiles, built)).toEqual([
      ["profile", "cpu"],
      ["profile-option-cpu--image--unlisted-choice", "quay.io/ada/x:1a2b"],
      ["profile-option-cpu--resources", "medium"],
    ]);
    expect(formErrors(profiles, built)).toEqual([]);
  });

  it("holds a built image to the admin's validation_regex", () => {
    const built = state("cpu", {
      image: { choice: BUILD_CHOICE, unlisted: "", built: "docker.io/ada/x:1" },
    });
    expect(formErrors(profiles, built)[0]?.message).toBe(
      "Use an image from quay.io or ghcr.io, with a tag.",
    );
  });
});

describe("formErrors", () => {
  beforeAll(loadUnlistedCheck);

  it("reports empty required text and regex failures, with the admin's message", () => {
    expect(formErrors(profiles, state("bring-your-own"))).toEqual([
      { profileSlug: "bring-your-own", optionKey: "image", message: "Enter a value for Image." },
    ]);
    const bad = state("cpu", {
      image: { choice: UNLISTED_CHOICE_SENTINEL, unlisted: "docker.io/x/y:1" },
    });
    expect(formErrors(profiles, bad)).toEqual([
      {
        profileSlug: "cpu",
        optionKey: "image",
        message: "Use an image from quay.io or ghcr.io, with a tag.",
      },
    ]);
    const good = state("cpu", {
      image: { choice: UNLISTED_CHOICE_SENTINEL, unlisted: " quay.io/ada/x:1 " },
    });
    expect(formErrors(profiles, good)).toEqual([]);
  });

  it("only checks the selected profile", () => {
    expect(formErrors(profiles, state("cpu"))).toEqual([]);
  });
});

describe("canBuildImage", () => {
  const option = (dynamic: boolean | undefined, unlisted: boolean): ProfileOption => ({
    key: "image",
    display_name: "Image",
    choices: [],
    unlisted_choice: { enabled: unlisted },
    ...(dynamic === undefined ? {} : { dynamic_image_building: { enabled: dynamic } }),
  });
  it.each([
    [true, true, true],
    [true, false, false],
    [false, true, false],
    [undefined, true, false],
  ])("dynamic_image_building=%s, unlisted_choice=%s → %s", (dynamic, unlisted, expected) => {
    expect(canBuildImage(option(dynamic, unlisted))).toBe(expected);
  });
});
