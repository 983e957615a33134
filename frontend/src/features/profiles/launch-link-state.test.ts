import { describe, expect, it } from "vitest";
import { UNLISTED_CHOICE_SENTINEL } from "../../../../contract/spawn-page.ts";
import { cpuProfile, freeTextProfile, gpuProfile, minimalProfile } from "../../testing/fixtures.ts";
import { applyLaunchLink, launchLinkOf } from "./launch-link-state.ts";
import { initialFormState, toFormFields } from "./profile-form-model.ts";

const profiles = [cpuProfile, gpuProfile, minimalProfile, freeTextProfile];
const start = initialFormState(profiles, {});

describe("a launch link on the profile form", () => {
  it("selects the link's profile, listed choices and free text", () => {
    const { state, problems } = applyLaunchLink(profiles, start, {
      profile: "cpu",
      options: [
        { key: "image", value: "quay.io/org/img:1", other: true },
        { key: "resources", value: "large", other: false },
      ],
    });
    expect(problems).toEqual([]);
    expect(toFormFields(profiles, state)).toEqual([
      ["profile", "cpu"],
      ["profile-option-cpu--image--unlisted-choice", "quay.io/org/img:1"],
      ["profile-option-cpu--resources", "large"],
    ]);
  });

  it("names what this hub does not offer and keeps the form's value for it", () => {
    const { state, problems } = applyLaunchLink(profiles, start, {
      profile: "gpu",
      options: [
        { key: "gpus", value: "8", other: false },
        { key: "gpus", value: "16", other: true },
        { key: "memory", value: "1T", other: false },
      ],
    });
    expect(problems).toEqual([
      "GPUs has no choice “8”.",
      "GPUs takes only its listed choices, not “16”.",
      "GPU server has no option “memory”.",
    ]);
    expect(toFormFields(profiles, state)).toEqual([
      ["profile", "gpu"],
      ["profile-option-gpu--gpus", "1"],
    ]);
  });

  it("applies nothing for a profile this hub has not", () => {
    const result = applyLaunchLink(profiles, start, {
      profile: "<img src=x onerror=alert(1)>",
      options: [{ key: "image", value: "x", other: false }],
    });
    expect(result.state).toBe(start);
    expect(result.problems).toEqual([
      "This hub has no profile “<img src=x onerror=alert(1)>”, so the link's options were not applied either.",
    ]);
  });

  it("applies options to the form's profile when the link names none, and refuses empty free text", () => {
    const { state, problems } = applyLaunchLink(profiles, start, {
      options: [
        { key: "resources", value: "small", other: false },
        { key: "image", value: "  ", other: true },
      ],
    });
    expect(problems).toEqual(["The link gives Image an empty value."]);
    expect(state.profileSlug).toBe("cpu");
    expect(toFormFields(profiles, state)).toContainEqual([
      "profile-option-cpu--resources",
      "small",
    ]);
  });

  it("cuts a very long value short in its message", () => {
    const { problems } = applyLaunchLink(profiles, start, {
      profile: "cpu",
      options: [{ key: "resources", value: "x".repeat(500), other: false }],
    });
    expect(problems[0]).toBe(`Resources has no choice “${"x".repeat(60)}…”.`);
  });

  it("makes the link that selects what the form shows, free-text-only options included", () => {
    const { state } = applyLaunchLink(profiles, start, {
      profile: "bring-your-own",
      options: [{ key: "image", value: "ghcr.io/a/b:2", other: true }],
    });
    expect(state.selections.get(JSON.stringify(["bring-your-own", "image"]))).toEqual({
      choice: null,
      unlisted: "ghcr.io/a/b:2",
    });
    const link = launchLinkOf(profiles, state);
    expect(link).toEqual({
      profile: "bring-your-own",
      options: [{ key: "image", value: "ghcr.io/a/b:2", other: true }],
    });
    expect(launchLinkOf(profiles, start)).toEqual({
      profile: "cpu",
      options: [
        { key: "image", value: "scipy", other: false },
        { key: "resources", value: "medium", other: false },
      ],
    });
    // The link read back selects the same fields.
    const other = applyLaunchLink(profiles, start, {
      profile: "cpu",
      options: [{ key: "image", value: "quay.io/x/y:z", other: true }],
    }).state;
    expect(other.selections.get(JSON.stringify(["cpu", "image"]))?.choice).toBe(
      UNLISTED_CHOICE_SENTINEL,
    );
    expect(
      toFormFields(profiles, applyLaunchLink(profiles, start, launchLinkOf(profiles, other)).state),
    ).toEqual(toFormFields(profiles, other));
  });
});
