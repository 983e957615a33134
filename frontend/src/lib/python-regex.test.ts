import { describe, expect, it } from "vitest";
import { compilePythonRegex, pythonReMatch, translatePythonRegex } from "./python-regex.ts";

describe("pythonReMatch (re.match semantics)", () => {
  it("anchors at the start only, like re.match", () => {
    expect(pythonReMatch("pangeo", "pangeoXYZ")).toBe(true);
    expect(pythonReMatch("pangeo", "xpangeo")).toBe(false);
  });

  it("is not fooled by a RegExp reused across calls (sticky lastIndex)", () => {
    expect(pythonReMatch("a", "a")).toBe(true);
    expect(pythonReMatch("a", "a")).toBe(true);
  });

  it("translates named groups and backreferences", () => {
    expect(translatePythonRegex("(?P<reg>quay)/(?P=reg)").source).toBe("(?<reg>quay)/\\k<reg>");
    expect(pythonReMatch("(?P<reg>quay|ghcr)\\.io/(?P=reg)", "ghcr.io/ghcr")).toBe(true);
    expect(pythonReMatch("(?P<reg>quay|ghcr)\\.io/(?P=reg)", "ghcr.io/quay")).toBe(false);
  });

  it("translates \\A and \\Z, and \\Z refuses a trailing newline", () => {
    expect(pythonReMatch("\\Apangeo/.*\\Z", "pangeo/x")).toBe(true);
    expect(pythonReMatch("\\Apangeo/.*\\Z", "pangeo/x\n")).toBe(false);
    expect(pythonReMatch("pangeo\\Z", "pangeo-more")).toBe(false);
  });

  it("leaves escaped backslashes alone", () => {
    expect(translatePythonRegex("a\\\\A").source).toBe("a\\\\A");
    expect(pythonReMatch("a\\\\A", "a\\A")).toBe(true);
  });

  it("honours leading inline flags", () => {
    expect(pythonReMatch("(?i)quay\\.io/", "QUAY.io/x")).toBe(true);
  });

  it("falls back to non-Unicode mode for escapes only legacy mode accepts", () => {
    const regex = compilePythonRegex("a\\-b");
    expect(regex?.flags).toBe("y");
    expect(pythonReMatch("a\\-b", "a-b")).toBe(true);
  });

  it("returns null (do not block) for a pattern JS cannot compile", () => {
    // Possessive quantifiers exist in Python 3.11+, not in JS.
    expect(compilePythonRegex("a++")).toBeNull();
    expect(pythonReMatch("(?<!a+)b(", "b")).toBeNull();
  });
});
