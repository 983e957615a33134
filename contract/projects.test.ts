import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { PROVIDERS, type Provider } from "./build.ts";
import {
  LaunchProjectRequestSchema,
  PROJECT_ID_PATTERN,
  canonicalProjectKey,
  isProjectId,
  projectRepository,
  projectId,
} from "./projects.ts";
import { sha256Hex } from "./sha256.ts";

/**
 * GOLDEN: these ids name folders on users' volumes. If a change to the code makes one of these
 * fail, the change is wrong — existing users would lose their project folders.
 */
const GOLDEN: ReadonlyArray<[Provider, string, string]> = [
  ["gh", "jupyterhub/binderhub", "jupyterhub-binderhub-12d677b1"],
  ["gh", "https://github.com/JupyterHub/BinderHub.git", "jupyterhub-binderhub-12d677b1"],
  ["gh", "http://www.github.com/jupyterhub/binderhub/", "jupyterhub-binderhub-12d677b1"],
  ["gh", "github.com/jupyterhub/binderhub/tree/main/docs", "jupyterhub-binderhub-12d677b1"],
  ["gh", "git@github.com:JupyterHub/BinderHub.git", "jupyterhub-binderhub-12d677b1"],
  ["gl", "gitlab-org/gitlab-foss", "gitlab-org-gitlab-foss-8532d44c"],
  ["gl", "https://gitlab.com/Group/Sub/Project.git", "sub-project-a9e9414e"],
  ["gl", "group%2Fsub%2Fproject", "sub-project-a9e9414e"],
  ["gl", "git@gitlab.com:group/sub/project.git", "sub-project-a9e9414e"],
  ["gl", "https://gitlab.example.org/a/b/-/tree/main", "a-b-9ba29f1b"],
  ["gist", "https://gist.github.com/Carreau/a1b2c3/abcdef", "carreau-a1b2c3-3cb52aed"],
  ["gist", "carreau/a1b2c3", "carreau-a1b2c3-3cb52aed"],
  ["git", "https://Example.org/Repos/Thing.git/", "repos-thing-3c5e8824"],
  ["git", "http://example.org/Repos/Thing", "repos-thing-3c5e8824"],
  ["git", "git@Example.org:Repos/Thing.git", "repos-thing-3c5e8824"],
  ["git", "ssh://git@example.org:22/Repos/Thing", "repos-thing-3c5e8824"],
  ["git", "https://other.org/Repos/Thing", "repos-thing-229de100"],
  ["zenodo", "10.5281/zenodo.3242074", "10-5281-zenodo-3242074-882341bf"],
  ["zenodo", "https://doi.org/10.5281/zenodo.3242074", "10-5281-zenodo-3242074-882341bf"],
  ["zenodo", "https://zenodo.org/records/3242074", "10-5281-zenodo-3242074-882341bf"],
  ["zenodo", "doi:10.5281/ZENODO.3242074", "10-5281-zenodo-3242074-882341bf"],
  ["figshare", "10.6084/m9.figshare.9782777.v1", "10-6084-m9-figshare-9782777-v1-29c7102f"],
  [
    "dataverse",
    "https://dataverse.harvard.edu/dataset.xhtml?persistentId=doi:10.7910/DVN/TJCLKP",
    "dvn-tjclkp-37a57fcd",
  ],
  ["dataverse", "10.7910/DVN/TJCLKP", "dvn-tjclkp-37a57fcd"],
  [
    "hydroshare",
    "https://www.hydroshare.org/resource/b8f6eae9d89241cf8b5904033460af61/",
    "resource-b8f6eae9d89241cf8b5904033460af61-3e132e5f",
  ],
  [
    "hydroshare",
    "B8F6EAE9D89241CF8B5904033460AF61",
    "resource-b8f6eae9d89241cf8b5904033460af61-3e132e5f",
  ],
  [
    "ckan",
    "https://demo.ckan.org/dataset/sample-dataset-1/history/abc?activity_id=1",
    "dataset-sample-dataset-1-e3c98c0e",
  ],
  ["ckan", "http://demo.ckan.org/dataset/sample-dataset-1/", "dataset-sample-dataset-1-e3c98c0e"],
];

describe("projectId golden table", () => {
  it.each(GOLDEN)("%s %s → %s", (provider, repository, id) => {
    expect(projectId(provider, repository)).toBe(id);
  });

  it("covers every provider", () => {
    expect(new Set(GOLDEN.map(([provider]) => provider))).toEqual(new Set(PROVIDERS));
  });
});

describe("projectRepository", () => {
  const cases: ReadonlyArray<[Provider, string, string]> = [
    // gh: case-insensitive path, .git, trailing slash, http, www, ref segments
    ["gh", "  Owner/Repo  ", "https://github.com/owner/repo"],
    ["gh", "https://github.com/owner/repo.git", "https://github.com/owner/repo"],
    ["gh", "https://github.com/owner/repo/blob/main/README.md", "https://github.com/owner/repo"],
    ["gh", "https://github.com/owner/repo?tab=readme#x", "https://github.com/owner/repo"],
    // gl: escaped namespaces, subgroups, any host, `/-/` suffix
    ["gl", "https://gitlab.com/group/project/-/blob/main/x", "https://gitlab.com/group/project"],
    ["gl", "GitLab.com/Group/Project", "https://gitlab.com/group/project"],
    ["gl", "https://GITLAB.example.org:8443/g/p.git", "https://gitlab.example.org:8443/g/p"],
    // gist
    ["gist", "gist.github.com/user/0123abcd", "https://gist.github.com/user/0123abcd"],
    // git: path case kept, host lower, scheme/user not in the key
    ["git", "https://HOST.org:443/A/B.git", "https://host.org/A/B"],
    ["git", "https://host.org:8443/A/B/", "https://host.org:8443/A/B"],
    ["git", "git://Host.org/A/B.git", "git://host.org/A/B"],
    ["git", "ssh://git@host.org:2222/A/B", "ssh://git@host.org:2222/A/B"],
    // DOIs
    [
      "figshare",
      "https://dx.doi.org/10.6084/M9.FIGSHARE.9782777.V1",
      "10.6084/m9.figshare.9782777.v1",
    ],
    ["zenodo", "https://zenodo.org/record/3242074", "10.5281/zenodo.3242074"],
    ["zenodo", "https://zenodo.org/doi/10.5281/zenodo.3242074", "10.5281/zenodo.3242074"],
    ["dataverse", "doi:10.7910/DVN/TJCLKP", "10.7910/dvn/tjclkp"],
    // hydroshare
    [
      "hydroshare",
      "http://hydroshare.org/resource/B8F6EAE9D89241CF8B5904033460AF61",
      "https://www.hydroshare.org/resource/b8f6eae9d89241cf8b5904033460af61",
    ],
    // ckan: path prefix kept, history/resource/query dropped
    [
      "ckan",
      "https://Data.Example.org/Portal/dataset/My-Data/resource/1?x=y",
      "https://data.example.org/Portal/dataset/My-Data",
    ],
  ];
  it.each(cases)("%s %j → %s", (provider, input, repository) => {
    const result = projectRepository(provider, input);
    expect(result).toMatchObject({ ok: true, repository });
  });

  it("keys git by host, provider and path: different hosts or providers never share an id", () => {
    expect(projectId("git", "https://a.org/x/y")).not.toBe(projectId("git", "https://b.org/x/y"));
    expect(projectId("git", "https://github.com/x/y")).not.toBe(projectId("gh", "x/y"));
    expect(projectId("gl", "https://gitlab.example.org/x/y")).not.toBe(projectId("gl", "x/y"));
    // generic git keeps path case; the hosted providers fold it
    expect(projectId("git", "https://a.org/X/y")).not.toBe(projectId("git", "https://a.org/x/y"));
    expect(projectId("gh", "X/y")).toBe(projectId("gh", "x/y"));
  });

  it("never puts a ref into the key", () => {
    const base = projectId("gh", "owner/repo");
    for (const ref of ["main", "v1.0", "feature/x", "0123456789abcdef"]) {
      expect(projectId("gh", `https://github.com/owner/repo/tree/${ref}`)).toBe(base);
    }
    expect(projectId("gist", "user/abc/0123456789")).toBe(projectId("gist", "user/abc"));
  });

  const refused: ReadonlyArray<[Provider, string]> = [
    ["gh", ""],
    ["gh", "owner"],
    ["gh", "owner/repo/extra"],
    ["gh", "https://gitlab.com/owner/repo"],
    ["gh", "https://user:token@github.com/owner/repo"],
    ["gh", "owner/.."],
    ["gh", "owner/re po"],
    ["gl", "single"],
    ["git", "example.org/x"],
    ["git", "file:///etc/passwd"],
    ["git", "https://example.org/"],
    ["git", "https://u:p@example.org/x"],
    ["git", "ssh://u:p@example.org/x"],
    ["zenodo", "zenodo.3242074"],
    ["zenodo", "https://example.org/records/1"],
    ["figshare", "https://figshare.com/articles/x/9782777"],
    ["hydroshare", "https://example.org/resource/b8f6eae9d89241cf8b5904033460af61"],
    ["hydroshare", "xyz"],
    ["ckan", "https://demo.ckan.org/group/x"],
    ["ckan", "demo.ckan.org/dataset/x"],
  ];
  it.each(refused)("refuses %s %j", (provider, input) => {
    expect(projectRepository(provider, input).ok).toBe(false);
    expect(() => projectId(provider, input)).toThrow();
  });
});

describe("project ids are always valid folder names", () => {
  it("match PROJECT_ID_PATTERN, stay ≤ 80 characters and are stable for any input", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROVIDERS),
        fc.string({ maxLength: 300 }),
        (provider, text) => {
          const candidates = [
            text,
            `https://example.org/${text}`,
            `${text}/${text}`,
            `10.1234/${text}`,
          ];
          for (const input of candidates) {
            const result = projectRepository(provider, input);
            if (!result.ok) continue;
            const id = projectId(provider, input);
            expect(id).toMatch(PROJECT_ID_PATTERN);
            expect(id.length).toBeLessThanOrEqual(80);
            // normalising the normalised repository is a fixed point
            expect(projectId(provider, result.repository)).toBe(id);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("the hash suffix is SHA-256 of the canonical key", () => {
    const result = projectRepository("git", "https://Example.org/Repos/Thing.git");
    if (!result.ok) throw new Error(result.message);
    expect(canonicalProjectKey(result)).toBe("git:example.org/Repos/Thing");
    const hash = createHash("sha256")
      .update("git:example.org/Repos/Thing")
      .digest("hex")
      .slice(0, 8);
    expect(projectId("git", "https://example.org/Repos/Thing")).toBe(`repos-thing-${hash}`);
  });

  it("the pattern refuses traversal and odd names", () => {
    for (const bad of [
      "",
      "..",
      "a/b",
      "A",
      "-a",
      "a-",
      "a_b",
      "a.b",
      "%2F",
      "a".repeat(81),
      "a\n",
    ]) {
      expect(isProjectId(bad)).toBe(false);
    }
    for (const good of ["a", "0", "a-b", "a".repeat(80)]) expect(isProjectId(good)).toBe(true);
  });

  it("is the same regex the hub glue uses", () => {
    const glue = readFileSync(new URL("../chart/files/launchpad_glue.py", import.meta.url), "utf8");
    const python = /PROJECT_ID_RE = re\.compile\(r"\\A(.*)\\Z"\)/.exec(glue)?.[1];
    expect(python).toBeDefined();
    expect(`^${python}$`).toBe(PROJECT_ID_PATTERN.source);
  });
});

describe("sha256Hex", () => {
  it("matches node:crypto for known vectors", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("matches node:crypto for random strings, including padding edges and non-ASCII", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "grapheme", maxLength: 80 })),
        (text) => {
          expect(sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
        },
      ),
      { numRuns: 1000 },
    );
    for (let length = 50; length < 140; length++) {
      const text = "x".repeat(length);
      expect(sha256Hex(text)).toBe(createHash("sha256").update(text).digest("hex"));
    }
  });
});

describe("a launch request takes only valid text", () => {
  // As the page sends it after a real build (BinderHub's image `{image_prefix}{slug}:{ref}`).
  const valid = {
    provider: "gh",
    repository: "https://github.com/org/repo",
    ref: "HEAD",
    resolved_commit: "0123456789abcdef0123456789abcdef01234567",
    image: "quay.io/hub/binder-org-2drepo-3a1b2c:0123456789abcdef0123456789abcdef01234567",
    profile_slug: "python",
    display_name: "org/repo",
  } as const;
  const problems = (patch: Record<string, unknown>) => {
    const result = LaunchProjectRequestSchema.safeParse({ ...valid, ...patch });
    return result.success ? [] : result.error.issues.map((i) => i.path.join("."));
  };

  it.each<[string, Record<string, unknown>]>([
    ["the page's own request", {}],
    ["a branch with a slash", { ref: "feature/x" }],
    [
      "a gist's latest revision",
      { provider: "gist", ref: "", repository: "u/0123456789abcdef0123" },
    ],
    ["a record without a ref", { provider: "zenodo", ref: "", repository: "10.5281/zenodo.1" }],
    ["a Docker Hub short name", { image: "python:3.12" }],
    [
      "a registry with a port and a digest",
      { image: `localhost:5000/a/b@sha256:${"a".repeat(64)}` },
    ],
    ["an abbreviated commit", { resolved_commit: "0123abc" }],
    ["no commit", { resolved_commit: undefined }],
    ["a name in any script, emoji joined", { display_name: "données/ρεπο 👩‍💻" }],
  ])("accepts %s", (_name, patch) => {
    expect(problems(patch)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a path as the ref", { ref: "../../etc" }, "ref"],
    ["a ref with a space", { ref: "main branch" }, "ref"],
    ["a reflog expression", { ref: "main@{1}" }, "ref"],
    ["a ref ending in .lock", { ref: "x.lock" }, "ref"],
    ["an empty ref where git builds one", { ref: "" }, "ref"],
    [
      "a ref for a record",
      { provider: "zenodo", ref: "v1", repository: "10.5281/zenodo.1" },
      "ref",
    ],
    ["a ref with spaces around it", { ref: " main " }, "ref"],
    ["a command in the image", { image: "busybox\n$(id)" }, "image"],
    ["an image with a space", { image: "busybox latest" }, "image"],
    ["an upper-case repository", { image: "quay.io/Org/img:1" }, "image"],
    ["an image id", { image: "a".repeat(64) }, "image"],
    ["an empty image", { image: "" }, "image"],
    ["an unknown digest algorithm", { image: "a@md5:0123456789abcdef0123456789abcdef" }, "image"],
    ["a lone high surrogate", { display_name: "repo\uD800" }, "display_name"],
    ["a lone low surrogate", { display_name: "\uDC00repo" }, "display_name"],
    ["a control character", { display_name: "repo\u001b[2J" }, "display_name"],
    ["a newline", { display_name: "org/\nrepo" }, "display_name"],
    ["a right-to-left override", { display_name: "repo\u202Egpj.exe" }, "display_name"],
    ["a zero-width space", { display_name: "re\u200Bpo" }, "display_name"],
    ["only spaces", { display_name: "   " }, "display_name"],
    ["a branch name as the commit", { resolved_commit: "main" }, "resolved_commit"],
  ])("refuses %s", (_name, patch, field) => {
    expect(problems(patch)).toEqual([field]);
  });

  it("says what is wrong without echoing the text", () => {
    const result = LaunchProjectRequestSchema.safeParse({ ...valid, image: "busybox\n$(id)" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      "not an image reference a node can pull: character 8 cannot be part of one",
    );
  });
});
