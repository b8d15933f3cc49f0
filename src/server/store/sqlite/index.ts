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
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    close: () => db.close(),
  };
}
