/**
 * The one retry schedule of the clients (uploads, the sync loop, the web version's live
 * stream): exponential backoff with jitter. Delays grow base, 2×base, 4×base... up to
 * max, and each is drawn from [d/2, d) ("equal jitter"), so many clients cut off by the
 * same outage do not all come back in the same second, yet none retries much sooner
 * than planned. `random` is injectable so tests are exact.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** A number in [0, 1): Math.random in production, a fixed sequence in tests. */
  random: () => number;
}

export class Backoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const exp = Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(this.failures, 30));
    this.failures += 1;
    return Math.round(exp / 2 + (exp / 2) * this.options.random());
  }

  /** After a success: the next failure waits the shortest delay again. */
  reset(): void {
    this.failures = 0;
  }

  /** Failures counted since the last reset. */
  get attempts(): number {
    return this.failures;
  }
}
