import type { Migration } from '../migrate.js';

/**
 * Family: invite links (stored only as SHA-256 hashes), parent–child links, the family
 * history, and the school's e-mail registration links for primary-school students.
 * At most two parents per child is enforced by the insert itself (see family/store),
 * so the table needs no trigger.
 */
export const m0004Family: Migration = {
  version: 4,
  name: '0004-family',
  up(db) {
    db.exec(`
      CREATE TABLE invites (
        id TEXT PRIMARY KEY,
        child_id TEXT NOT NULL REFERENCES users(id),
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE INDEX invites_child ON invites(child_id, created_at);
      CREATE TABLE parent_links (
        child_id TEXT NOT NULL REFERENCES users(id),
        parent_id TEXT NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        PRIMARY KEY (child_id, parent_id)
      ) WITHOUT ROWID;
      CREATE INDEX parent_links_parent ON parent_links(parent_id);
      CREATE TABLE family_history (
        id TEXT PRIMARY KEY,
        child_id TEXT NOT NULL REFERENCES users(id),
        action TEXT NOT NULL CHECK (action IN ('joined', 'left', 'removed')),
        parent_id TEXT NOT NULL REFERENCES users(id),
        parent_name TEXT NOT NULL,
        actor_id TEXT REFERENCES users(id),
        actor_name TEXT,
        at TEXT NOT NULL
      );
      CREATE INDEX family_history_child ON family_history(child_id, at);
      CREATE TABLE email_registrations (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
      );
      CREATE INDEX email_registrations_user ON email_registrations(user_id);
    `);
  },
};
