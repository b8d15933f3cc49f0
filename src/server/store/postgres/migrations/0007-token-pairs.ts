import type { PgMigration } from '../migrate.js';

/** Which pair a refresh replaced, and whether an access token was ever used (store/migrations/0007-token-pairs.ts). */
export const m0007TokenPairs: PgMigration = {
  version: 7,
  name: '0007-token-pairs',
  async up(client) {
    await client.query(`
      ALTER TABLE refresh_tokens ADD COLUMN replaced_by text;
      ALTER TABLE access_tokens ADD COLUMN refresh_hash text;
      ALTER TABLE access_tokens ADD COLUMN used_at text;
      CREATE INDEX access_tokens_refresh ON access_tokens(refresh_hash);
    `);
  },
};
