import type { Db } from '../db.js';
import type { Store } from '../types.js';
import { SqliteAccountStore } from './accounts.js';
import { SqliteFeedStore } from './feed.js';
import { SqliteOtpStore } from './otp.js';
import { SqliteSessionStore } from './sessions.js';

/** The SQLite store: one better-sqlite3 connection, synchronous and serialised by Node's event loop. */
export function createSqliteStore(db: Db): Store {
  return {
    accounts: new SqliteAccountStore(db),
    otp: new SqliteOtpStore(db),
    sessions: new SqliteSessionStore(db),
    feed: new SqliteFeedStore(db),
    // IMMEDIATE: a write transaction takes the write lock before its first read. Another
    // process on the same file (a second server, the admin tool) may commit between a
    // deferred transaction's read and its write, and SQLite then refuses the write at once
    // (SQLITE_BUSY_SNAPSHOT, no busy wait): a check-then-insert such as the two-parent
    // limit answered 500 instead of its rule. Waiting for the lock up front costs nothing
    // within one process, whose transactions never overlap.
    transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),
    read: <T>(fn: () => T): T => db.transaction(fn).deferred(),
    close: () => db.close(),
  };
}
