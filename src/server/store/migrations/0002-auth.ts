import type { Migration } from '../migrate.js';

/**
 * One-time codes, registration tokens and sessions. Codes and tokens are stored only
 * as SHA-256 hashes: a copy of the database signs nobody in.
 */
export const m0002Auth: Migration = {
  version: 2,
  name: '0002-auth',
  up(db) {
    db.exec(`
      CREATE TABLE otp_requests (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL CHECK (channel IN ('phone', 'email')),
        address TEXT NOT NULL,
        user_id TEXT REFERENCES users(id),
        device_id TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        consumed_at TEXT
      );
      CREATE INDEX otp_requests_address ON otp_requests(address, created_at);
      CREATE TABLE registration_tokens (
        token_hash TEXT PRIMARY KEY,
        phone TEXT NOT NULL,
        device_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
      );
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        device_id TEXT NOT NULL,
        device_name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT,
        revoke_reason TEXT
      );
      CREATE INDEX sessions_user ON sessions(user_id);
      CREATE INDEX sessions_device ON sessions(device_id);
      CREATE TABLE access_tokens (
        token_hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX access_tokens_session ON access_tokens(session_id);
      CREATE TABLE refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
      );
      CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);
    `);
  },
};
