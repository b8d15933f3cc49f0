import net from 'node:net';
import Database from 'better-sqlite3';
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
  /**
   * The file the counters live in, shared by every server process on the same data
   * directory and kept across restarts; without it, a database in memory (one process).
   */
  file?: string;
  /** The better-sqlite3 addon built for Electron, when the server runs inside it. */
  nativeBinding?: string;
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

interface Entry {
  /** Its hits (oldest first). */
  times: number[];
  /** The longest window it was checked against. */
  windowMs: number;
}

/**
 * Sliding-window counters in SQLite: one row per key with its recent hits. Kept in a file
 * of their own beside the server database, written without waiting for the disk (a
 * counter lost with the power is harmless, and the main database's writer is never
 * held up by them), and shared by every process on the data directory: a client cannot
 * multiply its tries by the number of server processes, nor reset them by a restart.
 */
export class RateLimiter {
  private readonly db: Database.Database;
  private readonly s;
  private readonly exempt: ReadonlySet<string>;
  private readonly maxKeys: number;
  /** Keys in the table, as last counted (and since added by this process). */
  private keys: number;
  private lastSweep = -Infinity;
  private lastCount = -Infinity;

  constructor(
    private readonly now: Now,
    options: RateLimiterOptions = {},
  ) {
    this.exempt = new Set((options.exemptIps ?? []).map(clientNetwork));
    this.maxKeys = options.maxKeys ?? 200_000;
    this.db = new Database(
      options.file ?? ':memory:',
      options.nativeBinding ? { nativeBinding: options.nativeBinding } : {},
    );
    if (options.file) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = OFF');
      this.db.pragma('busy_timeout = 5000');
    }
    this.db.exec(`CREATE TABLE IF NOT EXISTS rate_hits (
      key TEXT PRIMARY KEY,
      times TEXT NOT NULL,
      window_ms INTEGER NOT NULL,
      last INTEGER NOT NULL
    ) WITHOUT ROWID`);
    this.s = {
      get: this.db.prepare<[string], { times: string; windowMs: number }>(
        'SELECT times, window_ms AS windowMs FROM rate_hits WHERE key = ?',
      ),
      put: this.db.prepare<[string, string, number, number]>(
        `INSERT INTO rate_hits (key, times, window_ms, last) VALUES (?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET times = excluded.times, window_ms = excluded.window_ms, last = excluded.last`,
      ),
      delete: this.db.prepare<[string]>('DELETE FROM rate_hits WHERE key = ?'),
      sweep: this.db.prepare<[number]>('DELETE FROM rate_hits WHERE last <= ? - window_ms'),
      count: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM rate_hits'),
    };
    this.keys = this.s.count.get()!.n;
    this.checkAndHit = this.db.transaction((key: string, limit: number, windowSeconds: number) => {
      const seconds = this.waitSeconds(key, limit, windowSeconds);
      if (seconds === 0) this.record(key, windowSeconds);
      return seconds;
    });
    this.checkAndHitEscalating = this.db.transaction((key: string, e: Escalation) => {
      const seconds = this.escalatedWait(key, e);
      if (seconds === 0) this.record(key, e.windowSeconds);
      return seconds;
    });
  }

  /** `hit`'s check and record, as one transaction. */
  private readonly checkAndHit: Database.Transaction<
    (key: string, limit: number, windowSeconds: number) => number
  >;
  /** `hitEscalating`'s check and record, as one transaction. */
  private readonly checkAndHitEscalating: Database.Transaction<(key: string, e: Escalation) => number>;

  close(): void {
    this.db.close();
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
  hit(key: string | null, limit: number, windowSeconds: number): void {
    if (key === null) return;
    const wait = this.checkAndHit.immediate(key, limit, windowSeconds);
    if (wait > 0) throw rateLimited(wait);
  }

  /** Seconds until `key` may be hit again, 0 if now (always 0 for a null key). */
  waitSeconds(key: string | null, limit: number, windowSeconds: number): number {
    if (key === null) return 0;
    const now = this.now();
    const windowMs = windowSeconds * 1000;
    const entry = this.entry(key);
    if (!entry) {
      // A key the table has no room for could not be counted, so it is refused rather
      // than let through uncounted (fail closed); see `room`.
      return limit > 0 && this.room() ? 0 : Math.max(1, windowSeconds);
    }
    const times = entry.times.filter((t) => t > now - windowMs);
    if (times.length === 0) {
      this.s.delete.run(key);
      this.keys = Math.max(0, this.keys - 1);
      return limit > 0 ? 0 : Math.max(1, windowSeconds);
    }
    const widest = Math.max(entry.windowMs, windowMs);
    if (times.length !== entry.times.length || widest !== entry.windowMs)
      this.save(key, { times, windowMs: widest });
    if (times.length < limit) return 0;
    const oldest = times[times.length - limit] ?? now;
    return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
  }

  /**
   * Throws RATE_LIMITED if `key`'s next hit must still wait under `e`; otherwise records
   * one. Check and hit are one transaction, as in `hit`. A null key is never limited.
   */
  hitEscalating(key: string | null, e: Escalation): void {
    if (key === null) return;
    const wait = this.checkAndHitEscalating.immediate(key, e);
    if (wait > 0) throw rateLimited(wait);
  }

  /** Seconds until `key` may be hit again under `e`, 0 if now (always 0 for a null key). */
  escalatedWait(key: string | null, e: Escalation): number {
    if (key === null) return 0;
    // Drops the hits that left the window (and refuses a key there is no room for).
    const full = this.waitSeconds(key, Number.POSITIVE_INFINITY, e.windowSeconds);
    if (full > 0) return full;
    const times = this.entry(key)?.times ?? [];
    const last = times[times.length - 1];
    if (last === undefined) return 0;
    const waitMs = last + escalatedDelay(e, times.length) * 1000 - this.now();
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : 0;
  }

  /** Seconds since the last hit on `key`, or Infinity. */
  sinceLast(key: string | null): number {
    const times = key === null ? undefined : this.entry(key)?.times;
    const last = times?.[times.length - 1];
    return last === undefined ? Infinity : (this.now() - last) / 1000;
  }

  /** Records a hit on `key`, which counts for `windowSeconds` (the window it is checked against). */
  record(key: string | null, windowSeconds: number): void {
    if (key === null) return;
    const entry = this.entry(key);
    if (entry) {
      entry.times.push(this.now());
      this.save(key, { times: entry.times, windowMs: Math.max(entry.windowMs, windowSeconds * 1000) });
    } else if (this.room()) {
      this.save(key, { times: [this.now()], windowMs: windowSeconds * 1000 });
      this.keys += 1;
    }
  }

  /** Takes back the latest hit, for an attempt that failed on our side (a delivery error). */
  undo(key: string | null): void {
    const entry = key === null ? undefined : this.entry(key);
    if (!entry) return;
    entry.times.pop();
    if (entry.times.length > 0) {
      this.save(key!, entry);
    } else {
      this.s.delete.run(key!);
      this.keys = Math.max(0, this.keys - 1);
    }
  }

  private entry(key: string): Entry | undefined {
    const row = this.s.get.get(key);
    return row ? { times: JSON.parse(row.times) as number[], windowMs: row.windowMs } : undefined;
  }

  private save(key: string, entry: Entry): void {
    const last = entry.times[entry.times.length - 1] ?? 0;
    this.s.put.run(key, JSON.stringify(entry.times), entry.windowMs, last);
  }

  /**
   * Whether a new key fits. Room is bounded under a flood of distinct keys, but never by
   * forgetting a key that still counts: that would reset its limit before its window ends
   * (a flood of fresh addresses would wipe a phone number's count of wrong codes). Keys
   * whose last hit is older than their window are swept (at most once a second, when the
   * table looks full, and the keys counted again, other processes' included); if the
   * table is still full, new keys wait (`waitSeconds` refuses them) until old ones expire.
   */
  private room(): boolean {
    const now = this.now();
    // Other processes add and remove keys too: count again now and then.
    if (now - this.lastCount >= 10_000) {
      this.lastCount = now;
      this.keys = this.s.count.get()!.n;
    }
    if (this.keys < this.maxKeys) return true;
    if (now - this.lastSweep >= 1000) {
      this.lastSweep = now;
      this.s.sweep.run(now);
      this.keys = this.s.count.get()!.n;
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
