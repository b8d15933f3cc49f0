import type { PgMigration } from '../migrate.js';

/** One-time codes, registration tokens and sessions, stored as SHA-256 hashes (store/migrations/0002-auth.ts). */
export const m0002Auth: PgMigration = {
  version: 2,
  name: '0002-auth',
  async up(client) {
    await client.query(`
      CREATE TABLE otp_requests (
        id text PRIMARY KEY,
        channel text NOT NULL CHECK (channel IN ('phone', 'email')),
        address text NOT NULL,
        user_id text REFERENCES users(id),
        device_id text NOT NULL,
        code_hash text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        created_at text NOT NULL,
        expires_at text NOT NULL,
        consumed_at text
      );
      CREATE INDEX otp_requests_address ON otp_requests(address, created_at);
      CREATE TABLE registration_tokens (
        token_hash text PRIMARY KEY,
        phone text NOT NULL,
        device_id text NOT NULL,
        created_at text NOT NULL,
        expires_at text NOT NULL,
        used_at text
      );
      CREATE TABLE sessions (
        id text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users(id),
        device_id text NOT NULL,
        device_name text NOT NULL,
        created_at text NOT NULL,
        last_seen_at text NOT NULL,
        expires_at text NOT NULL,
        revoked_at text,
        revoke_reason text
      );
      CREATE INDEX sessions_user ON sessions(user_id);
      CREATE INDEX sessions_device ON sessions(device_id);
      CREATE TABLE access_tokens (
        token_hash text PRIMARY KEY,
        session_id text NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        expires_at text NOT NULL
      );
      CREATE INDEX access_tokens_session ON access_tokens(session_id);
      CREATE TABLE refresh_tokens (
        token_hash text PRIMARY KEY,
        session_id text NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        created_at text NOT NULL,
        expires_at text NOT NULL,
        used_at text
      );
      CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);
    `);
  },
};
