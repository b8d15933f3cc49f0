import type { PgMigration } from '../migrate.js';

/** Family: invites (hashes), parent–child links, the family history and e-mail registration links (store/migrations/0004-family.ts). At most two parents per child is enforced by the insert under the child's row lock (postgres/family.ts). */
export const m0004Family: PgMigration = {
  version: 4,
  name: '0004-family',
  async up(client) {
    await client.query(`
      CREATE TABLE invites (
        id text PRIMARY KEY,
        child_id text NOT NULL REFERENCES users(id),
        token_hash text NOT NULL UNIQUE,
        created_at text NOT NULL,
        expires_at text NOT NULL,
        revoked_at text
      );
      CREATE INDEX invites_child ON invites(child_id, created_at);
      CREATE TABLE parent_links (
        child_id text NOT NULL REFERENCES users(id),
        parent_id text NOT NULL REFERENCES users(id),
        created_at text NOT NULL,
        PRIMARY KEY (child_id, parent_id)
      );
      CREATE INDEX parent_links_parent ON parent_links(parent_id);
      CREATE TABLE family_history (
        id text PRIMARY KEY,
        child_id text NOT NULL REFERENCES users(id),
        action text NOT NULL CONSTRAINT family_history_action_check CHECK (action IN ('joined', 'left', 'removed')),
        parent_id text NOT NULL REFERENCES users(id),
        parent_name text NOT NULL,
        actor_id text REFERENCES users(id),
        actor_name text,
        at text NOT NULL
      );
      CREATE INDEX family_history_child ON family_history(child_id, at);
      CREATE TABLE email_registrations (
        token_hash text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users(id),
        created_at text NOT NULL,
        expires_at text NOT NULL,
        used_at text
      );
      CREATE INDEX email_registrations_user ON email_registrations(user_id);
    `);
  },
};
