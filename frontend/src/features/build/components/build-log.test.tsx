import { act, render, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { BuildLogBuffer } from "../log/build-log-buffer.ts";
import { TERMINAL_SCROLLBACK } from "../log/terminal-size.ts";
import { fakeTerminalLoader } from "../testing/fake-terminal.ts";
import { BuildLog } from "./build-log.tsx";

/** Runs `change` in act, and lets the end-of-task write it leads to happen. */
async function inTask(change: () => void) {
  await act(async () => {
    change();
    await Promise.resolve();
  });
}

async function renderLog(log = new BuildLogBuffer()) {
  const loader = fakeTerminalLoader();
  const view = render(<BuildLog log={log} loadTerminal={loader.load} fileName="gh-org-repo.log" />);
  await waitFor(() => expect(loader.terminals).toHaveLength(1));
  // The log's text so far goes to the terminal at the end of the task that created it.
  await inTask(() => {});
  const terminal = loader.terminals[0]!;
  return { ...view, log, terminal };
}

describe("BuildLog", () => {
  it("is a labelled region and not a live region", async () => {
    const { container } = await renderLog();
    expect(screen.getByRole("region", { name: "Build log" })).toBeInTheDocument();
    expect(container.querySelector("[aria-live]:not(.visually-hidden)")).toBeNull();
  });

  it("writes what was logged before it loaded, then each task's lines as one write, one write at a time", async () => {
    const log = new BuildLogBuffer();
    log.append("early\n");
    const { terminal } = await renderLog(log);
    expect(terminal.writes).toEqual(["early\n"]);
    terminal.holdWrites = true;
    await inTask(() => {
      for (let i = 0; i < 1000; i++) log.append(`\u001b[32mline ${i}\u001b[0m\n`);
    });
    expect(terminal.writes).toHaveLength(2);
    expect(terminal.writes[1]?.split("\n")).toHaveLength(1001);
    // While that write is parsed, what comes waits, and then goes as one write.
    await inTask(() => log.append("next\n"));
    await inTask(() => log.append("and next\n"));
    expect(terminal.writes).toHaveLength(2);
    await inTask(() => terminal.finishWrites());
    expect(terminal.writes).toHaveLength(3);
    expect(terminal.writes[1]?.startsWith("\u001b[32mline 0\u001b[0m\n")).toBe(true);
    expect(terminal.writes[2]).toBe("next\nand next\n");
  });

  it("follows output until the user scrolls up, and offers to jump back", async () => {
    const { terminal, log } = await renderLog();
    const user = userEvent.setup();
    await inTask(() => log.append("a\n"));
    expect(terminal.scrolledToBottom).toBe(1);
    await inTask(() => terminal.scrollTo(0, 50));
    await inTask(() => log.append("b\n"));
    expect(terminal.scrolledToBottom).toBe(1);
    await user.click(screen.getByRole("button", { name: "Jump to latest" }));
    expect(terminal.scrolledToBottom).toBe(2);
    expect(screen.queryByRole("button", { name: "Jump to latest" })).not.toBeInTheDocument();
    await inTask(() => log.append("c\n"));
    expect(terminal.scrolledToBottom).toBe(3);
  });

  it("clears the terminal when a new build starts", async () => {
    const { terminal, log } = await renderLog();
    await inTask(() => log.append("old\n"));
    await inTask(() => log.clear());
    await inTask(() => log.append("new\n"));
    expect(terminal.clears).toBe(1);
    expect(terminal.text).toBe("new\n");
  });

  describe("a hostile log (a repository's build prints control sequences)", () => {
    const HOSTILE =
      "Step 1/3 : FROM x\n\u001b[2J\u001b[H\u001b]0;title\u0007\u001b[32mBuild succeeded!\u001b[0m\n\u001b]52;c;cm0gLXJm\u0007";
    const CLEANED = "Step 1/3 : FROM x\n\u001b[32mBuild succeeded!\u001b[0m\n";

    it("reaches the terminal with only its text and colours", async () => {
      const { log, terminal } = await renderLog();
      await inTask(() => log.append(HOSTILE));
      expect(terminal.text).toBe(CLEANED);
    });

    it("is copied and downloaded cleaned the same way", async () => {
      const user = userEvent.setup();
      const writeText = vi.spyOn(navigator.clipboard, "writeText").mockResolvedValue();
      const blobs: Blob[] = [];
      URL.createObjectURL = vi.fn((blob: Blob) => {
        blobs.push(blob);
        return "blob:log";
      });
      URL.revokeObjectURL = vi.fn();
      vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
      const { log } = await renderLog();
      await inTask(() => log.append(HOSTILE));
      await user.click(screen.getByRole("button", { name: "Copy log" }));
      expect(writeText).toHaveBeenCalledWith(CLEANED);
      await user.click(screen.getByRole("button", { name: "Download log" }));
      expect(await blobs[0]?.text()).toBe(CLEANED);
    });
  });

  it("copies the log with its colours and carriage returns", async () => {
    const user = userEvent.setup();
    const writeText = vi.spyOn(navigator.clipboard, "writeText").mockResolvedValue();
    const { log } = await renderLog();
    await inTask(() => log.append("\u001b[31mred\u001b[0m\nFetching...\r"));
    await user.click(screen.getByRole("button", { name: "Copy log" }));
    expect(writeText).toHaveBeenCalledWith("\u001b[31mred\u001b[0m\nFetching...\r");
    expect(await screen.findByText("Log copied.")).toBeInTheDocument();
  });

  it("downloads the log as a file", async () => {
    const user = userEvent.setup();
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return "blob:log";
    });
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      expect(this.download).toBe("gh-org-repo.log");
    });
    const { log } = await renderLog();
    await inTask(() => log.append("line\n"));
    await user.click(screen.getByRole("button", { name: "Download log" }));
    expect(click).toHaveBeenCalledOnce();
    expect(await blobs[0]?.text()).toBe("line\n");
  });

  it("says when the log is longer than the terminal keeps, until a new build clears it", async () => {
    const { log } = await renderLog();
    const notice = /terminal keeps the last 10,000, and Copy log and Download log have all of it/;
    await inTask(() => log.append("line\n".repeat(TERMINAL_SCROLLBACK)));
    expect(screen.queryByText(notice)).not.toBeInTheDocument();
    await inTask(() => log.append("one more\n"));
    expect(screen.getByText(notice)).toHaveTextContent("The log has more than 10,000 lines");
    await inTask(() => log.clear());
    expect(screen.queryByText(notice)).not.toBeInTheDocument();
  });

  it("says so when the terminal cannot load, and keeps copy and download", async () => {
    render(
      <BuildLog
        log={new BuildLogBuffer()}
        loadTerminal={() => Promise.reject(new Error("chunk failed"))}
      />,
    );
    expect(await screen.findByText(/log viewer could not load/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Download log" })).toBeEnabled();
  });

  it("disposes the terminal on unmount", async () => {
    const { terminal, unmount } = await renderLog();
    unmount();
    expect(terminal.disposed).toBe(true);
  });
});
