import { describe, expect, it } from "vitest";

import { PROVIDERS } from "../../../contract/providers/catalog.ts";
import { PROVIDER_COPY, repositoryMessage } from "./provider-copy.ts";

describe("PROVIDER_COPY", () => {
  it.each(PROVIDERS)("words %s for people", (provider) => {
    const copy = PROVIDER_COPY[provider];
    expect(copy.displayName).not.toBe("");
    expect(copy.repoLabel).not.toBe("");
    expect(copy.placeholder).not.toBe("");
    expect(repositoryMessage(provider, "missing")).toBe(`Enter a ${copy.repoLabel}.`);
    expect(repositoryMessage(provider, "invalid")).toMatch(/^Enter .*\.$/);
  });
});
