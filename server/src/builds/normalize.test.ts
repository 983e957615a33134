import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BuildEventSchema, MAX_LOG_MESSAGE_LENGTH } from "../../../contract/build.ts";
import { fullBuildPayloads } from "../local/recorded-build.ts";
import { companionFailure, normalizeBuildEvent, normalizeBuildPayload } from "./normalize.ts";

const n = normalizeBuildEvent;

describe("normalizeBuildEvent", () => {
  it("passes a well-formed event through unchanged", () => {
    expect(n('{"phase":"waiting","message":"Waiting for build to start...\\n"}')).toEqual({
      phase: "waiting",
      message: "Waiting for build to start...\n",
    });
  });

  it("lower-cases FakeBuild's capitalised phases; ones the contract lacks become unknown with the message kept", () => {
    expect(n('{"phase": "Building", "message": "Building...\\n"}')).toEqual({
      phase: "building",
      message: "Building...\n",
    });
    expect(n('{"phase": "Pending", "message": "Pending...\\n"}')).toEqual({
      phase: "unknown",
      message: "Pending...\n",
    });
    expect(n('{"phase": "Running", "message": "Running...\\n"}')).toEqual({
      phase: "unknown",
      message: "Running...\n",
    });
    expect(n('{"phase": "Succeed", "message": "Succeed...\\n"}')).toEqual({
      phase: "unknown",
      message: "Succeed...\n",
    });
    expect(n('{"phase": "READY", "imageName": "x:1"}')).toEqual({
      phase: "ready",
      imageName: "x:1",
    });
  });

  it("folds old repo2docker's failure into failed", () => {
    expect(n('{"phase":"failure","message":"boom\\n"}')).toEqual({
      phase: "failed",
      message: "boom\n",
    });
  });

  it("keeps a line without a phase as a log line, message untouched (no newline added)", () => {
    expect(n('{"message":"Step 1/51 : FROM docker.io/library/buildpack-deps:bionic"}')).toEqual({
      message: "Step 1/51 : FROM docker.io/library/buildpack-deps:bionic",
    });
    expect(n('{"message":"Fetching base image...\\r","phase":"building"}')).toEqual({
      phase: "building",
      message: "Fetching base image...\r",
    });
  });

  it("keeps imageName on build-only ready, and maps launch-mode ready's image", () => {
    expect(n('{"phase":"ready","message":"Done! Image built\\n","imageName":"a:1"}')).toEqual({
      phase: "ready",
      message: "Done! Image built\n",
      imageName: "a:1",
    });
    expect(n('{"phase":"ready","image":"b:2","token":"secret","url":"http://x/"}')).toEqual({
      phase: "ready",
      imageName: "b:2",
    });
  });

  it("drops fields the page has no use for (tokens, urls, progress)", () => {
    const event = n(
      '{"phase":"pushing","message":"Pushing image\\n","progress":{"a":1},"layers":{"b":2}}',
    );
    expect(event).toEqual({ phase: "pushing", message: "Pushing image\n" });
  });

  it("gives a failed without a message a reason", () => {
    expect(n('{"phase": "failed"}')).toMatchObject({
      phase: "failed",
      message: expect.stringMatching(/no reason/),
    });
  });

  it("turns HTTP-200 rejections into clear failures, keeping BinderHub's text", () => {
    expect(n('{"phase": "failed", "status_code": 403, "message": "Forbidden\\n"}')).toEqual({
      phase: "failed",
      status_code: 403,
      message:
        "BinderHub refused the companion's token (check access:services!service=binder), or this repository is not allowed.\nBinderHub said: Forbidden\n",
    });
    expect(
      n(
        '{"phase":"failed","status_code":429,"message":"Rate limit exceeded. Try again in 3600 seconds.\\n"}',
      ),
    ).toEqual({
      phase: "failed",
      status_code: 429,
      retry_after: 3600,
      message:
        "BinderHub is rate-limiting the companion; try again in 3600 seconds.\nBinderHub said: Rate limit exceeded. Try again in 3600 seconds.\n",
    });
    expect(
      n(
        '{"phase":"failed","status_code":400,"message":"Missing Accept header: text/event-stream\\n"}',
      ).message,
    ).toMatch(
      /^BinderHub refused the build request as invalid.*\nBinderHub said: Missing Accept header/s,
    );
    expect(
      n('{"phase":"failed","status_code":500,"message":"Internal Server Error\\n"}').message,
    ).toBe("BinderHub hit an internal error.\nBinderHub said: Internal Server Error\n");
    expect(n('{"phase":"failed","status_code":409}').message).toBe(
      "BinderHub refused the build (status 409).\n",
    );
  });

  it("ignores a status_code on a non-failed event", () => {
    expect(n('{"phase":"building","status_code":500,"message":"x"}')).toEqual({
      phase: "building",
      message: "x",
    });
  });

  it("wraps non-JSON and non-object JSON as unknown log lines", () => {
    expect(n("not json")).toEqual({ phase: "unknown", message: "not json" });
    expect(n("")).toEqual({ phase: "unknown", message: "" });
    expect(n("[1,2]")).toEqual({ phase: "unknown", message: "[1,2]" });
    expect(n("null")).toEqual({ phase: "unknown", message: "null" });
    expect(n('"str"')).toEqual({ phase: "unknown", message: '"str"' });
  });

  it("ignores fields of the wrong type", () => {
    expect(n('{"phase":3,"message":{"a":1},"imageName":[]}')).toEqual({});
  });

  it("normalises every event of the real recorded build into the contract", () => {
    const payloads = fullBuildPayloads();
    expect(payloads).toHaveLength(736);
    const events = payloads.map(n);
    for (const e of events) expect(BuildEventSchema.safeParse(e).success).toBe(true);
    expect(events.filter((e) => e.phase === undefined)).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({
      phase: "ready",
      imageName: expect.stringMatching(/^binder-2dexamples-2doctave/),
    });
  });

  // 500 property runs: on a shared, loaded 2-core machine this can pass 5 s without being slow.
  it(
    "never throws and always satisfies the contract, whatever the payload",
    { timeout: 30_000 },
    () => {
      const jsonish = fc.oneof(
        fc.string({ unit: "binary" }),
        fc.json(),
        fc
          .record(
            {
              phase: fc.oneof(fc.string(), fc.constantFrom("Failed", "FAILURE", "ready")),
              message: fc.string(),
              status_code: fc.oneof(fc.integer(), fc.double()),
            },
            { requiredKeys: [] },
          )
          .map((o) => JSON.stringify(o)),
      );
      fc.assert(
        fc.property(jsonish, (data) => {
          expect(BuildEventSchema.safeParse(n(data)).success).toBe(true);
        }),
        { numRuns: 500 },
      );
    },
  );

  it("hands back BinderHub's own JSON only when it is exactly the normal event, on one line", () => {
    expect(normalizeBuildPayload('{"phase": "building", "message": "Step 1/3\\n"}')).toEqual({
      event: { phase: "building", message: "Step 1/3\n" },
      json: '{"phase": "building", "message": "Step 1/3\\n"}',
    });
    for (const data of [
      '{"phase": "Building", "message": "x"}',
      '{"phase": "building", "message": "x", "token": "secret"}',
      '{"phase": "failed", "status_code": 403, "message": "Forbidden\\n"}',
      '{"phase":\n"ready"}',
      '{"message": "x", "__proto__": {"phase": "ready"}}',
    ])
      expect(normalizeBuildPayload(data).json).toBeUndefined();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc
            .record(
              {
                phase: fc.constantFrom("building", "ready", "Failed", "x"),
                message: fc.string(),
                imageName: fc.string(),
                extra: fc.string(),
              },
              { requiredKeys: [] },
            )
            .map((o) => JSON.stringify(o, null, Math.random() < 0.2 ? 1 : undefined)),
        ),
        (data) => {
          const { event, json } = normalizeBuildPayload(data);
          if (json === undefined) return;
          expect(json).toBe(data);
          expect(json).not.toContain("\n");
          expect(JSON.parse(json)).toEqual(event);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("cuts a log message over the limit and says how much is not shown", () => {
    const line = "x".repeat(MAX_LOG_MESSAGE_LENGTH + 1_000_000);
    const { event, json } = normalizeBuildPayload(
      JSON.stringify({ phase: "building", message: line }),
    );
    expect(json).toBeUndefined();
    expect(event.phase).toBe("building");
    expect(event.message).toBe(
      "x".repeat(MAX_LOG_MESSAGE_LENGTH) + "… 1.0 MB of this line not shown\n",
    );
  });

  it("reads BinderHub's event the SSE reader cut as far as it goes, and marks the cut", () => {
    // The first 40 bytes of {"phase": "building", "message": "Step 1 \u001b[1mbold\\ \"q\" é ...
    const whole = JSON.stringify({
      phase: "building",
      message: 'Step 1 \u001b[1mbold\\ "q" é' + "y".repeat(9_000_000),
    });
    const prefix = whole.slice(0, 80);
    const omitted = Buffer.byteLength(whole.slice(80));
    const { event, json } = normalizeBuildPayload(prefix, omitted);
    expect(json).toBeUndefined();
    expect(event).toEqual({
      phase: "building",
      message: `Step 1 \u001b[1mbold\\ "q" é${"y".repeat(80 - 61)}… 9.0 MB of this line not shown\n`,
    });
  });

  it("never ends a build on a cut event, and never splits an escape where it was cut", () => {
    for (const [prefix, phase, message] of [
      ['{"phase": "ready", "message": "ab', "unknown", "ab"],
      ['{"phase": "failed", "message": "a\\u00', "unknown", "a"],
      ['{"phase": "building", "message": "a\\', "building", "a"],
      ['{"message": "no phase', "unknown", "no phase"],
      ["not json at all", "unknown", ""],
    ] as const) {
      expect(normalizeBuildPayload(prefix, 10).event).toEqual({
        phase,
        message: `${message}… 10 bytes of this line not shown\n`,
      });
    }
  });

  it("companionFailure ends its message with one newline", () => {
    expect(companionFailure("lost contact")).toEqual({
      phase: "failed",
      message: "lost contact\n",
    });
    expect(companionFailure("x\n")).toEqual({ phase: "failed", message: "x\n" });
  });
});
