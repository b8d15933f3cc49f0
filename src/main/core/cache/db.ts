import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrateCache } from './migrations/index.js';

export type CacheDatabase = Database.Database;

/** Pages of write-ahead log after which a commit folds it into the database. */
export const CHECKPOINT_PAGES = 10_000;
/** The same while a sync catches up with full pages (records.ts). */
export const CATCH_UP_CHECKPOINT_PAGES = 50_000;

/**
 * Opens (creating if needed) one local account's cache. WAL lets a reader see a
 * consistent snapshot while a page is applied; synchronous=NORMAL is durable in WAL
 * mode except for the last transactions on power loss, which the next pull restores
 * (the outbox row and its optimistic change share one transaction either way).
 * A first sync writes a page of records per transaction: the page cache holds the record
 * key index of a million-row cache (64 MiB at most, taken only as pages are read), and the
 * write-ahead log is folded into the database every 10,000 pages instead of 1,000 (50,000
 * while a sync catches up, see records.ts), so index leaves that consecutive pages rewrite
 * are checkpointed once. Neither
 * changes what survives a crash: every committed transaction is in the log or the file.
 */
export function openCacheDatabase(file: string, options: { nativeBinding?: string } = {}): CacheDatabase {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -65536');
    db.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
    // After a checkpoint the log file is cut back to 64 MiB, whatever a catch-up grew it to.
    db.pragma('journal_size_limit = 67108864');
    migrateCache(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
