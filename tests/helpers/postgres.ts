import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../../src/server/store/postgres/index.js';
import { ensureCluster, type ClusterInfo } from './postgresCluster.js';

/**
 * PostgreSQL for tests: the run's one throwaway cluster (tests/helpers/postgresCluster.ts)
 * and a fresh database per caller, dropped again by `drop`.
 */

let cluster: Promise<ClusterInfo> | null = null;

function theCluster(): Promise<ClusterInfo> {
  return (cluster ??= ensureCluster(inject('sferumPgDir')));
}

export interface TestDatabase {
  /** postgres://postgres@127.0.0.1:PORT/NAME */
  url: string;
  name: string;
  /** Runs one statement on the database (a check behind the store's back). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Drops the database, closing whatever is still connected to it. */
  drop(): Promise<void>;
}

async function onAdmin<T>(base: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new empty database on the test cluster. */
export async function freshDatabase(): Promise<TestDatabase> {
  const { base } = await theCluster();
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  await onAdmin(base, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = `${base}/${name}`;
  let checks: pg.Pool | null = null;
  return {
    url,
    name,
    async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
      if (!checks) {
        checks = new pg.Pool({ connectionString: url, max: 2 });
        // Dropping the database ends its idle connections: that is no error of the test's.
        checks.on('error', () => {});
      }
      return (await checks.query<R>(sql, params)).rows;
    },
    async drop() {
      await checks?.end();
      await onAdmin(base, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A fresh database with the server's store open on it (migrated). */
export async function freshPostgresStore(): Promise<{ store: PostgresStore; db: TestDatabase }> {
  const db = await freshDatabase();
  return { store: await openPostgresStore(db.url), db };
}
