import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { server } from "../../../testing/server.ts";
import {
  buildHandlers,
  BUILD_STREAM_PATH,
  SAMPLE_IMAGE,
  shortBuild,
  streamResponse,
} from "../testing/handlers.ts";
import {
  BuildRequestError,
  buildStreamUrl,
  readBuildStream,
  toBuildEvent,
  type BuildStreamItem,
} from "./build-stream.ts";

const SERVICE = "/prefix/services/launchpad/";
const URL_ = buildStreamUrl(SERVICE, "gh", "org/repo/HEAD");

async function collect(url = URL_): Promise<BuildStreamItem[]> {
  const items: BuildStreamItem[] = [];
  for await (const item of readBuildStream(url, { signal: new AbortController().signal }))
    items.push(item);
  return items;
}

async function refusalOf(
  handler: ReturnType<typeof buildHandlers.rateLimited>,
): Promise<BuildRequestError> {
  server.use(handler);
  const error: unknown = await collect().then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof BuildRequestError))
    throw new Error(`expected a BuildRequestError, got ${String(error)}`);
  return error;
}

describe("buildStreamUrl", () => {
  it("encodes each spec segment once more", () => {
    expect(buildStreamUrl(SERVICE, "gl", "group%2Fproject/main")).toBe(
      "/prefix/services/launchpad/api/builds/gl/group%252Fproject/main",
    );
  });

  it("names the user the project is for when an admin spawns for someone else", () => {
    expect(buildStreamUrl(SERVICE, "gh", "o/r/HEAD", "ana maria&x")).toBe(
      "/prefix/services/launchpad/api/builds/gh/o/r/HEAD?user=ana%20maria%26x",
    );
  });
});

describe("toBuildEvent", () => {
  it.each([
    ['{"phase":"building","message":"x\\n"}', { phase: "building", message: "x\n" }],
    ['{"message":"no phase"}', { message: "no phase" }],
    ['{"phase":"Building","message":"m"}', { phase: "building", message: "m" }],
    ['{"phase":"failure","message":"m"}', { phase: "failed", message: "m" }],
    ['{"phase":"ready","imageName":"i:1"}', { phase: "ready", imageName: "i:1" }],
    ["not json", { phase: "unknown", message: "not json\n" }],
    [
      '{"phase":"lost","message":"upstream went quiet\\n"}',
      { phase: "unknown", message: "upstream went quiet\n" },
    ],
    [
      '{"phase":"building","message":42}',
      { phase: "building", message: '{"phase":"building","message":42}\n' },
    ],
    ["[1,2]", { phase: "unknown", message: "[1,2]\n" }],
  ])("%s", (data, event) => {
    expect(toBuildEvent(data)).toEqual(event);
  });

  it("says how much of an event the reader cut instead of showing half its JSON", () => {
    expect(toBuildEvent('{"phase":"building","message":"xx', 2_000_000)).toEqual({
      phase: "unknown",
      message: "… 2.0 MB of this line not shown\n",
    });
  });
});

describe("readBuildStream", () => {
  it("yields every event and keep-alive of a build, in order", async () => {
    server.use(buildHandlers.short());
    const items = await collect();
    const events = items.flatMap((i) => (i.type === "event" ? [i.event] : []));
    expect(events).toEqual(shortBuild.steps.filter((s) => !("keepalive" in s)));
    expect(items.filter((i) => i.type === "keepalive")).toHaveLength(1);
    expect(events.at(-1)).toEqual({
      phase: "ready",
      message: "Done! Image built\n",
      imageName: SAMPLE_IMAGE,
    });
  });

  it("sends Accept: text/event-stream with the session cookie", async () => {
    let accept: string | null = null;
    server.use(
      http.get(BUILD_STREAM_PATH, ({ request }) => {
        accept = request.headers.get("accept");
        return streamResponse({ steps: [] });
      }),
    );
    await collect();
    expect(accept).toBe("text/event-stream");
  });

  it("turns a malformed data item into an unknown log line instead of failing", async () => {
    server.use(
      http.get(BUILD_STREAM_PATH, () =>
        streamResponse({ steps: [{ rawData: "{oops" }, { phase: "ready", imageName: "i:1" }] }),
      ),
    );
    const items = await collect();
    expect(items).toEqual([
      { type: "event", event: { phase: "unknown", message: "{oops\n" } },
      { type: "event", event: { phase: "ready", imageName: "i:1" } },
    ]);
  });

  it("reports 429 as rate-limited with retry_after", async () => {
    const error = await refusalOf(buildHandlers.rateLimited(90));
    expect(error).toMatchObject({ kind: "rate-limited", status: 429, retryAfter: 90 });
    expect(error.message).toMatch(/too many builds/);
  });

  it("reports 400 as an invalid spec", async () => {
    expect(await refusalOf(buildHandlers.invalidSpec())).toMatchObject({
      kind: "invalid-spec",
      status: 400,
    });
  });

  it("reports 401 as a session problem with the login URL", async () => {
    expect(await refusalOf(buildHandlers.signedOut())).toMatchObject({
      kind: "session",
      loginUrl: "/services/launchpad/oauth_login",
    });
  });

  it("refuses a 200 that is not an event stream", async () => {
    expect(
      await refusalOf(http.get(BUILD_STREAM_PATH, () => HttpResponse.json({ hello: "world" }))),
    ).toMatchObject({
      kind: "not-a-stream",
    });
  });

  it("lets a dropped connection through as an error that is not a refusal", async () => {
    server.use(buildHandlers.unreachable());
    const error: unknown = await collect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(BuildRequestError);
  });
});
