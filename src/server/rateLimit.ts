import net from 'node:net';
import { AppError } from '../shared/errors.js';
import type { Now } from './clock.js';
import type { RateCounters, RateLimitStore } from './store/types.js';

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
 * A wait that grows with use: every hit waits `minDelaySeconds` after the one before; once
 * `free` hits are in the window, the next waits `firstDelaySeconds`, and each further one
 * twice the one before, up to `maxDelaySeconds`. Nothing is ever refused for longer than
 * that: as hits leave the window, the waits shrink again.
 */
export interface Escalation {
  minDelaySeconds: number;
  free: number;
  firstDelaySeconds: number;
  maxDelaySeconds: number;
  windowSeconds: number;
}

/** Seconds a hit waits after the latest one when `count` hits are in the window. */
export function escalatedDelay(e: Escalation, count: number): number {
  if (count === 0) return 0;
  const grown = count < e.free ? 0 : Math.min(e.maxDelaySeconds, e.firstDelaySeconds * 2 ** (count - e.free));
  return Math.max(e.minDelaySeconds, grown);
}

/**
 * Sliding-window counters over the store's rate-limit table, which every process on the
 * data directory shares: a client cannot multiply its tries by the number of server
 * processes, nor reset them by a restart.
 */
export class RateLimiter {
  private readonly exempt: ReadonlySet<string>;
  private readonly maxKeys: number;
  /** Keys in the table, as last counted (and since added by this process). */
  private keys = 0;
  private lastSweep = -Infinity;
  private lastCount = -Infinity;

  constructor(
    private readonly now: Now,
    private readonly counters: RateLimitStore,
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
   * otherwise records a hit. A null key (an exempt address) is never limited. The check
   * and the hit are one transaction, so two processes cannot both take the last try.
   */
  async hit(key: string | null, limit: number, windowSeconds: number): Promise<void> {
    if (key === null) return;
    const wait = await this.counters.transaction(async (c) => {
      const seconds = await this.waitIn(c, key, limit, windowSeconds);
      if (seconds === 0) await this.recordIn(c, key, windowSeconds);
      return seconds;
    });
    if (wait > 0) throw rateLimited(wait);
  }

  /** Seconds until `key` may be hit again, 0 if now (always 0 for a null key). */
  async waitSeconds(key: string | null, limit: number, windowSeconds: number): Promise<number> {
    if (key === null) return 0;
    return this.counters.transaction((c) => this.waitIn(c, key, limit, windowSeconds));
  }

  private async waitIn(c: RateCounters, key: string, limit: number, windowSeconds: number): Promise<number> {
    const now = this.now();
    const windowMs = windowSeconds * 1000;
    const entry = await c.get(key);
    if (!entry) {
      // A key the table has no room for could not be counted, so it is refused rather
      // than let through uncounted (fail closed); see `room`.
      return limit > 0 && (await this.room(c)) ? 0 : Math.max(1, windowSeconds);
    }
    const times = entry.times.filter((t) => t > now - windowMs);
    if (times.length === 0) {
      await c.delete(key);
      this.keys = Math.max(0, this.keys - 1);
      return limit > 0 ? 0 : Math.max(1, windowSeconds);
    }
    const widest = Math.max(entry.windowMs, windowMs);
    if (times.length !== entry.times.length || widest !== entry.windowMs)
      await c.put(key, { times, windowMs: widest });
    if (times.length < limit) return 0;
    const oldest = times[times.length - limit] ?? now;
    return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
  }

  /**
   * Throws RATE_LIMITED if `key`'s next hit must still wait under `e`; otherwise records
   * one. Check and hit are one transaction, as in `hit`. A null key is never limited.
   */
  async hitEscalating(key: string | null, e: Escalation): Promise<void> {
    if (key === null) return;
    const wait = await this.counters.transaction(async (c) => {
      const seconds = await this.escalatedIn(c, key, e);
      if (seconds === 0) await this.recordIn(c, key, e.windowSeconds);
      return seconds;
    });
    if (wait > 0) throw rateLimited(wait);
  }

  /** Seconds until `key` may be hit again under `e`, 0 if now (always 0 for a null key). */
  async escalatedWait(key: string | null, e: Escalation): Promise<number> {
    if (key === null) return 0;
    return this.counters.transaction((c) => this.escalatedIn(c, key, e));
  }

  private async escalatedIn(c: RateCounters, key: string, e: Escalation): Promise<number> {
    // Drops the hits that left the window (and refuses a key there is no room for).
    const full = await this.waitIn(c, key, Number.POSITIVE_INFINITY, e.windowSeconds);
    if (full > 0) return full;
    const times = (await c.get(key))?.times ?? [];
    const last = times[times.length - 1];
    if (last === undefined) return 0;
    const waitMs = last + escalatedDelay(e, times.length) * 1000 - this.now();
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : 0;
  }

  /** Seconds since the last hit on `key`, or Infinity. */
  async sinceLast(key: string | null): Promise<number> {
    const times = key === null ? undefined : (await this.counters.get(key))?.times;
    const last = times?.[times.length - 1];
    return last === undefined ? Infinity : (this.now() - last) / 1000;
  }

  /** Records a hit on `key`, which counts for `windowSeconds` (the window it is checked against). */
  async record(key: string | null, windowSeconds: number): Promise<void> {
    if (key === null) return;
    await this.counters.transaction((c) => this.recordIn(c, key, windowSeconds));
  }

  private async recordIn(c: RateCounters, key: string, windowSeconds: number): Promise<void> {
    const entry = await c.get(key);
    if (entry) {
      entry.times.push(this.now());
      await c.put(key, {
        times: entry.times,
        windowMs: Math.max(entry.windowMs, windowSeconds * 1000),
      });
    } else if (await this.room(c)) {
      await c.put(key, { times: [this.now()], windowMs: windowSeconds * 1000 });
      this.keys += 1;
    }
  }

  /** Takes back the latest hit, for an attempt that failed on our side (a delivery error). */
  async undo(key: string | null): Promise<void> {
    if (key === null) return;
    await this.counters.transaction(async (c) => {
      const entry = await c.get(key);
      if (!entry) return;
      entry.times.pop();
      if (entry.times.length > 0) {
        await c.put(key, entry);
      } else {
        await c.delete(key);
        this.keys = Math.max(0, this.keys - 1);
      }
    });
  }

  /**
   * Whether a new key fits. Room is bounded under a flood of distinct keys, but never by
   * forgetting a key that still counts: that would reset its limit before its window ends
   * (a flood of fresh addresses would wipe a phone number's count of wrong codes). Keys
   * whose last hit is older than their window are swept (at most once a second, when the
   * table looks full, and the keys counted again, other processes' included); if the
   * table is still full, new keys wait (`waitSeconds` refuses them) until old ones expire.
   */
  private async room(c: RateCounters): Promise<boolean> {
    const now = this.now();
    // Other processes add and remove keys too: count again now and then.
    if (now - this.lastCount >= 10_000) {
      this.lastCount = now;
      this.keys = await c.count();
    }
    if (this.keys < this.maxKeys) return true;
    if (now - this.lastSweep >= 1000) {
      this.lastSweep = now;
      await c.sweep(now);
      this.keys = await c.count();
    }
    return this.keys < this.maxKeys;
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
