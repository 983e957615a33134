import { describe, expect, it } from "vitest";
import {
  hubHasDisplayNames,
  isValidServerName,
  projectServerName,
  serverDisplayName,
} from "./named-servers.ts";
import { projectId } from "./projects.ts";

describe("projectServerName", () => {
  it("is a valid JupyterHub 6 safe slug for hostile, long and numeric ids", () => {
    const ids = [
      "a",
      "0",
      "9-lives",
      "x".repeat(80),
      "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-u-v-w-x-y-z-0-1-2-3",
      "github-jupyterhub-binder-examples-requirements-1a2b3c4d",
      "--weird--",
      "ÜNICODE/日本語 repo",
      "",
    ];
    for (const id of ids) {
      const name = projectServerName(id);
      expect(isValidServerName(name), `${id} → ${name}`).toBe(true);
      expect(name).toBe(projectServerName(id));
    }
  });

  it("names real project ids", () => {
    const id = projectId("gh", "https://github.com/binder-examples/requirements");
    expect(isValidServerName(projectServerName(id))).toBe(true);
  });

  it("keeps two projects apart whose ids share the readable part", () => {
    const a = "github-owner-a-very-long-repository-name-that-is-cut-11111111";
    const b = "github-owner-a-very-long-repository-name-that-is-cut-22222222";
    expect(projectServerName(a)).not.toBe(projectServerName(b));
  });

  it("is stable: the derivation names servers in hubs' databases", () => {
    expect(projectServerName("github-octave-03025a1b")).toMatchInlineSnapshot(
      `"p-github-octave-03025-ae58dcbd"`,
    );
  });

  it("accepts no name JupyterHub 6 refuses", () => {
    for (const bad of ["", "1abc", "-a", "a-", "a--b", "A", "a_b", "a".repeat(31), "é"])
      expect(isValidServerName(bad), bad).toBe(false);
    expect(isValidServerName("a".repeat(30))).toBe(true);
  });
});

describe("serverDisplayName", () => {
  it("makes a JupyterHub 6 display name of any repository", () => {
    expect(serverDisplayName("https://github.com/owner/repo", "p-x")).toBe(
      "https://github.com/owner/repo",
    );
    expect(serverDisplayName("  a\t\n b  ", "p-x")).toBe("a b");
    expect(serverDisplayName("\u0000\u200b", "p-x")).toBe("p-x");
    const long = serverDisplayName("🙂".repeat(300), "p-x");
    expect(Array.from(long)).toHaveLength(255);
    expect(serverDisplayName("e\u0301", "p-x")).toBe("é");
  });
});

describe("hubHasDisplayNames", () => {
  it("is true from JupyterHub 6 on only", () => {
    expect(hubHasDisplayNames("6.1.1")).toBe(true);
    expect(hubHasDisplayNames("10.0.0")).toBe(true);
    expect(hubHasDisplayNames("5.5.4")).toBe(false);
    expect(hubHasDisplayNames("")).toBe(false);
  });
});
