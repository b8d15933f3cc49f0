import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPostgresStore } from '../../src/server/store/postgres/index.js';
import { openSqliteStore } from '../../src/server/store/sqlite/index.js';
import type { Store } from '../../src/server/store/types.js';
import { freshDatabase, type TestDatabase } from './postgres.js';

/**
 * The two stores the server runs on, for tests that must hold on both: write the suite
 * once inside `describe.each(BACKENDS)('… ($name)', (backend) => …)`, open its place with
 * `backend.place()` in beforeAll, and open as many stores on that place as the test needs
 * (one per server instance). Backend-specific rules (SQLite's one writer) go in their own
 * describe, named after the backend.
 */
export interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  /** A fresh place for the records: a data directory, and for PostgreSQL a database too. */
  place(): Promise<Place>;
}

export interface Place {
  /** Documents (and SQLite's database) live here. */
  dataDir: string;
  /** The PostgreSQL database's URL; null for SQLite. */
  databaseUrl: string | null;
  /** Another store on the same records (another server instance, the admin tool). */
  open(): Promise<Store>;
  /** One statement on the records behind the store's back (`?` placeholders are written `$1`, `$2`...). */
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Removes the directory and drops the database (close the stores first). */
  remove(): Promise<void>;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-backend-'));
}

export const SQLITE: Backend = {
  name: 'SQLite',
  async place() {
    const dataDir = tempDir();
    const Database = (await import('better-sqlite3')).default;
    return {
      dataDir,
      databaseUrl: null,
      open: () => Promise.resolve(openSqliteStore(dataDir)),
      query: <R>(sql: string, params: unknown[] = []): Promise<R[]> => {
        const db = new Database(path.join(dataDir, 'sferum.db'), { readonly: true });
        try {
          return Promise.resolve(db.prepare(sql.replace(/\$\d+/g, '?')).all(...params) as R[]);
        } finally {
          db.close();
        }
      },
      remove: () => Promise.resolve(fs.rmSync(dataDir, { recursive: true, force: true })),
    };
  },
};

export const POSTGRES: Backend = {
  name: 'PostgreSQL',
  async place() {
    const dataDir = tempDir();
    const db: TestDatabase = await freshDatabase();
    return {
      dataDir,
      databaseUrl: db.url,
      open: () => openPostgresStore(db.url),
      query: <R>(sql: string, params: unknown[] = []) => db.query(sql, params) as Promise<R[]>,
      async remove() {
        await db.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

export const BACKENDS: readonly Backend[] = [SQLITE, POSTGRES];

/** Closes a store and, for PostgreSQL, waits until its connections are gone. */
export async function closeStore(store: Store): Promise<void> {
  const end = (store as { end?: () => Promise<void> }).end;
  if (end) await end.call(store);
  else store.close();
}
