import path from 'node:path';
import { openDatabase, type Db } from '../db.js';
import type { RateLimitStore, Store } from '../types.js';
import { SqliteAccountStore } from './accounts.js';
import { SqliteChatStore } from './chats.js';
import { SqliteDocumentRepo } from './documents.js';
import { SqliteFamilyStore } from './family.js';
import { SqliteFeedStore } from './feed.js';
import { SqliteForeignWrites } from './foreignWrites.js';
import { SqliteOtpStore } from './otp.js';
import { SqliteRateLimitStore } from './rateLimits.js';
import { SqliteSessionStore } from './sessions.js';
import { SqliteSupportStore } from './support.js';
import { sqliteTransactions, storeFacades, type SyncRepos } from './sync.js';
import { SqliteVkIdStore } from './vkid.js';

/**
 * The SQLite store: one better-sqlite3 connection behind the asynchronous contract (see
 * sqlite/sync.ts for how transactions take turns on it), plus the rate-limit counters (in
 * memory unless given).
 */
export function createSqliteStore(db: Db, rateLimits: RateLimitStore = new SqliteRateLimitStore()): Store {
  const repos: SyncRepos = {
    accounts: new SqliteAccountStore(db),
    otp: new SqliteOtpStore(db),
    sessions: new SqliteSessionStore(db),
    feed: new SqliteFeedStore(db),
    family: new SqliteFamilyStore(db),
    documents: new SqliteDocumentRepo(db),
    support: new SqliteSupportStore(db),
    chats: new SqliteChatStore(db),
    foreignWrites: new SqliteForeignWrites(db),
    vkid: new SqliteVkIdStore(db),
  };
  // IMMEDIATE: a write transaction takes the write lock before its first read. Another
  // process on the same file (a second server, the admin tool) may commit between a
  // deferred transaction's read and its write, and SQLite then refuses the write at once
  // (SQLITE_BUSY_SNAPSHOT, no busy wait): a check-then-insert such as the two-parent
  // limit answered 500 instead of its rule.
  const { outside, transaction, read } = sqliteTransactions(db, storeFacades(repos));
  return {
    ...outside,
    rateLimits,
    transaction,
    read,
    close: () => {
      db.close();
      rateLimits.close();
    },
  };
}

/**
 * The server's store on its data directory: the database (migrated to the current
 * schema) and the rate-limit counters in their own file beside it.
 */
export function openSqliteStore(dataDir: string, options: { nativeBinding?: string } = {}): Store {
  const db = openDatabase(dataDir, options);
  let rateLimits: RateLimitStore;
  try {
    rateLimits = new SqliteRateLimitStore({ file: path.join(dataDir, 'rate-limits.db'), ...options });
  } catch (error) {
    db.close();
    throw error;
  }
  return createSqliteStore(db, rateLimits);
}
