import { describe, expect, it } from "vitest";
import { ScrollFollower } from "./scroll-follower.ts";

describe("ScrollFollower", () => {
  it("follows new output from the start", () => {
    expect(new ScrollFollower().shouldScrollAfterWrite()).toBe(true);
  });

  it("stops when the user scrolls up and resumes at the bottom", () => {
    const follower = new ScrollFollower();
    const changes: boolean[] = [];
    follower.subscribe((following) => changes.push(following));
    follower.viewportChanged(100, 100);
    expect(follower.shouldScrollAfterWrite()).toBe(true);
    follower.viewportChanged(40, 100);
    expect(follower.shouldScrollAfterWrite()).toBe(false);
    // More output arrives while the user reads: still not following.
    follower.viewportChanged(40, 180);
    expect(follower.shouldScrollAfterWrite()).toBe(false);
    follower.viewportChanged(180, 180);
    expect(follower.shouldScrollAfterWrite()).toBe(true);
    expect(changes).toEqual([false, true]);
  });

  it("resumes on request (Jump to latest, a new build)", () => {
    const follower = new ScrollFollower();
    follower.viewportChanged(0, 10);
    follower.resume();
    expect(follower.following).toBe(true);
  });
});
