import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrateCache } from './migrations/index.js';

export type CacheDatabase = Database.Database;

/**
 * Opens (creating if needed) one local account's cache. WAL lets a reader see a
 * consistent snapshot while a page is applied; synchronous=NORMAL is durable in WAL
 * mode except for the last transactions on power loss, which the next pull restores
 * (the outbox row and its optimistic change share one transaction either way).
 * A first sync writes a page of records per transaction: the page cache holds the record
 * key index of a million-row cache (64 MiB at most, taken only as pages are read), and the
 * write-ahead log is folded into the database every 10,000 pages instead of 1,000, so a
 * page that rewrites the same index leaves as the one before is checkpointed once. Neither
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
    db.pragma('wal_autocheckpoint = 10000');
    migrateCache(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
