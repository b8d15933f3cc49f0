import type { PgMigration } from '../migrate.js';

/** Sign-in with VK ID: flows, pending sign-ins and linked identities (store/migrations/0012-vkid.ts). */
export const m0012Vkid: PgMigration = {
  version: 12,
  name: '0012-vkid',
  async up(client) {
    await client.query(`
      CREATE TABLE vkid_flows (
        state_hash text PRIMARY KEY,
        device_id text NOT NULL,
        client text NOT NULL CHECK (client IN ('web', 'desktop')),
        code_verifier text NOT NULL,
        return_to text,
        created_at text NOT NULL,
        expires_at text NOT NULL,
        used_at text,
        code_hash text
      );
      CREATE TABLE vkid_pending (
        token_hash text PRIMARY KEY,
        device_id text NOT NULL,
        vk_user_id text NOT NULL,
        phone text NOT NULL,
        first_name text NOT NULL,
        last_name text NOT NULL,
        user_id text REFERENCES users(id),
        vk text NOT NULL,
        created_at text NOT NULL,
        expires_at text NOT NULL,
        used_at text
      );
      CREATE TABLE vk_identities (
        user_id text PRIMARY KEY REFERENCES users(id),
        vk_user_id text NOT NULL UNIQUE,
        vk_device_id text NOT NULL,
        access_token text NOT NULL,
        refresh_token text,
        access_expires_at text NOT NULL,
        linked_at text NOT NULL
      );
    `);
  },
};
