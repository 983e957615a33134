import { describe, expect, it } from "vitest";

import { PROVIDERS } from "../../contract/build.ts";
import {
  binderhubNames,
  escapismEscape,
  ProviderError,
  pyUnquote,
  resolveOffline,
  UnresolvedRefError,
  type Resolution,
} from "./binderhub-naming.ts";
import { VECTORS, type NamingVector } from "./binderhub-naming/vectors.ts";

function resolution(vector: NamingVector): Resolution {
  const { resolved_ref, record_id, identifier } = vector.resolved;
  return {
    ...(resolved_ref === undefined ? {} : { resolvedRef: resolved_ref }),
    ...(record_id === undefined ? {} : { recordId: record_id }),
    ...(identifier === undefined ? {} : { identifier }),
  };
}

describe("the BinderHub double's naming against BinderHub's own (vectors.json)", () => {
  it("covers every provider", () => {
    expect(new Set(VECTORS.map((v) => v.provider))).toEqual(new Set(PROVIDERS));
  });

  it.each(VECTORS.map((v) => [`${v.provider} ${JSON.stringify(v.spec)}`, v] as const))(
    "%s",
    (_name, vector) => {
      for (const [prefix, image] of Object.entries(vector.image_names)) {
        expect(binderhubNames(vector.provider, vector.spec, resolution(vector), prefix)).toEqual({
          repoUrl: vector.repo_url,
          buildSlug: vector.build_slug,
          ref: vector.ref,
          imageName: image,
          buildPodName: vector.build_pod_name,
        });
      }
    },
  );
});

describe("the double's stand-ins for BinderHub's network look-ups", () => {
  it("keeps a ref that is already a commit, and resolves others per repository and ref", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(resolveOffline("gh", `o/r/${sha}`)).toEqual({ resolvedRef: sha });
    const main = resolveOffline("gh", "o/r/main").resolvedRef;
    expect(main).toMatch(/^[0-9a-f]{40}$/);
    expect(resolveOffline("gh", "o/r/dev").resolvedRef).not.toBe(main);
    expect(resolveOffline("gh", "o/r.git/main").resolvedRef).toBe(main);
  });

  it("resolves binder-examples/octave at HEAD to the recorded build's commit", () => {
    const names = binderhubNames(
      "gh",
      "binder-examples/octave/HEAD",
      resolveOffline("gh", "binder-examples/octave/HEAD"),
    );
    expect(names.imageName).toBe(
      "binder-2dexamples-2doctave-03025a:1479e0252b2e648bb755ee913292b79495931717",
    );
  });

  it("resolves each DOI provider to the attributes its get_resolved_ref sets", () => {
    expect(resolveOffline("zenodo", "10.5281/zenodo.3242074")).toEqual({ recordId: "3242074" });
    expect(resolveOffline("figshare", "10.6084/m9.figshare.9782777.v2")).toEqual({
      recordId: "9782777.v2",
    });
    expect(resolveOffline("figshare", "10.6084/m9.figshare.9782777")).toEqual({
      recordId: "9782777.v1",
    });
    expect(resolveOffline("dataverse", "10.7910/DVN/TJCLKP")).toMatchObject({
      identifier: "DVN/TJCLKP",
    });
    for (const v of VECTORS) {
      const names = binderhubNames(v.provider, v.spec, resolveOffline(v.provider, v.spec));
      expect(names.repoUrl).toBe(v.repo_url);
    }
  });

  it("fails where upstream's provider raises or cannot resolve", () => {
    expect(() => resolveOffline("git", "ftp%3A%2F%2Fexample.org%2Fr/HEAD")).toThrow(ProviderError);
    expect(() => resolveOffline("gh", "only/two")).toThrow(ProviderError);
    expect(() => resolveOffline("hydroshare", "not-a-resource")).toThrow(ProviderError);
    expect(() => resolveOffline("ckan", "https%3A%2F%2Fexample.org%2Fgroup%2Fx")).toThrow(
      UnresolvedRefError,
    );
  });
});

describe("Python's building blocks", () => {
  it("escapism.escape does not zero-pad bytes below 0x10", () => {
    expect(escapismEscape("a\tb", "-")).toBe("a-9b");
    expect(escapismEscape("ü-", "-")).toBe("-C3-BC-2D");
  });

  it("urllib.parse.unquote leaves broken escapes alone and never throws", () => {
    expect(pyUnquote("a%2Fb")).toBe("a/b");
    expect(pyUnquote("100%")).toBe("100%");
    expect(pyUnquote("%zz%41")).toBe("%zzA");
    expect(pyUnquote("%C3%BC")).toBe("ü");
    expect(pyUnquote("%C3")).toBe("\uFFFD");
  });
});
