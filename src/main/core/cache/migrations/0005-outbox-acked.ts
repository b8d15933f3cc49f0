import type { CacheMigration } from './types.js';

/**
 * An outbox row the server has applied stays, marked `acked`, until the pull after it
 * reaches the end of the feed: until then older pages can still bring the record as it
 * was before this device changed it, and the change is laid over them again rather than
 * undone on screen (and a rename made meanwhile expects the name the server has).
 */
export const m0005OutboxAcked: CacheMigration = {
  version: 5,
  name: '0005-outbox-acked',
  up(db) {
    db.exec('ALTER TABLE outbox ADD COLUMN acked INTEGER NOT NULL DEFAULT 0;');
  },
};
