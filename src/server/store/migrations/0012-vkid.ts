import type { Migration } from '../migrate.js';

/**
 * Sign-in with VK ID: flows under way (state hash, PKCE verifier, the starting device),
 * what VK said about a person until they confirm a link or give a name, and the linked
 * VK identities with VK's tokens and device id (kept for refresh and logout at VK).
 */
export const m0012Vkid: Migration = {
  version: 12,
  name: '0012-vkid',
  up(db) {
    db.exec(`
      CREATE TABLE vkid_flows (
        state_hash TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        client TEXT NOT NULL CHECK (client IN ('web', 'desktop')),
        code_verifier TEXT NOT NULL,
        return_to TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        code_hash TEXT
      );
      CREATE TABLE vkid_pending (
        token_hash TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        vk_user_id TEXT NOT NULL,
        phone TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        user_id TEXT REFERENCES users(id),
        vk TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
      );
      CREATE TABLE vk_identities (
        user_id TEXT PRIMARY KEY REFERENCES users(id),
        vk_user_id TEXT NOT NULL UNIQUE,
        vk_device_id TEXT NOT NULL,
        access_token TEXT NOT NULL,
        refresh_token TEXT,
        access_expires_at TEXT NOT NULL,
        linked_at TEXT NOT NULL
      );
    `);
  },
};
