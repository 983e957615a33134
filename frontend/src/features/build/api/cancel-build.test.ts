import { describe, expect, it } from "vitest";
import { cancelBuild, CancelBuildError, describeCancel } from "./cancel-build.ts";

const SERVICE = "/services/launchpad/";

function recording(response: Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = ((url: string, init: RequestInit) => {
    calls.push({ url, init });
    return Promise.resolve(response);
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("cancelBuild", () => {
  it("sends one DELETE of the build's URL with the CSRF header, past the browser's HTTP cache", async () => {
    const { calls, fetch } = recording(json(200, { streams_cancelled: 1, pods_deleted: ["p"] }));
    const result = await cancelBuild({
      serviceUrl: SERVICE,
      csrfToken: "tok",
      provider: "gh",
      spec: "org/repo/HEAD",
      fetch,
    });
    expect(result).toEqual({ streams_cancelled: 1, pods_deleted: ["p"] });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe("/services/launchpad/api/builds/gh/org/repo/HEAD");
    expect(calls[0]!.init).toMatchObject({
      method: "DELETE",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "x-launchpad-csrf": "tok", accept: "application/json" },
    });
  });

  it("takes 404 as already ended, and says what else went wrong", async () => {
    const gone = recording(json(404, { status: 404, message: "no build" }));
    const base = { serviceUrl: SERVICE, csrfToken: "t", provider: "gh" as const, spec: "o/r/HEAD" };
    expect(await cancelBuild({ ...base, fetch: gone.fetch })).toBeNull();
    const refused = recording(json(503, { status: 503, message: "Kubernetes API unavailable" }));
    await expect(cancelBuild({ ...base, fetch: refused.fetch })).rejects.toThrow(
      new CancelBuildError("The build could not be stopped: Kubernetes API unavailable"),
    );
    const odd = recording(json(200, { pods: 1 }));
    await expect(cancelBuild({ ...base, fetch: odd.fetch })).rejects.toThrow(
      "The Launchpad service sent an answer this page does not understand.",
    );
  });
});

describe("describeCancel", () => {
  it("says whether the build pod was deleted, and why not", () => {
    expect(describeCancel(null)).toBe("The build had already ended.");
    expect(describeCancel({ streams_cancelled: 1, pods_deleted: ["p"] })).toBe(
      "Its build pod was deleted: nothing is left running.",
    );
    expect(
      describeCancel({ streams_cancelled: 0, pods_deleted: [], pod_kept_reason: "not yours" }),
    ).toBe("Its build pod was not deleted: not yours");
  });
});
