import { act, renderHook, waitFor } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { useEffect } from "react";
import { describe, expect, it } from "vitest";
import { CSRF_HEADER } from "../../../../../contract/api.ts";
import type { BuildSource } from "../../../../../contract/providers/catalog.ts";
import { server } from "../../../testing/server.ts";
import {
  BUILD_STREAM_PATH,
  buildHandlers,
  CANCELLED,
  controlledBuild,
  droppedBuild,
  reattachedBuild,
  SAMPLE_IMAGE,
  streamResponse,
} from "../testing/handlers.ts";
import { useBuild, type BuildState, type UseBuildOptions } from "./use-build.ts";

const SOURCE: BuildSource = { provider: "gh", repo: "binder-examples/requirements", ref: "HEAD" };

/** Renders the hook and records every state it goes through. */
function renderBuild(options: Partial<UseBuildOptions> = {}) {
  const states: BuildState[] = [];
  const hook = renderHook(() => {
    const build = useBuild({
      serviceUrl: "/prefix/services/launchpad/",
      csrfToken: "csrf-1",
      reconnectDelayMs: () => 0,
      ...options,
    });
    useEffect(() => {
      states.push(build.state);
    }, [build.state]);
    return build;
  });
  return { ...hook, states, statuses: () => states.map((s) => s.status) };
}

describe("useBuild", () => {
  it("starts idle", () => {
    const { result } = renderBuild();
    expect(result.current.state).toEqual({ status: "idle" });
    expect(result.current.elapsedSeconds).toBe(0);
  });

  it("moves through the phases as events arrive, ignoring lines without a known phase", async () => {
    const stream = controlledBuild();
    server.use(stream.handler);
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    expect(result.current.state).toMatchObject({ status: "streaming", phase: null });
    await stream.connected();
    for (const phase of ["waiting", "fetching", "building", "pushing"] as const) {
      stream.send({ phase, message: `${phase}\n` });
      await waitFor(() =>
        expect(result.current.state).toMatchObject({ status: "streaming", phase }),
      );
      stream.send({ message: "a line without a phase\n" });
      stream.send({ phase: "unknown", message: "a non-JSON line\n" });
    }
    stream.send({ phase: "ready", message: "Done! Image built\n", imageName: "img:1" });
    await waitFor(() =>
      expect(result.current.state).toMatchObject({
        status: "ready",
        imageName: "img:1",
        cached: false,
      }),
    );
    expect(result.current.log.text()).toMatch(
      /^waiting\na line without a phase\na non-JSON line\nfetching\n/,
    );
  });

  it("streams a whole build to ready with the image name, keeping the raw log", async () => {
    server.use(buildHandlers.short());
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() => expect(result.current.state.status).toBe("ready"));
    expect(result.current.state).toMatchObject({
      imageName: SAMPLE_IMAGE,
      cached: false,
      spec: "binder-examples/requirements/HEAD",
    });
    expect(result.current.log.text()).toContain(
      "Step 1/20 : FROM docker.io/library/buildpack-deps:jammy\n",
    );
    expect(result.current.log.text()).toContain("\u001b[32mSuccessfully installed");
  });

  it("marks an image found at once as cached", async () => {
    server.use(buildHandlers.cached());
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() =>
      expect(result.current.state).toMatchObject({ status: "ready", cached: true }),
    );
  });

  it("ends failed with BinderHub's message", async () => {
    server.use(buildHandlers.failed());
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() => expect(result.current.state.status).toBe("failed"));
    expect(result.current.state).toMatchObject({
      message: "Failed to build image binder-examples-broken:0a1b2c3",
    });
  });

  it("is rate-limited on 429, with when to retry", async () => {
    server.use(buildHandlers.rateLimited(120));
    const { result } = renderBuild({ now: () => 1_000_000 });
    act(() => result.current.start(SOURCE));
    await waitFor(() => expect(result.current.state.status).toBe("rate-limited"));
    expect(result.current.state).toMatchObject({ retryAt: 1_000_000 + 120_000 });
  });

  it("fails with the sign-in link when the session is gone", async () => {
    server.use(buildHandlers.signedOut());
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() =>
      expect(result.current.state).toMatchObject({
        status: "failed",
        loginUrl: "/services/launchpad/oauth_login",
      }),
    );
  });

  it("refuses an invalid source without a request", () => {
    const { result } = renderBuild();
    act(() => result.current.start({ provider: "gh", repo: "not a repo", ref: "HEAD" }));
    expect(result.current.state).toMatchObject({
      status: "failed",
      message: expect.stringMatching(/owner\/repository/) as unknown,
    });
  });

  it("re-attaches to the same build after a drop by requesting the same spec", async () => {
    const requested: string[] = [];
    server.events.on("request:start", ({ request }) => {
      requested.push(new URL(request.url).pathname);
    });
    server.use(buildHandlers.droppedThenReattached());
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() => expect(result.current.state.status).toBe("ready"));
    server.events.removeAllListeners();
    expect(requested).toEqual([
      "/prefix/services/launchpad/api/builds/gh/binder-examples/requirements/HEAD",
      "/prefix/services/launchpad/api/builds/gh/binder-examples/requirements/HEAD",
    ]);
    expect(result.current.log.text()).toContain("Connection lost; reattaching");
  });

  it("is reconnecting until the new connection delivers an event, then streaming again", async () => {
    const stream = controlledBuild();
    server.use(stream.handler);
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    await stream.connected();
    stream.send({ phase: "building", message: "Step 1\n" });
    await waitFor(() =>
      expect(result.current.state).toMatchObject({ status: "streaming", phase: "building" }),
    );
    stream.drop();
    await waitFor(() => expect(stream.requests).toBe(2));
    expect(result.current.state).toMatchObject({
      status: "reconnecting",
      attempt: 1,
      phase: "building",
    });
    await stream.connected();
    stream.send({ phase: "building", message: "Step 2\n" });
    await waitFor(() =>
      expect(result.current.state).toMatchObject({ status: "streaming", phase: "building" }),
    );
    stream.send({ phase: "ready", imageName: "img:2" });
    await waitFor(() =>
      expect(result.current.state).toMatchObject({ status: "ready", imageName: "img:2" }),
    );
  });

  it("treats a stream that ends without ready or failed as a drop", async () => {
    let requests = 0;
    server.use(
      http.get(BUILD_STREAM_PATH, () => {
        requests += 1;
        const body =
          requests === 1
            ? 'data: {"phase":"building","message":"half\\n"}\n\n'
            : 'data: {"phase":"ready","imageName":"img:1"}\n\n';
        return new HttpResponse(body, { headers: { "content-type": "text/event-stream" } });
      }),
    );
    const { result, statuses } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() =>
      expect(result.current.state).toMatchObject({ status: "ready", imageName: "img:1" }),
    );
    expect(statuses()).toContain("reconnecting");
  });

  it("gives up after a bounded number of reconnects", async () => {
    let requests = 0;
    server.use(
      http.get(BUILD_STREAM_PATH, () => {
        requests += 1;
        return HttpResponse.error();
      }),
    );
    const delays: number[] = [];
    const { result, states } = renderBuild({
      maxReconnects: 3,
      reconnectDelayMs: (attempt) => {
        delays.push(attempt);
        return 0;
      },
    });
    act(() => result.current.start(SOURCE));
    await waitFor(() => expect(result.current.state.status).toBe("failed"));
    expect(requests).toBe(4);
    expect(delays).toEqual([1, 2, 3]);
    expect(states.flatMap((s) => (s.status === "reconnecting" ? [s.attempt] : []))).toEqual([
      1, 2, 3,
    ]);
    expect(result.current.state).toMatchObject({
      message: expect.stringMatching(/Lost the connection/) as unknown,
    });
  });

  it("cancels: closes the stream and sends a CSRF-protected DELETE", async () => {
    let deleted: { path: string; csrf: string | null } | null = null;
    server.use(
      buildHandlers.inProgress(),
      http.delete(BUILD_STREAM_PATH, ({ request }) => {
        deleted = { path: new URL(request.url).pathname, csrf: request.headers.get(CSRF_HEADER) };
        return HttpResponse.json(CANCELLED);
      }),
    );
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() =>
      expect(result.current.state).toMatchObject({ status: "streaming", phase: "building" }),
    );
    await act(() => result.current.cancel());
    expect(result.current.state).toMatchObject({
      status: "cancelled",
      cancelOutcome: "Its build pod was deleted: nothing is left running.",
    });
    expect(deleted).toEqual({
      path: "/prefix/services/launchpad/api/builds/gh/binder-examples/requirements/HEAD",
      csrf: "csrf-1",
    });
  });

  it("says what the cancel did when the companion kept the build pod", async () => {
    server.use(
      buildHandlers.inProgress(),
      buildHandlers.cancel({
        streams_cancelled: 1,
        pods_deleted: [],
        pod_kept_reason: "1 other stream is still watching a build of this repository.",
      }),
    );
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() => expect(result.current.state.status).toBe("streaming"));
    await act(() => result.current.cancel());
    expect(result.current.state).toMatchObject({
      cancelOutcome:
        "Its build pod was not deleted: 1 other stream is still watching a build of this repository.",
    });
  });

  it("a stream silent past the deadline is a lost connection: it reconnects", async () => {
    let requests = 0;
    const encoder = new TextEncoder();
    // A fetch of our own rather than MSW's socket: the first answer is the companion dying behind
    // a proxy that keeps the socket open (one event, then nothing, ever, until aborted).
    const silentFetch: typeof fetch = (_input, init) => {
      requests += 1;
      const first = requests === 1;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          const event = first
            ? { phase: "building", message: "Step 1\n" }
            : { phase: "ready", imageName: "img:1" };
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
          if (!first) controller.close();
          init?.signal?.addEventListener("abort", () => controller.error(init.signal?.reason));
        },
      });
      return Promise.resolve(
        new Response(body, { headers: { "content-type": "text/event-stream" } }),
      );
    };
    const { result, statuses } = renderBuild({ silenceMs: 60, fetch: silentFetch });
    act(() => result.current.start(SOURCE));
    await waitFor(() =>
      expect(result.current.state).toMatchObject({ status: "ready", imageName: "img:1" }),
    );
    expect(requests).toBe(2);
    expect(statuses()).toContain("reconnecting");
    expect(result.current.log.text()).toContain("Connection lost; reattaching");
  });

  it("the companion's keepalives hold off the silence deadline", async () => {
    const stream = controlledBuild();
    server.use(stream.handler);
    const { result } = renderBuild({ silenceMs: 80 });
    act(() => result.current.start(SOURCE));
    await stream.connected();
    stream.send({ phase: "building", message: "Step 1\n" });
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      stream.send({ keepalive: true });
    }
    expect(stream.requests).toBe(1);
    stream.send({ phase: "ready", imageName: "img:1" });
    await waitFor(() => expect(result.current.state.status).toBe("ready"));
  });

  it("a reconnect event (the companion is restarting) re-attaches at once, not as a drop", async () => {
    let requests = 0;
    server.use(
      http.get(BUILD_STREAM_PATH, () => {
        requests += 1;
        return requests === 1
          ? streamResponse({
              steps: [
                { phase: "building", message: "Step 1\n" },
                {
                  message: "[Launchpad] The companion is restarting; reconnecting to the build…\n",
                  reconnect: true,
                },
              ],
              end: "hang",
            })
          : streamResponse({ steps: [{ phase: "ready", imageName: "img:1" }] });
      }),
    );
    const delays: number[] = [];
    const { result } = renderBuild({
      maxReconnects: 1,
      reconnectDelayMs: (attempt) => {
        delays.push(attempt);
        return 60_000;
      },
    });
    act(() => result.current.start(SOURCE));
    await waitFor(() => expect(result.current.state.status).toBe("ready"), { timeout: 3000 });
    expect(requests).toBe(2);
    expect(delays).toEqual([]);
    expect(result.current.log.text()).toContain("The companion is restarting");
    expect(result.current.log.text()).not.toContain("Connection lost");
  });

  it("a re-attach the companion refuses for now (429, 503) is tried again, never final", async () => {
    let requests = 0;
    server.use(
      http.get(BUILD_STREAM_PATH, () => {
        requests += 1;
        if (requests === 1) return streamResponse(droppedBuild);
        if (requests === 2)
          return HttpResponse.json(
            { status: 429, message: "You already have 1 build running.", retry_after: 0 },
            { status: 429 },
          );
        if (requests === 3)
          return HttpResponse.json({ status: 503, message: "Closing." }, { status: 503 });
        return streamResponse({ steps: [{ phase: "ready", imageName: "img:1" }] });
      }),
    );
    const { result, statuses } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() => expect(result.current.state.status).toBe("ready"));
    expect(requests).toBe(4);
    expect(statuses()).not.toContain("rate-limited");
  });

  it("attach follows a build already running, retrying a refusal, without starting anything", async () => {
    let requests = 0;
    server.use(
      http.get(BUILD_STREAM_PATH, () => {
        requests += 1;
        return requests === 1
          ? HttpResponse.json({ status: 503, message: "Starting." }, { status: 503 })
          : streamResponse(reattachedBuild);
      }),
    );
    const { result } = renderBuild();
    act(() => result.current.attach(SOURCE));
    expect(result.current.state).toMatchObject({ status: "streaming", source: SOURCE });
    await waitFor(() => expect(result.current.state.status).toBe("ready"));
    expect(result.current.log.text()).toMatch(/^\[Launchpad\] Reattaching to your build/);
  });

  it("stays cancelled but says so when the companion refuses the cancel", async () => {
    server.use(buildHandlers.inProgress(), buildHandlers.cancelRefused());
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() => expect(result.current.state.status).toBe("streaming"));
    await act(() => result.current.cancel());
    expect(result.current.state).toMatchObject({
      status: "cancelled",
      cancelError: expect.stringMatching(/CSRF/) as unknown,
    });
  });

  it("retries the same source after a failure", async () => {
    server.use(buildHandlers.failed());
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() => expect(result.current.state.status).toBe("failed"));
    server.use(buildHandlers.cached());
    act(() => result.current.retry());
    await waitFor(() =>
      expect(result.current.state).toMatchObject({ status: "ready", source: SOURCE }),
    );
    expect(result.current.log.text()).toBe("Done! Found built image\n");
  });

  it("a new start replaces a running build", async () => {
    server.use(buildHandlers.inProgress());
    const { result } = renderBuild();
    act(() => result.current.start(SOURCE));
    await waitFor(() =>
      expect(result.current.state).toMatchObject({ status: "streaming", phase: "building" }),
    );
    server.use(buildHandlers.cached());
    const other: BuildSource = { provider: "gh", repo: "org/other", ref: "main" };
    act(() => result.current.start(other));
    await waitFor(() =>
      expect(result.current.state).toMatchObject({ status: "ready", source: other }),
    );
  });
});
