/**
 * Whether the log view follows new output. It does while the viewport is at the bottom; scrolling
 * up stops it, and scrolling back to the bottom (or "Jump to latest") resumes it.
 */
export class ScrollFollower {
  private followingNow = true;
  private readonly listeners = new Set<(following: boolean) => void>();

  get following(): boolean {
    return this.followingNow;
  }

  /** The viewport moved: `viewportY` is its first line, `baseY` the first line of the bottom page. */
  viewportChanged(viewportY: number, baseY: number): void {
    this.set(viewportY >= baseY);
  }

  /** After output was written: true when the view should be brought to the bottom. */
  shouldScrollAfterWrite(): boolean {
    return this.followingNow;
  }

  resume(): void {
    this.set(true);
  }

  subscribe(listener: (following: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(following: boolean): void {
    if (following === this.followingNow) return;
    this.followingNow = following;
    for (const listener of this.listeners) listener(following);
  }
}
