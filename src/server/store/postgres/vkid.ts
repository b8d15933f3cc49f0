import type { VkIdentityRow, VkIdFlowRow, VkIdPendingRow, VkIdStore, VkIdTokens } from '../types.js';
import type { Runner } from './conn.js';

const FLOW_COLUMNS = `state_hash AS "stateHash", device_id AS "deviceId", client, code_verifier AS "codeVerifier",
  return_to AS "returnTo", created_at AS "createdAt", expires_at AS "expiresAt", used_at AS "usedAt",
  code_hash AS "codeHash"`;
const PENDING_COLUMNS = `token_hash AS "tokenHash", device_id AS "deviceId", vk_user_id AS "vkUserId", phone,
  first_name AS "firstName", last_name AS "lastName", user_id AS "userId", vk, created_at AS "createdAt",
  expires_at AS "expiresAt", used_at AS "usedAt"`;
const IDENTITY_COLUMNS = `user_id AS "userId", vk_user_id AS "vkUserId", vk_device_id AS "vkDeviceId",
  access_token AS "accessToken", refresh_token AS "refreshToken", access_expires_at AS "accessExpiresAt",
  linked_at AS "linkedAt"`;

/** Sign-in with VK ID on PostgreSQL (the same rows as sqlite/vkid.ts). */
export class PgVkIdStore implements VkIdStore {
  constructor(private readonly db: Runner) {}

  async insertFlow(r: VkIdFlowRow): Promise<void> {
    await this.db.count(
      `INSERT INTO vkid_flows (state_hash, device_id, client, code_verifier, return_to, created_at, expires_at,
        used_at, code_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        r.stateHash,
        r.deviceId,
        r.client,
        r.codeVerifier,
        r.returnTo,
        r.createdAt,
        r.expiresAt,
        r.usedAt,
        r.codeHash,
      ],
    );
  }
  async getFlow(stateHash: string): Promise<VkIdFlowRow | null> {
    const rows = await this.db.rows<VkIdFlowRow>(
      `SELECT ${FLOW_COLUMNS} FROM vkid_flows WHERE state_hash = $1`,
      [stateHash],
    );
    return rows[0] ?? null;
  }
  async useFlow(stateHash: string, codeHash: string, at: string): Promise<boolean> {
    return (
      (await this.db.count(
        'UPDATE vkid_flows SET used_at = $1, code_hash = $2 WHERE state_hash = $3 AND used_at IS NULL',
        [at, codeHash, stateHash],
      )) === 1
    );
  }
  async insertPending(r: VkIdPendingRow): Promise<void> {
    await this.db.count(
      `INSERT INTO vkid_pending (token_hash, device_id, vk_user_id, phone, first_name, last_name, user_id, vk,
        created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        r.tokenHash,
        r.deviceId,
        r.vkUserId,
        r.phone,
        r.firstName,
        r.lastName,
        r.userId,
        JSON.stringify(r.vk),
        r.createdAt,
        r.expiresAt,
        r.usedAt,
      ],
    );
  }
  async getPending(tokenHash: string): Promise<VkIdPendingRow | null> {
    const rows = await this.db.rows<Omit<VkIdPendingRow, 'vk'> & { vk: string }>(
      `SELECT ${PENDING_COLUMNS} FROM vkid_pending WHERE token_hash = $1`,
      [tokenHash],
    );
    const row = rows[0];
    return row ? { ...row, vk: JSON.parse(row.vk) as VkIdTokens } : null;
  }
  async usePending(tokenHash: string, at: string): Promise<boolean> {
    return (
      (await this.db.count('UPDATE vkid_pending SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL', [
        at,
        tokenHash,
      ])) === 1
    );
  }
  async findIdentityByVkUser(vkUserId: string): Promise<VkIdentityRow | null> {
    const rows = await this.db.rows<VkIdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} FROM vk_identities WHERE vk_user_id = $1`,
      [vkUserId],
    );
    return rows[0] ?? null;
  }
  async getIdentityOfUser(userId: string): Promise<VkIdentityRow | null> {
    const rows = await this.db.rows<VkIdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} FROM vk_identities WHERE user_id = $1`,
      [userId],
    );
    return rows[0] ?? null;
  }
  async insertIdentity(r: VkIdentityRow): Promise<boolean> {
    return (
      (await this.db.count(
        `INSERT INTO vk_identities (user_id, vk_user_id, vk_device_id, access_token, refresh_token,
          access_expires_at, linked_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [r.userId, r.vkUserId, r.vkDeviceId, r.accessToken, r.refreshToken, r.accessExpiresAt, r.linkedAt],
      )) === 1
    );
  }
  async updateIdentityTokens(userId: string, t: VkIdTokens): Promise<void> {
    await this.db.count(
      `UPDATE vk_identities SET vk_device_id = $1, access_token = $2, refresh_token = $3, access_expires_at = $4
        WHERE user_id = $5`,
      [t.vkDeviceId, t.accessToken, t.refreshToken, t.accessExpiresAt, userId],
    );
  }
  async deleteIdentity(userId: string): Promise<boolean> {
    return (await this.db.count('DELETE FROM vk_identities WHERE user_id = $1', [userId])) === 1;
  }
  async pruneExpired(before: string): Promise<void> {
    await this.db.count('DELETE FROM vkid_flows WHERE expires_at < $1', [before]);
    await this.db.count('DELETE FROM vkid_pending WHERE expires_at < $1', [before]);
  }
}
