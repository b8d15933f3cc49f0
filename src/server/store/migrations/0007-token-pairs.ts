import type { Migration } from '../migrate.js';

/**
 * Which pair a refresh replaced, and whether an access token was ever used. A refresh
 * whose answer was lost (the server crashed after committing it, or the connection
 * dropped) leaves the client with a retired refresh token; when the pair issued in its
 * place has never been used, presenting the retired token again is that lost answer,
 * not a copy, and gets a new pair instead of ending the session (see SessionService).
 */
export const m0007TokenPairs: Migration = {
  version: 7,
  name: '0007-token-pairs',
  up(db) {
    db.exec(`
      ALTER TABLE refresh_tokens ADD COLUMN replaced_by TEXT;
      ALTER TABLE access_tokens ADD COLUMN refresh_hash TEXT;
      ALTER TABLE access_tokens ADD COLUMN used_at TEXT;
      CREATE INDEX access_tokens_refresh ON access_tokens(refresh_hash);
    `);
  },
};
