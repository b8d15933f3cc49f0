import { AppError } from '../shared/errors.js';
import type { Now } from './clock.js';

/**
 * Sliding-window counters kept in memory. Enough for one server process; a deployment
 * with several processes would move these into a shared store behind the same methods.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly now: Now) {}

  /**
   * Throws RATE_LIMITED if `key` already has `limit` hits in the last `windowSeconds`;
   * otherwise records a hit.
   */
  hit(key: string, limit: number, windowSeconds: number): void {
    const wait = this.waitSeconds(key, limit, windowSeconds);
    if (wait > 0) throw rateLimited(wait);
    this.record(key);
  }

  /** Seconds until `key` may be hit again, 0 if now. */
  waitSeconds(key: string, limit: number, windowSeconds: number): number {
    const now = this.now();
    const windowMs = windowSeconds * 1000;
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs);
    this.store(key, list);
    if (list.length < limit) return 0;
    const oldest = list[list.length - limit] ?? now;
    return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
  }

  /** Seconds since the last hit on `key`, or Infinity. */
  sinceLast(key: string): number {
    const list = this.hits.get(key);
    const last = list?.[list.length - 1];
    return last === undefined ? Infinity : (this.now() - last) / 1000;
  }

  record(key: string): void {
    const list = this.hits.get(key) ?? [];
    list.push(this.now());
    this.store(key, list);
  }

  /** Takes back the latest hit, for an attempt that failed on our side (a delivery error). */
  undo(key: string): void {
    this.hits.get(key)?.pop();
  }

  private store(key: string, list: number[]): void {
    if (list.length === 0) this.hits.delete(key);
    else this.hits.set(key, list);
    // Bound memory under a flood of distinct keys: drop the oldest-inserted entries.
    if (this.hits.size > 100_000) {
      const first = this.hits.keys().next();
      if (!first.done) this.hits.delete(first.value);
    }
  }
}

export function rateLimited(retryAfter: number): AppError {
  return new AppError('RATE_LIMITED', 'Too many attempts. Try again later.', { retryAfter });
}
