import { describe, expect, it } from "vitest";
import { loadUnlistedCheck, unlistedValueMatches } from "./unlisted-check.ts";

describe("unlistedValueMatches", () => {
  it("blocks nothing until the translator has loaded, then answers as re.match", async () => {
    expect(unlistedValueMatches("^quay\\.io/", "docker.io/x")).toBeNull();
    await loadUnlistedCheck();
    expect(unlistedValueMatches("^quay\\.io/", "docker.io/x")).toBe(false);
    expect(unlistedValueMatches("^quay\\.io/", "quay.io/x")).toBe(true);
  });

  it("blocks nothing where only Python can tell", async () => {
    await loadUnlistedCheck();
    // A backreference has no exact translation; a pattern the checker refuses decides nothing.
    expect(unlistedValueMatches("(quay)\\.io/\\1", "docker.io/x")).toBeNull();
    expect(unlistedValueMatches("quay(", "docker.io/x")).toBeNull();
  });
});
