import Database from 'better-sqlite3';
import type { RateEntry, RateLimitStore } from '../types.js';

/**
 * The rate limiter's counters in SQLite: one row per key with its recent hits. Kept in a
 * file of their own beside the server database, written without waiting for the disk (a
 * counter lost with the power is harmless, and the main database's writer is never held
 * up by them), and shared by every process on the data directory. Without a file, a
 * database in memory (one process).
 */
export class SqliteRateLimitStore implements RateLimitStore {
  private readonly db: Database.Database;
  private readonly s;

  constructor(options: { file?: string; nativeBinding?: string } = {}) {
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
  }

  get(key: string): RateEntry | undefined {
    const row = this.s.get.get(key);
    return row ? { times: JSON.parse(row.times) as number[], windowMs: row.windowMs } : undefined;
  }

  put(key: string, entry: RateEntry): void {
    const last = entry.times[entry.times.length - 1] ?? 0;
    this.s.put.run(key, JSON.stringify(entry.times), entry.windowMs, last);
  }

  delete(key: string): void {
    this.s.delete.run(key);
  }

  sweep(now: number): void {
    this.s.sweep.run(now);
  }

  count(): number {
    return this.s.count.get()!.n;
  }

  atomic<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => T {
    // The IMMEDIATE variant itself: no wrapper between the limiter and better-sqlite3.
    return this.db.transaction(fn).immediate;
  }

  close(): void {
    this.db.close();
  }
}
