import { describe, expect, it } from "vitest";

import { VECTORS } from "../../test-support/binderhub-naming/vectors.ts";
import {
  binderRepoUrl,
  buildPodName,
  buildPodNamePrefix,
  buildSlug,
  imageName,
} from "./binderhub-naming.ts";

/**
 * The companion's naming against what BinderHub's own functions answer
 * (server/test-support/binderhub-naming/vectors.json): the cancel policy finds build pods by it.
 */
describe("the companion's BinderHub naming against BinderHub's own", () => {
  it.each(VECTORS.map((v) => [`${v.provider} ${JSON.stringify(v.spec)}`, v] as const))(
    "%s",
    (_name, vector) => {
      expect(binderRepoUrl(vector.provider, vector.spec)).toBe(vector.repo_url);
      const record = {
        recordId: vector.resolved.record_id,
        identifier: vector.resolved.identifier,
      };
      // Undefined only where the slug needs a record BinderHub looks up.
      if (["zenodo", "figshare", "dataverse", "hydroshare"].includes(vector.provider))
        expect(buildSlug(vector.provider, vector.spec)).toBeUndefined();
      const slug = buildSlug(vector.provider, vector.spec, record);
      expect(slug).toBe(vector.build_slug);
      expect(vector.build_pod_name.startsWith(buildPodNamePrefix(vector.build_slug))).toBe(true);
      expect(buildPodName(vector.build_slug, vector.ref)).toBe(vector.build_pod_name);
      for (const [prefix, name] of Object.entries(vector.image_names))
        expect(imageName(prefix, vector.build_slug, vector.ref)).toBe(name);
    },
  );

  it("keeps pod names within 63 characters for long slugs", () => {
    const name = buildPodName("a".repeat(300), "0123456789abcdef");
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.startsWith(buildPodNamePrefix("a".repeat(300)))).toBe(true);
  });
});
