import pg from 'pg';
import { TransactionEndedError } from '../sqlite/sync.js';
import type { Repos, Store, Tx } from '../types.js';
import { PgAccountStore } from './accounts.js';
import { PgChatStore } from './chats.js';
import { clientRunner, pgTypes, poolRunner, type Runner } from './conn.js';
import { PgDocumentRepo } from './documents.js';
import { PgFamilyStore } from './family.js';
import { PgFeedStore, PgForeignWrites } from './feed.js';
import { migrate } from './migrate.js';
import { PG_MIGRATIONS } from './migrations/index.js';
import { pgNotifications, type Notifications } from './notify.js';
import { PgOtpStore } from './otp.js';
import { PgRateLimitStore } from './rateLimits.js';
import { PgSessionStore } from './sessions.js';
import { PgSupportStore } from './support.js';
import { PgVkIdStore } from './vkid.js';

/** The PostgreSQL store, with a close that can be awaited (tests drop the database after it). */
export interface PostgresStore extends Store {
  end(): Promise<void>;
  /** NOTIFY/LISTEN between the instances on this database (live events, sync/liveBus.ts). */
  notifications: Notifications;
}

/** A deadlock or a serialization failure: PostgreSQL rolled the transaction back, and running it again is safe. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

function retryable(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && RETRYABLE.has((error as { code?: string }).code ?? '')
  );
}

/** Connections a store's pool opens at most; the rate-limit counters have a few of their own. */
const POOL_MAX = 16;
const RATE_POOL_MAX = 4;

function newPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types: pgTypes, application_name: 'sferum-server' });
  // An idle connection the server lost (a restart of PostgreSQL) is dropped from the pool;
  // the next query opens a new one, or fails with its own error.
  pool.on('error', () => {});
  return pool;
}

/**
 * The server's store on PostgreSQL, behind the same asynchronous contract as SQLite's.
 *
 * Unlike SQLite's one writer, transactions here run side by side, each on its own pooled
 * connection, in READ COMMITTED; the rules that SQLite's single writer kept are kept by
 * locks taken where a check meets the write it allows: the feed's head row (numbers
 * commit in order), the child's row for the two-parent limit, the owner's row for the
 * quota, advisory locks on a mutation id, a free name, a phone number, a client message
 * id (postgres/*.ts). A transaction PostgreSQL aborts for a deadlock between those locks
 * is run again (its function must only write through `tx`, as every caller's does).
 * `read` runs on one REPEATABLE READ snapshot. Calls outside a transaction run at once on
 * the pool (they neither wait for nor join an open transaction).
 *
 * Live events leave after the commit (Feed.write notifies once `transaction` resolves),
 * which is where a NOTIFY to other instances plugs in.
 */
export function createPostgresStore(pool: pg.Pool, ratePool: pg.Pool): PostgresStore {
  let epoch: Promise<string> | null = null;
  const readEpoch = (): Promise<string> =>
    (epoch ??= pool.query<{ value: string }>("SELECT value FROM meta WHERE key = 'epoch'").then((r) => {
      const value = r.rows[0]?.value;
      if (!value) throw new Error('The database has no epoch: migration 0003 did not run');
      return value;
    }));
  const repos = (db: Runner): Repos => ({
    accounts: new PgAccountStore(db),
    otp: new PgOtpStore(db),
    sessions: new PgSessionStore(db),
    feed: new PgFeedStore(db, readEpoch),
    family: new PgFamilyStore(db),
    documents: new PgDocumentRepo(db),
    support: new PgSupportStore(db),
    chats: new PgChatStore(db),
    foreignWrites: new PgForeignWrites(db),
    vkid: new PgVkIdStore(db),
  });
  const rateLimits = new PgRateLimitStore(ratePool);

  async function once<T>(kind: 'write' | 'read', fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let open = false;
    let broken = false;
    let savepoints = 0;
    const tx: Tx = {
      ...repos(clientRunner(client, kind === 'write', () => open)),
      async transaction<R>(inner: (tx: Tx) => Promise<R>): Promise<R> {
        if (!open) throw new TransactionEndedError();
        const name = `nested_${++savepoints}`;
        await client.query(`SAVEPOINT ${name}`);
        try {
          const result = await inner(tx);
          await client.query(`RELEASE SAVEPOINT ${name}`);
          return result;
        } catch (error) {
          if (open) {
            await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
            await client.query(`RELEASE SAVEPOINT ${name}`);
          }
          throw error;
        } finally {
          savepoints--;
        }
      },
    };
    try {
      await client.query(kind === 'write' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      open = true;
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (open) await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      open = false;
      client.release(broken);
    }
  }

  async function run<T>(kind: 'write' | 'read', fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(kind, fn);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !retryable(error)) throw error;
      }
    }
  }

  let ending: Promise<void> | null = null;
  const end = (): Promise<void> =>
    (ending ??= Promise.all([pool.end(), ratePool.end()]).then(() => undefined));
  return {
    ...repos(poolRunner(pool)),
    rateLimits,
    notifications: pgNotifications(pool),
    transaction: (fn) => run('write', fn),
    read: (fn) => run('read', fn),
    close: () => void end(),
    end,
  };
}

/**
 * The server's store on a PostgreSQL database (`postgres://user:pass@host:port/db`),
 * brought to the current schema first; a database written by newer code is refused
 * (DB_TOO_NEW) and nothing is left open.
 */
export async function openPostgresStore(url: string): Promise<PostgresStore> {
  const pool = newPool(url, POOL_MAX);
  const ratePool = newPool(url, RATE_POOL_MAX);
  try {
    await migrate(pool, PG_MIGRATIONS);
  } catch (error) {
    await Promise.all([pool.end(), ratePool.end()]);
    throw error;
  }
  return createPostgresStore(pool, ratePool);
}
