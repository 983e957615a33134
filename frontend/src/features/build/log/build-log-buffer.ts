/**
 * The build's log, outside React state: a 50,000-line log must not re-render the page per line.
 * The hook appends to it; the terminal subscribes; copy and download read `text()`. Text is
 * cleaned as it is appended (log-cleaner.ts), so nothing a repository prints can drive the
 * terminal, the clipboard, or the terminal a downloaded log is later shown in.
 */
import { LogCleaner } from "./log-cleaner.ts";

export type BuildLogChange = { type: "append"; text: string } | { type: "clear" };

export class BuildLogBuffer {
  private chunks: string[] = [];
  private joined: string | null = "";
  private lineFeeds = 0;
  private cleaner = new LogCleaner();
  private readonly listeners = new Set<(change: BuildLogChange) => void>();

  append(raw: string): void {
    const text = this.cleaner.push(raw);
    if (text === "") return;
    this.chunks.push(text);
    this.joined = null;
    for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) this.lineFeeds++;
    for (const listener of this.listeners) listener({ type: "append", text });
  }

  clear(): void {
    this.chunks = [];
    this.cleaner = new LogCleaner();
    this.joined = "";
    this.lineFeeds = 0;
    for (const listener of this.listeners) listener({ type: "clear" });
  }

  /** Everything so far, cleaned (colours and `\r` kept). */
  text(): string {
    this.joined ??= this.chunks.join("");
    return this.joined;
  }

  /** How many lines the log has ended so far (its line feeds). */
  get lineCount(): number {
    return this.lineFeeds;
  }

  get isEmpty(): boolean {
    return this.chunks.length === 0;
  }

  subscribe(listener: (change: BuildLogChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
