import type pg from 'pg';
import type { RateCounters, RateEntry, RateLimitStore } from '../types.js';
import { clientRunner, poolRunner, type Runner } from './conn.js';

/** The counters' table (created with the schema, postgres/migrate.ts) over one runner. */
class PgRateCounters implements RateCounters {
  constructor(private readonly db: Runner) {}

  /** In a transaction the key stays locked: a check and the hit it allows are one step for every instance. */
  async get(key: string): Promise<RateEntry | undefined> {
    await this.db.lock(`rate:${key}`);
    const row = (
      await this.db.rows<{ times: string; windowMs: number }>(
        'SELECT times, window_ms AS "windowMs" FROM rate_hits WHERE key = $1',
        [key],
      )
    )[0];
    return row ? { times: JSON.parse(row.times) as number[], windowMs: row.windowMs } : undefined;
  }
  async put(key: string, entry: RateEntry): Promise<void> {
    const last = entry.times[entry.times.length - 1] ?? 0;
    await this.db.count(
      `INSERT INTO rate_hits (key, times, window_ms, last) VALUES ($1, $2, $3, $4)
        ON CONFLICT (key) DO UPDATE SET times = excluded.times, window_ms = excluded.window_ms, last = excluded.last`,
      [key, JSON.stringify(entry.times), entry.windowMs, last],
    );
  }
  async delete(key: string): Promise<void> {
    await this.db.count('DELETE FROM rate_hits WHERE key = $1', [key]);
  }
  async sweep(now: number): Promise<void> {
    await this.db.count('DELETE FROM rate_hits WHERE last <= $1 - window_ms', [now]);
  }
  async count(): Promise<number> {
    return (await this.db.rows<{ n: number }>('SELECT count(*) AS n FROM rate_hits'))[0]!.n;
  }
}

/**
 * The rate limiter's counters in PostgreSQL, shared by every server instance on the
 * database: a client cannot multiply its tries by the number of instances. A transaction
 * locks each key it reads (an advisory lock until commit), so two instances cannot both
 * take a key's last try. Its own small pool: a counter check never waits for a
 * connection that the store's transactions hold.
 */
export class PgRateLimitStore implements RateLimitStore {
  private readonly outside: PgRateCounters;

  constructor(private readonly pool: pg.Pool) {
    this.outside = new PgRateCounters(poolRunner(pool));
  }

  async transaction<T>(fn: (counters: RateCounters) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let open = true;
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(new PgRateCounters(clientRunner(client, true, () => open)));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      open = false;
      client.release(broken);
    }
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
    void this.pool.end();
  }
}
