import Database from 'better-sqlite3';
import type { RateCounters, RateEntry, RateLimitStore } from '../types.js';
import { repoFacade, sqliteTransactions, type Sync } from './sync.js';

/** The counters' table as plain synchronous calls over prepared statements. */
class SqliteRateCounters implements Sync<RateCounters> {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      get: db.prepare<[string], { times: string; windowMs: number }>(
        'SELECT times, window_ms AS windowMs FROM rate_hits WHERE key = ?',
      ),
      put: db.prepare<[string, string, number, number]>(
        `INSERT INTO rate_hits (key, times, window_ms, last) VALUES (?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET times = excluded.times, window_ms = excluded.window_ms, last = excluded.last`,
      ),
      delete: db.prepare<[string]>('DELETE FROM rate_hits WHERE key = ?'),
      sweep: db.prepare<[number]>('DELETE FROM rate_hits WHERE last <= ? - window_ms'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM rate_hits'),
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
}

/**
 * The rate limiter's counters in SQLite: one row per key with its recent hits. Kept in a
 * file of their own beside the server database, written without waiting for the disk (a
 * counter lost with the power is harmless, and the main database's writer is never held
 * up by them), and shared by every process on the data directory. Without a file, a
 * database in memory (one process). Its one connection takes turns like the main store's
 * (sqlite/sync.ts).
 */
export class SqliteRateLimitStore implements RateLimitStore {
  private readonly db: Database.Database;
  private readonly outside: RateCounters;
  readonly transaction: RateLimitStore['transaction'];

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
    const turns = sqliteTransactions(this.db, repoFacade<RateCounters>(new SqliteRateCounters(this.db)));
    this.outside = turns.outside;
    this.transaction = turns.transaction;
  }

  get(key: string): Promise<RateEntry | undefined> {
    return this.outside.get(key);
  }

  put(key: string, entry: RateEntry): Promise<void> {
    return this.outside.put(key, entry);
  }

  delete(key: string): Promise<void> {
    return this.outside.delete(key);
  }

  sweep(now: number): Promise<void> {
    return this.outside.sweep(now);
  }

  count(): Promise<number> {
    return this.outside.count();
  }

  close(): void {
    this.db.close();
  }
}
