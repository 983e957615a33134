import { describe, expect, it } from "vitest";
import { redactUrl } from "./logging.ts";

describe("redactUrl", () => {
  it("hides the OAuth code and state and keeps the rest", () => {
    expect(redactUrl("/services/launchpad/oauth_callback?code=abc&state=def&x=1")).toBe(
      "/services/launchpad/oauth_callback?code=%5Bredacted%5D&state=%5Bredacted%5D&x=1",
    );
  });

  it("leaves URLs without secrets untouched", () => {
    expect(redactUrl("/services/launchpad/api/me")).toBe("/services/launchpad/api/me");
    expect(redactUrl("/services/launchpad/oauth_login?next=%2Fhub%2F")).toBe(
      "/services/launchpad/oauth_login?next=%2Fhub%2F",
    );
  });
});
