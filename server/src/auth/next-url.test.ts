import { describe, expect, it } from "vitest";
import { safeNextUrl } from "./next-url.ts";

describe("safeNextUrl", () => {
  it("keeps same-origin paths under the hub's base, normalised", () => {
    expect(safeNextUrl("/hub/spawn/alice?x=1#top", "/", "/hub/spawn")).toBe(
      "/hub/spawn/alice?x=1#top",
    );
    expect(safeNextUrl("/jh/hub/./spawn", "/jh/", "/jh/hub/spawn")).toBe("/jh/hub/spawn");
  });

  it.each([
    "",
    "hub/spawn",
    "//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "https://evil.example/",
    "/jh/../x",
  ])("falls back for %j", (next) => {
    expect(safeNextUrl(next, "/jh/", "/jh/hub/spawn")).toBe("/jh/hub/spawn");
  });

  it("falls back for a non-string next", () => {
    expect(safeNextUrl(["/hub/"], "/", "/hub/spawn")).toBe("/hub/spawn");
  });
});
