import type { PgMigration } from '../migrate.js';

/** The family history also records `changed`, with the details that changed (store/migrations/0008-family-changes.ts). PostgreSQL alters the CHECK in place: no table rebuild. */
export const m0008FamilyChanges: PgMigration = {
  version: 8,
  name: '0008-family-changes',
  async up(client) {
    await client.query(`
      ALTER TABLE family_history DROP CONSTRAINT family_history_action_check;
      ALTER TABLE family_history ADD CONSTRAINT family_history_action_check
        CHECK (action IN ('joined', 'left', 'removed', 'changed'));
      ALTER TABLE family_history ADD COLUMN changes json;
    `);
  },
};
