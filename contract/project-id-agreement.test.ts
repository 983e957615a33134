/**
 * One project id, whoever derives it. The page derives it from what the user typed
 * (`projectId(provider, typed)`: starting, "is this an existing project?"); the companion's build
 * route from the build request (`decodeBuildPath` → the spec's repository, for the project limit);
 * the launch route again from what the page sends, and reopening from the table sends the stored,
 * normalised repository. All four must name the same folder, for every input the page lets a user
 * build — across providers, URL forms, DOIs and case.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { Provider } from "./build.ts";
import { projectId, projectRepository } from "./projects.ts";
import { buildPath, decodeBuildPath } from "./providers/build-path.ts";
import { toSpec } from "./providers/spec.ts";

/** The ids each side derives from `typed`, or null when the page would not build it. */
function idsOf(provider: Provider, typed: string, ref: string) {
  let spec: string;
  try {
    spec = toSpec(provider, typed, ref);
  } catch {
    return null; // the page refuses to build this; no id is ever needed
  }
  const page = projectId(provider, typed);
  const decoded = decodeBuildPath(buildPath(provider, spec));
  if (!decoded) throw new Error(`the companion cannot read the page's build path for ${typed}`);
  const companion = projectId(decoded.provider, decoded.source.repo);
  const normalised = projectRepository(provider, typed);
  if (!normalised.ok) throw new Error(normalised.message);
  const reopened = projectId(provider, normalised.repository);
  return { page, companion, reopened };
}

const flipCase = (text: string) =>
  fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((upper) => [...text].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(""));
const name = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,12}[a-z0-9])?$/);
const repoName = fc
  .stringMatching(/^[a-z0-9][a-z0-9._-]{0,14}$/)
  .filter((n) => !n.endsWith(".git"));
const ref = fc.constantFrom("", "main", "v1.2.0", "feature/x");
const space = fc.constantFrom("", " ", "\t");
const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));

/** Forms a person pastes for one repository; `same` is the identity every form must share. */
type Case = { provider: Provider; forms: string[]; same: boolean };

const cases: Record<Provider, fc.Arbitrary<Case>> = {
  gh: fc
    .tuple(name, repoName, flipCase("github"), fc.constantFrom("tree/main", "blob/main/README.md"))
    .chain(([owner, repo, host, rest]) =>
      fc.tuple(flipCase(owner), flipCase(repo)).map(([o, r]) => ({
        provider: "gh" as const,
        same: true,
        forms: [
          `${owner}/${repo}`,
          `${o}/${r}`,
          `https://${host}.com/${o}/${r}`,
          `http://www.github.com/${o}/${r}.git`,
          `github.com/${o}/${r}/`,
          `https://github.com/${o}/${r}/${rest}`,
          `git@github.com:${o}/${r}.git`,
        ],
      })),
    ),
  gl: fc.tuple(fc.array(name, { minLength: 2, maxLength: 4 }), fc.boolean()).chain(([path, git]) =>
    flipCase(path.join("/")).map((p) => ({
      provider: "gl" as const,
      same: true,
      forms: [
        path.join("/"),
        p,
        `https://gitlab.com/${p}${git ? ".git" : ""}`,
        `gitlab.com/${p}/`,
        `https://gitlab.com/${p}/-/tree/main`,
        `git@gitlab.com:${p}.git`,
      ],
    })),
  ),
  gist: fc.tuple(name, hex(20)).chain(([user, id]) =>
    flipCase(user).map((u) => ({
      provider: "gist" as const,
      same: true,
      forms: [
        `${user}/${id}`,
        `https://gist.github.com/${u}/${id}`,
        `https://gist.github.com/${u}/${id}/`,
        `git@gist.github.com:${u}/${id}.git`,
      ],
    })),
  ),
  git: fc
    .tuple(name, fc.array(repoName, { minLength: 1, maxLength: 3 }), fc.constantFrom("", ":8443"))
    .chain(([host, path, port]) =>
      flipCase(`${host}.org`).map((h) => ({
        provider: "git" as const,
        same: port === "",
        forms: [
          `https://${host}.org${port}/${path.join("/")}`,
          `https://${h}${port}/${path.join("/")}.git`,
          `http://${h}${port}/${path.join("/")}/`,
          `ssh://git@${h}/${path.join("/")}`,
          `git@${h}:${path.join("/")}.git`,
          `git://${h}/${path.join("/")}`,
        ],
      })),
    ),
  zenodo: fc.integer({ min: 1, max: 99_999_999 }).chain((record) =>
    flipCase("zenodo").map((z) => ({
      provider: "zenodo" as const,
      same: true,
      forms: [
        `10.5281/zenodo.${record}`,
        `doi:10.5281/${z}.${record}`,
        `DOI:10.5281/zenodo.${record}`,
        `https://doi.org/10.5281/${z}.${record}`,
        `https://dx.doi.org/10.5281/zenodo.${record}`,
        `https://zenodo.org/records/${record}`,
        `https://zenodo.org/record/${record}`,
      ],
    })),
  ),
  figshare: fc
    .tuple(fc.integer({ min: 1, max: 99_999_999 }), fc.integer({ min: 1, max: 9 }))
    .chain(([article, version]) =>
      flipCase("figshare").map((f) => ({
        provider: "figshare" as const,
        same: true,
        forms: [
          `10.6084/m9.figshare.${article}.v${version}`,
          `10.6084/M9.${f}.${article}.V${version}`,
          `https://doi.org/10.6084/m9.${f}.${article}.v${version}`,
          `doi:10.6084/m9.figshare.${article}.v${version}`,
        ],
      })),
    ),
  dataverse: fc.stringMatching(/^[A-Z0-9]{6}$/).chain((id) =>
    flipCase(`DVN/${id}`).map((d) => ({
      provider: "dataverse" as const,
      same: true,
      forms: [
        `10.7910/DVN/${id}`,
        `doi:10.7910/${d}`,
        `https://doi.org/10.7910/${d}`,
        `https://dataverse.harvard.edu/dataset.xhtml?persistentId=doi:10.7910/${d}`,
      ],
    })),
  ),
  hydroshare: hex(32).chain((id) =>
    flipCase(id).map((i) => ({
      provider: "hydroshare" as const,
      same: true,
      forms: [
        id,
        i,
        `https://www.hydroshare.org/resource/${i}/`,
        `https://hydroshare.org/resource/${id}`,
        `http://www.hydroshare.org/resource/${i}`,
      ],
    })),
  ),
  ckan: fc.tuple(name, name, hex(8)).chain(([host, dataset, resource]) =>
    flipCase(`${host}.org`).map((h) => ({
      provider: "ckan" as const,
      same: true,
      forms: [
        `https://${host}.org/dataset/${dataset}`,
        `https://${h}/dataset/${dataset}/`,
        `http://${h}/dataset/${dataset}`,
        `https://${h}/dataset/${dataset}/resource/${resource}`,
        `https://${h}/dataset/${dataset}?activity_id=${resource}`,
      ],
    })),
  ),
};

describe("the page and the companion derive the same project id", () => {
  it.each(Object.keys(cases) as Provider[])("%s", (provider) => {
    fc.assert(
      fc.property(cases[provider], ref, space, (example, theRef, pad) => {
        const ids = example.forms.map((form) => ({
          form,
          ids: idsOf(provider, pad + form + pad, theRef),
        }));
        for (const { form, ids: derived } of ids) {
          if (derived === null) continue;
          expect(derived.companion, `${provider} ${form}: build route`).toBe(derived.page);
          expect(derived.reopened, `${provider} ${form}: reopened from the record`).toBe(
            derived.page,
          );
        }
        const built = ids.flatMap(({ ids: derived }) => (derived ? [derived.page] : []));
        // Each example's first form is the plain one every provider builds.
        expect(ids[0]?.ids, `${provider} ${example.forms[0]}`).not.toBeNull();
        if (example.same) expect(new Set(built).size, JSON.stringify(ids)).toBe(1);
      }),
      { numRuns: 150 },
    );
  });
});
