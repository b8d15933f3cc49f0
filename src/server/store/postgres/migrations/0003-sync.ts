import type { PgMigration } from '../migrate.js';

/** The per-user change feed, applied mutations and the database's epoch (store/migrations/0003-sync.ts). Sequence numbers come from the one row of `feed_head`, taken with a row lock that is held until commit: transactions that append to the feed commit in the order of their numbers, so a reader that has seen seq N has seen every seq below it (a sequence would hand numbers out in start order, and a later commit of a lower number would be skipped by a reader already past it). `feed_head.seq` is also the head (the highest number ever issued). */
export const m0003Sync: PgMigration = {
  version: 3,
  name: '0003-sync',
  async up(client) {
    await client.query(`
      CREATE TABLE meta (
        key text PRIMARY KEY,
        value text NOT NULL
      );
      INSERT INTO meta (key, value) VALUES ('epoch', substr(md5(random()::text || clock_timestamp()::text), 1, 16));
      CREATE TABLE feed_head (
        id integer PRIMARY KEY CHECK (id = 1),
        seq bigint NOT NULL
      );
      INSERT INTO feed_head (id, seq) VALUES (1, 0);
      CREATE TABLE changes (
        seq bigint PRIMARY KEY,
        user_id text NOT NULL REFERENCES users(id),
        entity text NOT NULL,
        entity_id text NOT NULL,
        op text NOT NULL CHECK (op IN ('put', 'delete')),
        data json,
        created_at text NOT NULL
      );
      CREATE INDEX changes_user_seq ON changes(user_id, seq);
      CREATE TABLE applied_mutations (
        user_id text NOT NULL REFERENCES users(id),
        mutation_id text NOT NULL,
        result text NOT NULL,
        created_at text NOT NULL,
        PRIMARY KEY (user_id, mutation_id)
      );
    `);
  },
};
