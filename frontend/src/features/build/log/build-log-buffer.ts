/**
 * The build's raw log, outside React state: a 50,000-line log must not re-render the page per
 * line. The hook appends to it; the terminal subscribes; copy and download read `text()`.
 */
export type BuildLogChange = { type: "append"; text: string } | { type: "clear" };

export class BuildLogBuffer {
  private chunks: string[] = [];
  private joined: string | null = "";
  private readonly listeners = new Set<(change: BuildLogChange) => void>();

  append(text: string): void {
    if (text === "") return;
    this.chunks.push(text);
    this.joined = null;
    for (const listener of this.listeners) listener({ type: "append", text });
  }

  clear(): void {
    this.chunks = [];
    this.joined = "";
    for (const listener of this.listeners) listener({ type: "clear" });
  }

  /** Everything so far, exactly as BinderHub sent it (ANSI colours and `\r` included). */
  text(): string {
    this.joined ??= this.chunks.join("");
    return this.joined;
  }

  get isEmpty(): boolean {
    return this.chunks.length === 0;
  }

  subscribe(listener: (change: BuildLogChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
