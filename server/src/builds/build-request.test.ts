import { describe, expect, it } from "vitest";

import { PROVIDERS } from "../../../contract/build.ts";
import { buildPath } from "../../../contract/providers/build-path.ts";
import { parseBuildPath } from "./build-request.ts";

describe("parseBuildPath", () => {
  it.each([
    ["gh", "binder-examples/requirements/HEAD", "https://github.com/binder-examples/requirements"],
    ["gh", "user/repo/feature/branch", "https://github.com/user/repo"],
    ["gl", "group%2Fsub%2Fproject/main", "https://gitlab.com/group/sub/project.git"],
    [
      "git",
      "https%3A%2F%2Fgithub.com%2Fbinder-examples%2Fconda/main",
      "https://github.com/binder-examples/conda",
    ],
    ["git", "git%40github.com%3Auser%2Frepo.git/main", "ssh://git@github.com/user/repo.git"],
    ["gist", "user/0123456789abcdef0123", "https://gist.github.com/user/0123456789abcdef0123.git"],
    ["zenodo", "10.5281/zenodo.3242074", "10.5281/zenodo.3242074"],
    ["dataverse", "10.7910/DVN/TJCLKP", "10.7910/DVN/TJCLKP"],
    [
      "hydroshare",
      "b8f6eae9d89241cf8b5904033460af61",
      "https://www.hydroshare.org/resource/b8f6eae9d89241cf8b5904033460af61",
    ],
    [
      "ckan",
      "https%3A%2F%2Fdemo.ckan.org%2Fdataset%2Fsample",
      "https://demo.ckan.org/dataset/sample",
    ],
  ] as const)("accepts %s %s, with BinderHub's repository URL", (provider, spec, repoUrl) => {
    expect(parseBuildPath(buildPath(provider, spec), PROVIDERS)).toMatchObject({
      ok: true,
      provider,
      spec,
      repoUrl,
    });
  });

  it.each([
    "gh/",
    "gh/user/repo",
    "gh/user/../../etc/HEAD",
    "gh/user/repo/a//b",
    "gh/user/repo/main%3Fx%3D1",
    "gh/user/repo/main%23x",
    "gh/user/repo/ma%20in",
    "gh/user/repo/%25zz",
    "gl/plain/main",
    "git/file%253A%252F%252F%252Fetc%252Fpasswd/main",
    "git/https://example.org/r/main",
    "zenodo/not-a-doi",
    "ckan/https%253A%252F%252Fdemo.ckan.org%252Fgroup%252Fx",
    "hydroshare/short",
    `gh/u/r/${"a".repeat(2000)}`,
  ])("refuses %j", (path) => {
    expect(parseBuildPath(path, PROVIDERS)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Invalid /),
    });
  });

  it("refuses a provider the admin did not allow, naming the allowed ones", () => {
    expect(parseBuildPath(buildPath("gl", "group%2Fproject/main"), ["gh", "git"])).toEqual({
      ok: false,
      message: 'Building from "gl" is not enabled on this hub (allowed: gh, git).',
    });
  });
});
