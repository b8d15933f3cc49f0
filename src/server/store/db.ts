import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

/** Pragmas every connection needs: durability first (FULL), then concurrency (WAL). */
export function applyPragmas(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

/** Opens (creating if needed) the server database in dataDir and brings it to the current schema. */
export function openDatabase(dataDir: string, options: { nativeBinding?: string } = {}): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  // Inside Electron the addon must be the Electron-ABI build, passed in by the main process.
  const db = new Database(
    path.join(dataDir, 'sferum.db'),
    options.nativeBinding ? { nativeBinding: options.nativeBinding } : {},
  );
  try {
    applyPragmas(db);
    migrate(db, MIGRATIONS);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
