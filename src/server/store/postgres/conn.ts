import pg from 'pg';
import { TransactionEndedError } from '../sqlite/sync.js';

/**
 * How the PostgreSQL repositories reach the database: one statement at a time, on the
 * pool (a call outside any transaction) or on the one pooled client a transaction holds.
 */
export interface Runner {
  /** The rows of one statement. */
  rows<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** The number of rows one statement wrote. */
  count(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Inside a write transaction: holds a lock on `key` until the transaction ends, so a
   * check and the write it allows (a free name, a mutation not yet applied) cannot be
   * split by another transaction on another connection, or another server instance.
   * Outside one (a single statement) and in a read there is nothing to hold: it resolves.
   */
  lock(key: string): Promise<void>;
  /** Whether statements run inside a write transaction (row locks may be taken). */
  readonly writing: boolean;
}

/** Columns PostgreSQL answers in types JavaScript reads differently from SQLite's. */
const INT8 = 20;
const NUMERIC = 1700;
const JSON_OID = 114;
const JSONB = 3802;

/**
 * Type parsers: 64-bit integers (sequence numbers, sizes, counts) as numbers, as the
 * SQLite store gives them (every value stays below 2^53); JSON columns as their text, which
 * the repositories parse as the SQLite ones do.
 */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    if (oid === JSON_OID || oid === JSONB) return (v: string) => v;
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  },
} as pg.CustomTypesConfig;

/** Prepared statements by text: each pooled connection parses a statement once. */
const names = new Map<string, string>();
function named(text: string, values: readonly unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    name = `sferum_${names.size + 1}`;
    names.set(text, name);
  }
  return { name, text, values: values as unknown[] };
}

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

async function query<R>(
  on: Queryable,
  sql: string,
  params: readonly unknown[],
): Promise<pg.QueryResult & { rows: R[] }> {
  return (await on.query(named(sql, params))) as pg.QueryResult & { rows: R[] };
}

/** The lock key of a string: 64 bits of its hash (collisions only make two keys wait for each other). */
export const LOCK_SQL = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))';

/** Statements on the pool, each its own transaction. */
export function poolRunner(pool: pg.Pool): Runner {
  return {
    writing: false,
    rows: async (sql, params = []) => (await query(pool, sql, params)).rows as never,
    count: async (sql, params = []) => (await query(pool, sql, params)).rowCount ?? 0,
    lock: () => Promise.resolve(),
  };
}

/** Statements on one transaction's client; refused once the transaction has ended. */
export function clientRunner(client: pg.PoolClient, writing: boolean, open: () => boolean): Runner {
  const check = (): void => {
    if (!open()) throw new TransactionEndedError();
  };
  return {
    writing,
    rows: async (sql, params = []) => {
      check();
      return (await query(client, sql, params)).rows as never;
    },
    count: async (sql, params = []) => {
      check();
      return (await query(client, sql, params)).rowCount ?? 0;
    },
    lock: async (key) => {
      check();
      if (writing) await query(client, LOCK_SQL, [key]);
    },
  };
}
