/**
 * Exponential backoff with jitter: base, 2×base, 4×base... capped at max. The delay is
 * drawn from [d/2, d) ("equal jitter") so that many clients cut off by the same outage
 * do not all come back in the same second, yet none retries much sooner than planned.
 */
export class Backoff {
  private failures = 0;

  constructor(private readonly options: { baseMs: number; maxMs: number; random: () => number }) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const exp = Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(this.failures, 30));
    this.failures += 1;
    return Math.round(exp / 2 + (exp / 2) * this.options.random());
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
