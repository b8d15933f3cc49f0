import net from 'node:net';
import { AppError } from '../shared/errors.js';
import type { Now } from './clock.js';

export interface RateLimiterOptions {
  /**
   * Client addresses the per-IP limits do not apply to (a load test's loopback address);
   * limits per phone number, per e-mail address and per account still do.
   */
  exemptIps?: readonly string[];
  /** Most keys kept at once (default 200,000); see `room`. */
  maxKeys?: number;
}

/**
 * Sliding-window counters kept in memory. Enough for one server process; a deployment
 * with several processes would move these into a shared store behind the same methods.
 */
export class RateLimiter {
  /** Per key: its hits (oldest first) and the longest window it was checked against. */
  private readonly hits = new Map<string, { times: number[]; windowMs: number }>();
  private readonly exempt: ReadonlySet<string>;
  private readonly maxKeys: number;
  private lastSweep = -Infinity;

  constructor(
    private readonly now: Now,
    options: RateLimiterOptions = {},
  ) {
    this.exempt = new Set((options.exemptIps ?? []).map(clientNetwork));
    this.maxKeys = options.maxKeys ?? 200_000;
  }

  /**
   * The key counting a client address for `purpose`, or null when the address is exempt.
   * An IPv6 client is counted by its /64 network: one host usually holds a whole /64, so
   * counting single addresses would let it step around any per-IP limit.
   */
  ipKey(purpose: string, ip: string): string | null {
    const network = clientNetwork(ip);
    return this.exempt.has(network) ? null : `${purpose}:${network}`;
  }

  /**
   * Throws RATE_LIMITED if `key` already has `limit` hits in the last `windowSeconds`;
   * otherwise records a hit. A null key (an exempt address) is never limited.
   */
  hit(key: string | null, limit: number, windowSeconds: number): void {
    if (key === null) return;
    const wait = this.waitSeconds(key, limit, windowSeconds);
    if (wait > 0) throw rateLimited(wait);
    this.record(key, windowSeconds);
  }

  /** Seconds until `key` may be hit again, 0 if now (always 0 for a null key). */
  waitSeconds(key: string | null, limit: number, windowSeconds: number): number {
    if (key === null) return 0;
    const now = this.now();
    const windowMs = windowSeconds * 1000;
    const entry = this.hits.get(key);
    if (!entry) {
      // A key the table has no room for could not be counted, so it is refused rather
      // than let through uncounted (fail closed); see `room`.
      return limit > 0 && this.room() ? 0 : Math.max(1, windowSeconds);
    }
    entry.windowMs = Math.max(entry.windowMs, windowMs);
    const times = entry.times.filter((t) => t > now - windowMs);
    if (times.length === 0) {
      this.hits.delete(key);
      return limit > 0 ? 0 : Math.max(1, windowSeconds);
    }
    entry.times = times;
    if (times.length < limit) return 0;
    const oldest = times[times.length - limit] ?? now;
    return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
  }

  /** Seconds since the last hit on `key`, or Infinity. */
  sinceLast(key: string | null): number {
    const times = key === null ? undefined : this.hits.get(key)?.times;
    const last = times?.[times.length - 1];
    return last === undefined ? Infinity : (this.now() - last) / 1000;
  }

  /** Records a hit on `key`, which counts for `windowSeconds` (the window it is checked against). */
  record(key: string | null, windowSeconds: number): void {
    if (key === null) return;
    const entry = this.hits.get(key);
    if (entry) {
      entry.times.push(this.now());
      entry.windowMs = Math.max(entry.windowMs, windowSeconds * 1000);
    } else if (this.room()) {
      this.hits.set(key, { times: [this.now()], windowMs: windowSeconds * 1000 });
    }
  }

  /** Takes back the latest hit, for an attempt that failed on our side (a delivery error). */
  undo(key: string | null): void {
    const entry = key === null ? undefined : this.hits.get(key);
    entry?.times.pop();
    if (entry?.times.length === 0) this.hits.delete(key!);
  }

  /**
   * Whether a new key fits. Memory is bounded under a flood of distinct keys, but never by
   * forgetting a key that still counts: that would reset its limit before its window ends
   * (a flood of fresh addresses would wipe a phone number's count of wrong codes). Keys
   * whose last hit is older than their window are swept (at most once a second); if the
   * table is still full, new keys wait (`waitSeconds` refuses them) until old ones expire.
   */
  private room(): boolean {
    if (this.hits.size < this.maxKeys) return true;
    const now = this.now();
    if (now - this.lastSweep >= 1000) {
      this.lastSweep = now;
      for (const [key, entry] of this.hits) {
        const last = entry.times[entry.times.length - 1];
        if (last === undefined || last <= now - entry.windowMs) this.hits.delete(key);
      }
    }
    return this.hits.size < this.maxKeys;
  }
}

/**
 * The address a client is counted by: IPv4 as it is (also when written IPv4-mapped,
 * `::ffff:203.0.113.5`), IPv6 as its /64 network (`2001:db8:1:2::/64`).
 */
export function clientNetwork(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (net.isIPv6(ip)) return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
  return ip;
}

/** The eight groups of an IPv6 address, without leading zeros (`::1` → 0,0,0,0,0,0,0,1). */
function expandIpv6(ip: string): string[] {
  const bare = ip.split('%')[0]!.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4 is handled above; 64:ff9b::1.2.3.4 is not).
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(bare);
  const text = v4
    ? bare.slice(0, v4.index) +
      [(Number(v4[1]) << 8) | Number(v4[2]), (Number(v4[3]) << 8) | Number(v4[4])]
        .map((n) => n.toString(16))
        .join(':')
    : bare;
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => parseInt(g, 16).toString(16));
}

export function rateLimited(retryAfter: number): AppError {
  return new AppError('RATE_LIMITED', 'Too many attempts. Try again later.', { retryAfter });
}
