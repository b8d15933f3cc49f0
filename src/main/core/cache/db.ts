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
 */
export function openCacheDatabase(file: string, options: { nativeBinding?: string } = {}): CacheDatabase {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrateCache(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
