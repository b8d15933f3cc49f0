import type pg from 'pg';
import { AppError } from '../../../shared/errors.js';

export interface PgMigration {
  /** 1, 2, 3...: the same numbers as the SQLite migrations (store/migrations). */
  version: number;
  name: string;
  /** Runs inside the migration's transaction, on its client. */
  up(client: pg.PoolClient): Promise<void>;
}

/** Which migrations have run: one row each (PostgreSQL has no `user_version`). */
const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Every instance starting at once migrates one after the other (a transaction-level advisory lock). */
const MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('sferum:migrate', 0))";

/**
 * The rate limiter's counters: outside the numbered schema, as in SQLite (where they have
 * a file of their own). UNLOGGED: written without the write-ahead log, as SQLite writes
 * them without waiting for the disk; a crash empties the table, which only forgets tries.
 */
const RATE_HITS = `CREATE UNLOGGED TABLE IF NOT EXISTS rate_hits (
  key text PRIMARY KEY,
  times text NOT NULL,
  window_ms bigint NOT NULL,
  last bigint NOT NULL
)`;

export function checkOrder(migrations: readonly PgMigration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`Migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
}

export async function schemaVersion(on: Pick<pg.Pool, 'query'>): Promise<number> {
  const exists = await on.query<{ t: string | null }>("SELECT to_regclass('schema_migrations') AS t");
  if (!exists.rows[0]?.t) return 0;
  const row = await on.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return row.rows[0]?.v ?? 0;
}

/**
 * Runs every pending migration (up to `to`, for tests) in one transaction, holding the
 * migration lock: a crash half-way leaves the database as it was, and two instances
 * starting together do not both migrate. A database written by newer code is refused.
 */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly PgMigration[],
  to = migrations.length,
): Promise<void> {
  checkOrder(migrations);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      await client.query(MIGRATION_LOCK);
      await client.query(VERSION_TABLE);
      await client.query(RATE_HITS);
      const current = await schemaVersion(client);
      if (current > migrations.length) {
        throw new AppError(
          'DB_TOO_NEW',
          `The database is at schema version ${current}, newer than this server (${migrations.length}). Update the server.`,
          { status: 500 },
        );
      }
      for (const m of migrations.filter((m) => m.version > current && m.version <= to)) {
        await m.up(client);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  } finally {
    client.release();
  }
}
