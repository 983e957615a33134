import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

import { buildPath, decodeBuildPath } from "./build-path.ts";
import { PROVIDERS, PROVIDER_REFS, type BuildSource, type Provider } from "./catalog.ts";
import { repositoryWebUrl, sourceFromLink } from "./links.ts";
import { refProblem, repositoryProblem } from "./repository.ts";
import { InvalidBuildSourceError, parseSpec, toSpec } from "./spec.ts";

const HS_ID = "8c7a8b6e1d2f4a3b9c0d1e2f3a4b5c6d";

describe("PROVIDER_REFS", () => {
  it("gives refs to git-based providers only", () => {
    expect(PROVIDERS.filter((p) => PROVIDER_REFS[p].hasRef)).toEqual(["gh", "gl", "git", "gist"]);
  });
});

describe("toSpec", () => {
  const cases: [Provider, string, string, string][] = [
    ["gh", "binder-examples/requirements", "HEAD", "binder-examples/requirements/HEAD"],
    ["gh", "binder-examples/requirements", "", "binder-examples/requirements/HEAD"],
    ["gh", "  binder-examples/requirements.git ", " main ", "binder-examples/requirements/main"],
    [
      "gh",
      "https://github.com/binder-examples/requirements",
      "feature/x",
      "binder-examples/requirements/feature/x",
    ],
    ["gh", "git@github.com:org/repo.git", "v1.0", "org/repo/v1.0"],
    ["gl", "group/project/repo", "main", "group%2Fproject%2Frepo/main"],
    ["gl", "https://gitlab.com/group/sub/project/-/tree/dev", "", "group%2Fsub%2Fproject/HEAD"],
    [
      "git",
      "https://github.com/binder-examples/conda",
      "main",
      "https%3A%2F%2Fgithub.com%2Fbinder-examples%2Fconda/main",
    ],
    ["git", "git@example.org:group/repo.git", "", "git%40example.org%3Agroup%2Frepo.git/HEAD"],
    ["gist", "user/0123456789abcdef0123", "HEAD", "user/0123456789abcdef0123/HEAD"],
    ["gist", "user/0123456789abcdef0123", "", "user/0123456789abcdef0123"],
    ["gist", "https://gist.github.com/user/0123456789abcdef0123", "", "user/0123456789abcdef0123"],
    ["zenodo", "10.5281/zenodo.3242074", "", "10.5281/zenodo.3242074"],
    ["zenodo", "https://doi.org/10.5281/zenodo.3242074", "ignored", "10.5281/zenodo.3242074"],
    ["zenodo", "doi:10.5281/zenodo.3242074", "", "10.5281/zenodo.3242074"],
    ["figshare", "10.6084/m9.figshare.9782777.v1", "", "10.6084/m9.figshare.9782777.v1"],
    ["dataverse", "https://dx.doi.org/10.7910/DVN/TJCLKP", "", "10.7910/DVN/TJCLKP"],
    ["hydroshare", HS_ID, "", HS_ID],
    ["hydroshare", HS_ID.toUpperCase(), "", HS_ID],
    ["hydroshare", `https://www.hydroshare.org/resource/${HS_ID}/`, "", HS_ID],
    [
      "ckan",
      "https://demo.ckan.org/dataset/sample-dataset-1",
      "",
      "https%3A%2F%2Fdemo.ckan.org%2Fdataset%2Fsample-dataset-1",
    ],
  ];
  it.each(cases)("%s %j @ %j → %s", (provider, repo, ref, spec) => {
    expect(toSpec(provider, repo, ref)).toBe(spec);
  });

  it("throws, naming the field and the problem, for a value that cannot be built", () => {
    const thrown = (repo: string, ref: string) => {
      try {
        toSpec("gh", repo, ref);
      } catch (error) {
        return error instanceof InvalidBuildSourceError ? [error.field, error.problem] : error;
      }
      return undefined;
    };
    expect(thrown("not a repo", "HEAD")).toEqual(["repository", "invalid"]);
    expect(thrown(" ", "HEAD")).toEqual(["repository", "missing"]);
    expect(thrown("o/r", "a..b")).toEqual(["ref", "invalid"]);
  });
});

describe("repositoryProblem", () => {
  const invalid: [Provider, string][] = [
    ["gh", ""],
    ["gh", "justowner"],
    ["gh", "owner/repo/extra"],
    ["gh", "own er/repo"],
    ["gh", "-owner/repo"],
    ["gh", "owner/.."],
    ["gh", "https://gitlab.com/owner/repo"],
    ["gl", "project"],
    ["gl", "group/../project"],
    ["gl", "group/pro ject"],
    ["git", "github.com/org/repo"],
    ["git", "ftp://example.org/repo.git"],
    ["git", "file:///etc/passwd"],
    ["git", "https://user:secret@example.org/repo.git"],
    ["git", "https://example.org/a/../b.git"],
    ["git", "https://example.org"],
    ["git", "https://example.org/repo\n.git"],
    ["git", "https://example.org/re po.git"],
    ["git", 'https://example.org/"repo'],
    ["gist", "user"],
    ["gist", "user/not-hex!"],
    ["zenodo", "zenodo.3242074"],
    ["zenodo", "10.5281/zenodo 3242074"],
    ["dataverse", "10.7910//DVN"],
    ["figshare", "10.6084/../x"],
    ["hydroshare", "abc"],
    ["ckan", "https://demo.ckan.org/group/x"],
    ["ckan", "ftp://demo.ckan.org/dataset/x"],
    ["ckan", "https://demo.ckan.org/dataset/x/../../etc"],
  ];
  it.each(invalid)("%s rejects %j", (provider, value) => {
    expect(repositoryProblem(provider, value)).toBe(value === "" ? "missing" : "invalid");
  });

  const valid: [Provider, string][] = [
    ["gh", "binder-examples/requirements"],
    ["gh", "o/r.e_p-o"],
    ["gl", "a/b/c/d"],
    ["git", "https://example.org/x/y.git"],
    ["git", "ssh://git@example.org/x/y.git"],
    ["git", "git://example.org/x"],
    ["git", "http://example.org:8080/x"],
    ["gist", "user/12345"],
    ["ckan", "https://data.example.org/dataset/name?activity_id=abc"],
  ];
  it.each(valid)("%s accepts %j", (provider, value) => {
    expect(repositoryProblem(provider, value)).toBeNull();
  });
});

const REFS_ACCEPTED = [
  "HEAD",
  "main",
  "feature/x",
  "v1.2.3",
  "1479e0252b2e648bb755ee913292b79495931717",
  "a+b@c=d,e",
  "a./b",
  "a.locked",
  "",
];
const REFS_REFUSED = [
  "a b",
  "a..b",
  "/main",
  "main/",
  "a//b",
  "x.lock",
  "a.lock/b",
  "@",
  ".hidden",
  "a/.b",
  "a@{1}",
  "a~1",
  "a^",
  "a:b",
  "a%2F",
  "a#b",
  "-x",
  "ü",
  "../../etc",
  "main.",
  "a*b",
  "a?b",
  "a[b",
  "a\\b",
  "a\tb",
  "a\nb",
  "a\u007fb",
];

describe("refProblem", () => {
  it.each(REFS_ACCEPTED)("accepts %j", (ref) => {
    expect(refProblem("gh", ref)).toBeNull();
  });
  it.each(REFS_REFUSED)("rejects %j", (ref) => {
    expect(refProblem("gh", ref)).toBe("invalid");
  });
  it("ignores refs where the provider has none", () => {
    expect(refProblem("zenodo", "a b")).toBeNull();
  });

  // The real rule: git's own check (refs.c check_refname_format), as a branch or tag full name.
  it("accepts only what git check-ref-format accepts", () => {
    const gitAccepts = (ref: string) =>
      spawnSync("git", ["check-ref-format", `refs/heads/${ref}`]).status === 0;
    const disagreements = [...REFS_ACCEPTED, ...REFS_REFUSED].filter(
      (ref) => ref !== "" && refProblem("gh", ref) === null && !gitAccepts(ref),
    );
    expect(disagreements).toEqual([]);
    // The table holds refs git itself refuses, so the check above can fail.
    expect(REFS_REFUSED.filter((ref) => !gitAccepts(ref)).length).toBeGreaterThan(15);
  });
});

describe("parseSpec", () => {
  const roundTrips: [Provider, string, BuildSource][] = [
    ["gh", "org/repo/HEAD", { provider: "gh", repo: "org/repo", ref: "HEAD" }],
    ["gh", "org/repo/feature/x", { provider: "gh", repo: "org/repo", ref: "feature/x" }],
    ["gl", "group%2Fproject/main", { provider: "gl", repo: "group/project", ref: "main" }],
    [
      "git",
      "https%3A%2F%2Fexample.org%2Frepo.git/v1",
      { provider: "git", repo: "https://example.org/repo.git", ref: "v1" },
    ],
    ["gist", "user/12345", { provider: "gist", repo: "user/12345", ref: "" }],
    ["gist", "user/12345/abc", { provider: "gist", repo: "user/12345", ref: "abc" }],
    [
      "zenodo",
      "10.5281/zenodo.3242074",
      { provider: "zenodo", repo: "10.5281/zenodo.3242074", ref: "" },
    ],
    [
      "dataverse",
      "10.7910/DVN/TJCLKP",
      { provider: "dataverse", repo: "10.7910/DVN/TJCLKP", ref: "" },
    ],
    ["hydroshare", HS_ID, { provider: "hydroshare", repo: HS_ID, ref: "" }],
    [
      "ckan",
      "https%3A%2F%2Fdemo.ckan.org%2Fdataset%2Fx",
      { provider: "ckan", repo: "https://demo.ckan.org/dataset/x", ref: "" },
    ],
  ];
  it.each(roundTrips)("%s %s", (provider, spec, source) => {
    expect(parseSpec(provider, spec)).toEqual(source);
    expect(toSpec(provider, source.repo, source.ref)).toBe(spec);
  });

  const refused: [Provider, string][] = [
    ["gh", ""],
    ["gh", "org/repo"],
    ["gh", "org/repo/"],
    ["gh", "org//repo/HEAD"],
    ["gh", "../repo/HEAD"],
    ["gh", "org/repo/../../x"],
    ["gh", "org/repo/a\u0000b"],
    ["gh", "org/repo/a\nb"],
    ["gh", "org/repo.git/HEAD"],
    ["gh", "org/repo/a%2Fb"],
    ["gl", "group/project/main"],
    ["gl", "group%2fproject/main"],
    ["gl", "group%2Fproject/"],
    ["gl", "%ZZ/main"],
    ["git", "https%3A%2F%2Fexample.org%2F..%2Fx/HEAD"],
    ["git", "https://example.org/x/HEAD"],
    ["git", "file%3A%2F%2F%2Fetc%2Fpasswd/HEAD"],
    ["gist", "user/12345/"],
    ["gist", "user"],
    ["zenodo", "https://doi.org/10.5281/zenodo.1"],
    ["zenodo", "10.5281/zenodo.1/"],
    ["hydroshare", HS_ID.toUpperCase()],
    ["hydroshare", `https%3A%2F%2Fwww.hydroshare.org%2Fresource%2F${HS_ID}`],
    ["ckan", "https://demo.ckan.org/dataset/x"],
  ];
  it.each(refused)("%s refuses %j", (provider, spec) => {
    expect(parseSpec(provider, spec)).toBeNull();
  });
});

describe("buildPath / decodeBuildPath", () => {
  const cases: [Provider, string, string][] = [
    ["gh", "org/repo/feature/x", "gh/org/repo/feature/x"],
    ["gl", "group%2Fproject/main", "gl/group%252Fproject/main"],
    [
      "git",
      "https%3A%2F%2Fexample.org%2Fr.git/HEAD",
      "git/https%253A%252F%252Fexample.org%252Fr.git/HEAD",
    ],
    [
      "ckan",
      "https%3A%2F%2Fd.org%2Fdataset%2Fx",
      "ckan/https%253A%252F%252Fd.org%252Fdataset%252Fx",
    ],
    ["dataverse", "10.7910/DVN/TJCLKP", "dataverse/10.7910/DVN/TJCLKP"],
  ];
  it.each(cases)("%s %s ⇄ %s", (provider, spec, path) => {
    expect(buildPath(provider, spec)).toBe(path);
    expect(decodeBuildPath(path)).toMatchObject({ provider, spec });
  });

  it.each([
    "gh/org/repo",
    "nope/org/repo/HEAD",
    "gl/group%2Fproject/main",
    "gh/org/repo/%2e%2e",
    "gh/org%2Frepo/HEAD",
    "gh/org/repo/HEAD%00",
    "gh/org/repo/%E0%A4%A",
  ])("refuses %j", (path) => {
    expect(decodeBuildPath(path)).toBeNull();
  });
});

describe("sourceFromLink", () => {
  const cases: [string, BuildSource | null][] = [
    ["https://github.com/org/repo", { provider: "gh", repo: "org/repo", ref: "HEAD" }],
    ["https://github.com/org/repo/", { provider: "gh", repo: "org/repo", ref: "HEAD" }],
    ["https://github.com/org/repo.git", { provider: "gh", repo: "org/repo", ref: "HEAD" }],
    ["  github.com/org/repo  ", { provider: "gh", repo: "org/repo", ref: "HEAD" }],
    [
      "https://www.github.com/org/repo?tab=readme",
      { provider: "gh", repo: "org/repo", ref: "HEAD" },
    ],
    [
      "https://github.com/org/repo/tree/branch",
      { provider: "gh", repo: "org/repo", ref: "branch" },
    ],
    [
      "https://github.com/org/repo/tree/feature/x",
      { provider: "gh", repo: "org/repo", ref: "feature/x" },
    ],
    [
      "https://github.com/org/repo/blob/v2/README.md",
      { provider: "gh", repo: "org/repo", ref: "v2" },
    ],
    [
      "https://github.com/org/repo/commit/abc123",
      { provider: "gh", repo: "org/repo", ref: "abc123" },
    ],
    [
      "https://github.com/org/repo/releases/tag/v1.0",
      { provider: "gh", repo: "org/repo", ref: "v1.0" },
    ],
    ["git@github.com:org/repo.git", { provider: "gh", repo: "org/repo", ref: "HEAD" }],
    ["https://github.com/org", null],
    ["https://gitlab.com/group/project", { provider: "gl", repo: "group/project", ref: "HEAD" }],
    [
      "https://gitlab.com/group/sub/project.git",
      { provider: "gl", repo: "group/sub/project", ref: "HEAD" },
    ],
    [
      "https://gitlab.com/group/project/-/tree/dev",
      { provider: "gl", repo: "group/project", ref: "dev" },
    ],
    ["https://gitlab.com/g/p/-/blob/main/x.py", { provider: "gl", repo: "g/p", ref: "main" }],
    ["git@gitlab.com:g/p.git", { provider: "gl", repo: "g/p", ref: "HEAD" }],
    [
      "https://gist.github.com/user/0123456789abcdef0123",
      { provider: "gist", repo: "user/0123456789abcdef0123", ref: "HEAD" },
    ],
    [
      "https://gist.github.com/user/0123456789abcdef0123/abcdef",
      { provider: "gist", repo: "user/0123456789abcdef0123", ref: "abcdef" },
    ],
    [
      "https://zenodo.org/records/3242074",
      { provider: "zenodo", repo: "10.5281/zenodo.3242074", ref: "" },
    ],
    [
      "https://zenodo.org/record/3242074",
      { provider: "zenodo", repo: "10.5281/zenodo.3242074", ref: "" },
    ],
    [
      "https://sandbox.zenodo.org/records/12",
      { provider: "zenodo", repo: "10.5072/zenodo.12", ref: "" },
    ],
    [
      "https://doi.org/10.5281/zenodo.3242074",
      { provider: "zenodo", repo: "10.5281/zenodo.3242074", ref: "" },
    ],
    ["10.5281/zenodo.3242074", { provider: "zenodo", repo: "10.5281/zenodo.3242074", ref: "" }],
    [
      "https://doi.org/10.6084/m9.figshare.9782777.v1",
      { provider: "figshare", repo: "10.6084/m9.figshare.9782777.v1", ref: "" },
    ],
    [
      "https://figshare.com/articles/dataset/title/9782777/1",
      { provider: "figshare", repo: "10.6084/m9.figshare.9782777.v1", ref: "" },
    ],
    ["doi:10.7910/DVN/TJCLKP", { provider: "dataverse", repo: "10.7910/DVN/TJCLKP", ref: "" }],
    [
      "https://dataverse.harvard.edu/dataset.xhtml?persistentId=doi:10.7910/DVN/TJCLKP",
      { provider: "dataverse", repo: "10.7910/DVN/TJCLKP", ref: "" },
    ],
    [
      `https://www.hydroshare.org/resource/${HS_ID}/`,
      { provider: "hydroshare", repo: HS_ID, ref: "" },
    ],
    [
      "https://demo.ckan.org/dataset/sample-dataset-1",
      { provider: "ckan", repo: "https://demo.ckan.org/dataset/sample-dataset-1", ref: "" },
    ],
    [
      "https://codeberg.org/group/repo.git",
      { provider: "git", repo: "https://codeberg.org/group/repo.git", ref: "HEAD" },
    ],
    [
      "https://git.example.org/group/repo/",
      { provider: "git", repo: "https://git.example.org/group/repo", ref: "HEAD" },
    ],
    [
      "git@codeberg.org:group/repo.git",
      { provider: "git", repo: "git@codeberg.org:group/repo.git", ref: "HEAD" },
    ],
    ["org/repo", null],
    ["", null],
    ["https://doi.org/10.1000/unknown", null],
    ["mailto:someone@example.org", null],
    ["https://github.com/org/repo\n/tree/x", null],
  ];
  it.each(cases)("%j", (pasted, expected) => {
    expect(sourceFromLink(pasted)).toEqual(expected);
  });

  it("returns only sources that toSpec accepts", () => {
    for (const [pasted, expected] of cases) {
      if (expected)
        expect(() => toSpec(expected.provider, expected.repo, expected.ref), pasted).not.toThrow();
    }
  });
});

describe("repositoryWebUrl", () => {
  const cases: [Provider, string, string, string | null][] = [
    ["gh", "org/repo", "", "https://github.com/org/repo"],
    ["gh", "org/repo", "HEAD", "https://github.com/org/repo"],
    ["gh", "org/repo", "dev", "https://github.com/org/repo/tree/dev"],
    ["gl", "g/p", "dev", "https://gitlab.com/g/p/-/tree/dev"],
    ["gist", "user/12345", "", "https://gist.github.com/user/12345"],
    ["git", "https://example.org/x.git", "", "https://example.org/x.git"],
    ["git", "git@example.org:x.git", "", null],
    ["zenodo", "10.5281/zenodo.1", "", "https://doi.org/10.5281/zenodo.1"],
    ["hydroshare", HS_ID, "", `https://www.hydroshare.org/resource/${HS_ID}/`],
    ["ckan", "https://d.org/dataset/x", "", "https://d.org/dataset/x"],
    ["gh", "not valid", "", null],
  ];
  it.each(cases)("%s %s %s", (provider, repo, ref, url) => {
    expect(repositoryWebUrl(provider, repo, ref)).toBe(url);
  });
});
