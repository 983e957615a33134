import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { BuildLogBuffer } from "../log/build-log-buffer.ts";
import { ScrollFollower } from "../log/scroll-follower.ts";
import { TERMINAL_SCROLLBACK } from "../log/terminal-size.ts";
import { createWriteBatcher } from "../log/write-batcher.ts";
import type { LogTerminal } from "../log/xterm-terminal.ts";

const KEPT_LINES = TERMINAL_SCROLLBACK.toLocaleString("en-US");

export type LoadTerminal = () => Promise<{ createLogTerminal: (host: HTMLElement) => LogTerminal }>;

/** xterm and its CSS are a lazy chunk: fetched the first time a build log is shown. */
const loadXterm: LoadTerminal = () => import("../log/xterm-terminal.ts");

export interface BuildLogProps {
  log: BuildLogBuffer;
  /** The file name offered by "Download log". */
  fileName?: string;
  loadTerminal?: LoadTerminal;
}

export function BuildLog({ log, fileName = "build.log", loadTerminal = loadXterm }: BuildLogProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [terminalState, setTerminalState] = useState<"loading" | "ready" | "unavailable">(
    "loading",
  );
  const [following, setFollowing] = useState(true);
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle");
  const longerThanTerminal = useLongerThanTerminal(log);
  const followerRef = useRef<ScrollFollower | null>(null);
  const terminalRef = useRef<LogTerminal | null>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let disposed = false;
    const cleanups: (() => void)[] = [];
    loadTerminal().then(
      ({ createLogTerminal }) => {
        if (disposed) return;
        let terminal: LogTerminal;
        try {
          terminal = createLogTerminal(host);
        } catch {
          // A browser without what xterm needs (or jsdom): copy and download still work.
          setTerminalState("unavailable");
          return;
        }
        terminalRef.current = terminal;
        const follower = new ScrollFollower();
        followerRef.current = follower;
        const batcher = createWriteBatcher((text, done) => {
          terminal.write(text, () => {
            if (follower.shouldScrollAfterWrite()) terminal.scrollToBottom();
            done();
          });
        });
        batcher.push(log.text());
        cleanups.push(
          log.subscribe((change) => {
            if (change.type === "append") {
              batcher.push(change.text);
            } else {
              batcher.discard();
              terminal.clear();
              follower.resume();
            }
          }),
          terminal.onViewportChange((viewportY, baseY) =>
            follower.viewportChanged(viewportY, baseY),
          ),
          follower.subscribe(setFollowing),
          () => batcher.dispose(),
          () => terminal.dispose(),
        );
        if (typeof ResizeObserver !== "undefined") {
          const observer = new ResizeObserver(() => terminal.fit());
          observer.observe(host);
          cleanups.push(() => observer.disconnect());
        }
        setTerminalState("ready");
      },
      () => {
        if (!disposed) setTerminalState("unavailable");
      },
    );
    return () => {
      disposed = true;
      for (const cleanup of cleanups.reverse()) cleanup();
      terminalRef.current = null;
      followerRef.current = null;
    };
  }, [log, loadTerminal]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(log.text());
      setCopied("copied");
    } catch {
      setCopied("failed");
    }
  }

  function download() {
    const url = URL.createObjectURL(new Blob([log.text()], { type: "text/plain;charset=utf-8" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  function jumpToLatest() {
    followerRef.current?.resume();
    terminalRef.current?.scrollToBottom();
  }

  return (
    <section className="lp-build-log" aria-label="Build log">
      <div className="lp-build-log-toolbar">
        <span className="small fw-semibold me-auto" aria-hidden="true">
          Build log
        </span>
        {!following && (
          <button type="button" className="btn btn-sm btn-outline-secondary" onClick={jumpToLatest}>
            Jump to latest
          </button>
        )}
        <button
          type="button"
          className="btn btn-sm btn-outline-secondary"
          onClick={() => void copy()}
        >
          Copy log
        </button>
        <button type="button" className="btn btn-sm btn-outline-secondary" onClick={download}>
          Download log
        </button>
        <span className="visually-hidden" aria-live="polite">
          {copied === "copied"
            ? "Log copied."
            : copied === "failed"
              ? "The log could not be copied."
              : ""}
        </span>
      </div>
      {terminalState === "loading" && <p className="form-text">Loading the log viewer…</p>}
      {terminalState === "unavailable" && (
        <p className="text-danger-emphasis">
          The log viewer could not load. You can still copy or download the log.
        </p>
      )}
      {longerThanTerminal && terminalState === "ready" && (
        <p className="form-text mb-1">
          The log has more than {KEPT_LINES} lines: the terminal keeps the last {KEPT_LINES}, and
          Copy log and Download log have all of it.
        </p>
      )}
      {/* Not a live region: the status line announces phases, screen readers are not read the raw log. */}
      <div ref={hostRef} className="lp-build-terminal" />
    </section>
  );
}

/** Whether the log has more lines than the terminal keeps; re-renders only when that changes. */
function useLongerThanTerminal(log: BuildLogBuffer): boolean {
  const subscribe = useCallback((changed: () => void) => log.subscribe(changed), [log]);
  return useSyncExternalStore(subscribe, () => log.lineCount > TERMINAL_SCROLLBACK);
}
