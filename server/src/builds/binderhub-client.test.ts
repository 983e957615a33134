import { createServer } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BinderHubDouble } from "../../test-support/binderhub-double.ts";
import { collectBuild } from "../../test-support/read-build.ts";
import { readBuild } from "./binderhub-client.ts";
import type { BinderHubClientConfig, UpstreamItem } from "./binderhub-client.ts";

let double: BinderHubDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function start(options: ConstructorParameters<typeof BinderHubDouble>[0] = {}) {
  double = await new BinderHubDouble(options).start();
  return { url: double.buildEndpoint, token: double.token } satisfies BinderHubClientConfig;
}

async function collect(config: BinderHubClientConfig, provider: string, spec: string) {
  return (await collectBuild(config, provider, spec)).items;
}
const events = (items: UpstreamItem[]) =>
  items.flatMap((i) => (i.kind === "event" ? [i.event] : []));

describe("readBuild against the BinderHub double", () => {
  it("replays the real recorded build in build-only mode: 724 events ending in ready + imageName", async () => {
    const config = await start();
    const got = events(await collect(config, "gh", "binder-examples/octave/HEAD"));
    expect(got).toHaveLength(736 - 1 - 10 + 0); // no built, no launching ×10
    expect(got[0]).toEqual({ phase: "waiting", message: "Waiting for build to start...\n" });
    expect(got.filter((e) => e.phase === "building")).toHaveLength(716);
    expect(got.some((e) => e.phase === "built" || e.phase === "launching")).toBe(false);
    expect(got.at(-1)).toEqual({
      phase: "ready",
      message: "Done! Image built\n",
      imageName: "binder-2dexamples-2doctave-03025a:1479e0252b2e648bb755ee913292b79495931717",
    });
    const request = double!.streams[0]!;
    expect(request.query).toBe("?build_only=true");
    expect(request.headers.accept).toBe("text/event-stream");
    expect(request.headers.authorization).toBe(`token ${config.token}`);
  });

  it("forwards the spec's escapes untouched", async () => {
    const config = await start();
    await collect(config, "gl", "group%2Fcached-project/main");
    expect(double!.streams[0]).toMatchObject({
      provider: "gl",
      spec: "group%2Fcached-project/main",
    });
  });

  it("normalises FakeBuild's capitalised phases", async () => {
    const config = await start();
    const got = events(await collect(config, "gh", "org/capitalised/HEAD"));
    expect(got.map((e) => e.phase)).toEqual([
      "waiting",
      "unknown",
      "unknown",
      "unknown",
      ...Array(6).fill("building"),
      "ready",
    ]);
  });

  it("turns a wrong token's HTTP-200 rejection into one failed/403", async () => {
    const config = await start();
    const got = events(await collect({ ...config, token: "wrong" }, "gh", "org/repo/HEAD"));
    expect(got).toEqual([
      expect.objectContaining({
        phase: "failed",
        status_code: 403,
        message: expect.stringContaining("access:services!service=binder"),
      }),
    ]);
  });

  it("reports 429 with retry_after", async () => {
    const config = await start();
    expect(events(await collect(config, "gh", "org/rate-limited/HEAD"))).toEqual([
      expect.objectContaining({ phase: "failed", status_code: 429, retry_after: 3600 }),
    ]);
  });

  it("gives a failure without a message a reason, and keeps lines without a phase", async () => {
    const config = await start();
    const failed = events(await collect(config, "gh", "org/fail-silent/HEAD"));
    expect(failed.at(-1)).toMatchObject({
      phase: "failed",
      message: expect.stringMatching(/no reason/),
    });
    const logs = events(await collect(config, "gh", "org/no-phase/HEAD"));
    expect(logs.filter((e) => e.phase === undefined)).toHaveLength(2);
  });

  it("a dropped connection ends in exactly one failed", async () => {
    const config = await start();
    const got = events(await collect(config, "gh", "org/drop/HEAD"));
    expect(got.filter((e) => e.phase === "failed")).toHaveLength(1);
    expect(got.at(-1)?.message).toMatch(/BinderHub (closed the stream|.*broke)/);
  });

  it("survives a slow trickle split at odd boundaries", async () => {
    const config = await start({ slowMs: 0 });
    const got = events(await collect(config, "gh", "org/slow/HEAD"));
    expect(got).toHaveLength(725);
    expect(got.at(-1)?.phase).toBe("ready");
  });

  it("keepalives keep a quiet build alive; silence trips the watchdog and closes upstream", async () => {
    const config = await start({ keepaliveMs: 10 });
    const quiet = (
      await collectBuild(
        { ...config, idleTimeoutMs: 200 },
        "gh",
        "org/keepalive-only/HEAD",
        (_item, items, stop) => {
          if (items.filter((i) => i.kind === "keepalive").length >= 30) stop();
        },
      )
    ).items;
    expect(events(quiet).some((e) => e.phase === "failed")).toBe(false);

    const silent = events(await collect({ ...config, idleTimeoutMs: 100 }, "gh", "org/hang/HEAD"));
    expect(silent.at(-1)).toEqual({
      phase: "failed",
      message: "Lost contact with BinderHub: nothing received for 0 seconds.\n",
    });
    const ended = await double!.waitForStreamEnd((s) => s.spec === "org/hang/HEAD");
    expect(ended.state).toBe("client-closed");
  });

  it("stopping ends the read without a synthetic event and closes upstream", async () => {
    const config = await start({ keepaliveMs: 10 });
    const read = await collectBuild(config, "gh", "org/keepalive-only/HEAD", (_item, _all, stop) =>
      stop(),
    );
    expect(read.afterStop).toBe(0);
    expect(events(read.items)).toEqual([
      { phase: "waiting", message: "Waiting for build to start...\n" },
    ]);
    expect((await double!.waitForStreamEnd()).state).toBe("client-closed");
  });

  it("pauses reading while the receiver waits, without counting that as BinderHub's silence", async () => {
    const config = await start();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const items: UpstreamItem[] = [];
    let holding = false;
    /** Items when the read that asked to wait was done (the rest of that read is delivered). */
    let afterHeldRead = -1;
    let countAtRelease = -1;
    await new Promise<void>((resolve) => {
      readBuild({ ...config, idleTimeoutMs: 150 }, "gh", "binder-examples/octave/HEAD", {
        item(item) {
          items.push(item);
          if (holding) return held; // like the event stream's writer while blocked
          if (items.length < 5) return undefined;
          // The browser is slow for four idle timeouts: nothing more may be read meanwhile.
          holding = true;
          queueMicrotask(() => (afterHeldRead = items.length));
          setTimeout(() => {
            countAtRelease = items.length;
            release();
          }, 600);
          return held;
        },
        end: resolve,
      });
    });
    expect(afterHeldRead).toBeGreaterThanOrEqual(5);
    expect(countAtRelease).toBe(afterHeldRead);
    const got = events(items);
    expect(got.filter((e) => e.phase === "failed")).toEqual([]);
    expect(got).toHaveLength(725);
    expect(got.at(-1)?.phase).toBe("ready");
  });

  it("an unreachable BinderHub, a non-200 and a non-SSE answer each give one failed", async () => {
    const closed = createServer().listen(0, "127.0.0.1");
    await once(closed, "listening");
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = events(
      await collect({ url: `http://127.0.0.1:${closedPort}/`, token: "t" }, "gh", "a/b/c"),
    );
    expect(unreachable).toEqual([
      { phase: "failed", message: expect.stringMatching(/^Could not reach BinderHub \(/) },
    ]);

    const server = createServer((req, res) => {
      if (req.url?.includes("notfound")) res.writeHead(404).end("nope");
      else res.writeHead(200, { "content-type": "text/html" }).end("<html>");
    }).listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      expect(events(await collect({ url, token: "t" }, "gh", "a/notfound/c"))).toEqual([
        { phase: "failed", message: expect.stringMatching(/^BinderHub answered HTTP 404/) },
      ]);
      expect(events(await collect({ url, token: "t" }, "gh", "a/b/c"))).toEqual([
        {
          phase: "failed",
          message: expect.stringMatching(
            /did not answer with an event stream \(content-type text\/html\)/,
          ),
        },
      ]);
    } finally {
      server.close();
    }
  });

  it("the double insists on Accept: text/event-stream", async () => {
    const config = await start();
    const response = await fetch(`${config.url}build/gh/a/b/c?build_only=true`, {
      headers: { authorization: `token ${config.token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(
      'data: {"phase": "failed", "status_code": 400, "message": "Missing Accept header: text/event-stream\\n"}\n\n',
    );
  });
});
