import { describe, expect, it } from "vitest";
import {
  MAX_LAUNCH_OPTIONS,
  launchQuery,
  launchUrl,
  parseLaunchQuery,
  type LaunchLink,
} from "./launch-link.ts";

describe("launch links", () => {
  it("reads every part of the format", () => {
    expect(
      parseLaunchQuery(
        "profile=gpu&option.image=pangeo&other.tag=my+tag%2F%C3%A9&provider=gl&repo=a%2Fb&ref=v1",
      ),
    ).toEqual({
      ok: true,
      link: {
        profile: "gpu",
        options: [
          { key: "image", value: "pangeo", other: false },
          { key: "tag", value: "my tag/é", other: true },
        ],
        repository: { provider: "gl", repo: "a/b", ref: "v1" },
      },
    });
  });

  it("takes GitHub when a repository names no provider, and an empty query as no preselection", () => {
    expect(parseLaunchQuery("repo=org%2Fr")).toEqual({
      ok: true,
      link: { options: [], repository: { provider: "gh", repo: "org/r" } },
    });
    expect(parseLaunchQuery("")).toEqual({ ok: true, link: { options: [] } });
  });

  it("keeps option keys that hold dots, and values that hold = and &", () => {
    const link: LaunchLink = {
      options: [{ key: "a.b", value: "x=1&y=2", other: true }],
    };
    expect(parseLaunchQuery(launchQuery(link))).toEqual({ ok: true, link });
  });

  it("reads back what it writes (canonical order: profile, options as given, repository)", () => {
    const link: LaunchLink = {
      profile: "p q",
      options: [
        { key: "z", value: "1", other: false },
        { key: "a", value: "Ünïcode 🚀", other: true },
      ],
      repository: { provider: "git", repo: "https://example.org/r.git", ref: "main" },
    };
    const query = launchQuery(link);
    expect(query).toBe(
      "profile=p+q&option.z=1&other.a=%C3%9Cn%C3%AFcode+%F0%9F%9A%80&provider=git&repo=https%3A%2F%2Fexample.org%2Fr.git&ref=main",
    );
    expect(parseLaunchQuery(query)).toEqual({ ok: true, link });
    expect(launchUrl("https://hub.example", "/services/launchpad/", link)).toBe(
      `https://hub.example/services/launchpad/launch?${query}`,
    );
    expect(launchUrl("https://hub.example", "/services/launchpad/", { options: [] })).toBe(
      "https://hub.example/services/launchpad/launch",
    );
  });

  it("lists every problem, quoting names escaped and cut short", () => {
    const result = parseLaunchQuery(`${"x".repeat(60)}=1&profile=a&profile=b&next=%2F%2Fevil`);
    expect(result).toEqual({
      ok: false,
      problems: [
        `"${"x".repeat(40)}…" is not a launch link parameter.`,
        '"profile" is given more than once.',
        '"next" is not a launch link parameter.',
      ],
    });
    expect(parseLaunchQuery("%22%3E%3Cimg=1")).toEqual({
      ok: false,
      problems: ['"\\"><img" is not a launch link parameter.'],
    });
  });

  it("refuses more options than it carries", () => {
    const query = Array.from({ length: MAX_LAUNCH_OPTIONS + 1 }, (_, i) => `option.k${i}=v`).join(
      "&",
    );
    expect(parseLaunchQuery(query)).toMatchObject({ ok: false });
  });
});
