import { describe, expect, it } from "vitest";
import {
  buildPodName,
  buildPodNamePrefix,
  buildSlug,
  checkSpec,
  repositoryUrl,
  safeBuildSlug,
} from "./build-spec.ts";

describe("build names (builder.py §A.9 vectors, verified against the real functions upstream)", () => {
  it("computes the image slug and build-pod name of binder-examples/octave", () => {
    expect(safeBuildSlug("binder-examples-octave", 255)).toBe("binder-2dexamples-2doctave-03025a");
    expect(buildPodName("binder-examples-octave", "1479e0252b2e648bb755ee913292b79495931717")).toBe(
      "build-binder-2dexamples-2doctave-03025a-147-e2",
    );
  });

  it("computes FakeProvider's names", () => {
    expect(safeBuildSlug("Rick-Morty", 255)).toBe("rick-2dmorty-a104b7");
    expect(buildPodName("Rick-Morty", "1a2b3c4d5e6f")).toBe("build-rick-2dmorty-a104b7-1a2-77");
  });

  it("keeps pod names within 63 characters for long slugs", () => {
    const name = buildPodName("a".repeat(300), "0123456789abcdef");
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.startsWith(buildPodNamePrefix("a".repeat(300)))).toBe(true);
  });

  it("derives slugs and repository URLs per provider", () => {
    expect(buildSlug("gh", "binder-examples/octave/HEAD")).toBe("binder-examples-octave");
    expect(repositoryUrl("gh", "binder-examples/octave.git/main")).toBe(
      "https://github.com/binder-examples/octave",
    );
    expect(buildSlug("gl", "my-group%2Fproject/main")).toBe("my_-group-project");
    expect(repositoryUrl("gl", "group%2Fproject/main")).toBe(
      "https://gitlab.com/group/project.git",
    );
    expect(repositoryUrl("git", "https%3A%2F%2Fexample.org%2Fr.git/v1")).toBe(
      "https://example.org/r.git",
    );
    expect(repositoryUrl("zenodo", "10.5281/zenodo.3242074")).toBe("10.5281/zenodo.3242074");
  });
});

describe("checkSpec", () => {
  it.each([
    ["gh", "binder-examples/requirements/HEAD"],
    ["gh", "user/repo/feature/branch"],
    ["gl", "group%2Fsub%2Fproject/main"],
    ["git", "https%3A%2F%2Fgithub.com%2Fbinder-examples%2Fconda/main"],
    ["git", "git%40github.com%3Auser%2Frepo.git/main"],
    ["gist", "user/0123abcd"],
    ["zenodo", "10.5281/zenodo.3242074"],
    ["dataverse", "10.7910/DVN/TJCLKP"],
    ["hydroshare", "b8f6eae9d89241cf8b5904033460af61"],
    ["ckan", "https%3A%2F%2Fdemo.ckan.org%2Fdataset%2Fsample"],
  ] as const)("accepts %s %s", (provider, spec) => {
    expect(checkSpec(provider, spec)).toEqual({ ok: true });
  });

  it.each([
    ["gh", ""],
    ["gh", "user/repo"],
    ["gh", "user/../../etc/HEAD"],
    ["gh", "user/repo/a//b"],
    ["gh", "user/repo/main?x=1"],
    ["gh", "user/repo/main#x"],
    ["gh", "user/repo/ma in"],
    ["gh", "user/repo/%zz"],
    ["gl", "plain/main"],
    ["git", "file%3A%2F%2F%2Fetc%2Fpasswd/main"],
    ["git", "https://example.org/r/main"],
    ["zenodo", "not-a-doi"],
    ["ckan", "https%3A%2F%2Fdemo.ckan.org%2Fgroup%2Fx"],
    ["hydroshare", "short"],
  ] as const)("refuses %s %j", (provider, spec) => {
    const result = checkSpec(provider, spec);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.message).toMatch(
        new RegExp(`^Invalid ${provider} repository spec: .*expected something like`),
      );
  });

  it("refuses an overlong spec", () => {
    expect(checkSpec("gh", `u/r/${"a".repeat(2000)}`).ok).toBe(false);
  });
});
