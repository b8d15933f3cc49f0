import type { Db } from '../db.js';
import type { VkIdentityRow, VkIdFlowRow, VkIdPendingRow, VkIdStore, VkIdTokens } from '../types.js';
import type { Sync } from './sync.js';

const FLOW_COLUMNS = `state_hash AS stateHash, device_id AS deviceId, client, code_verifier AS codeVerifier,
  return_to AS returnTo, created_at AS createdAt, expires_at AS expiresAt, used_at AS usedAt, code_hash AS codeHash`;
const PENDING_COLUMNS = `token_hash AS tokenHash, device_id AS deviceId, vk_user_id AS vkUserId, phone,
  first_name AS firstName, last_name AS lastName, user_id AS userId, vk, created_at AS createdAt,
  expires_at AS expiresAt, used_at AS usedAt`;
const IDENTITY_COLUMNS = `user_id AS userId, vk_user_id AS vkUserId, vk_device_id AS vkDeviceId,
  access_token AS accessToken, refresh_token AS refreshToken, access_expires_at AS accessExpiresAt,
  linked_at AS linkedAt`;

export class SqliteVkIdStore implements Sync<VkIdStore> {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insertFlow: db.prepare(`INSERT INTO vkid_flows (state_hash, device_id, client, code_verifier, return_to,
          created_at, expires_at, used_at, code_hash)
        VALUES (@stateHash, @deviceId, @client, @codeVerifier, @returnTo, @createdAt, @expiresAt, @usedAt, @codeHash)`),
      getFlow: db.prepare(`SELECT ${FLOW_COLUMNS} FROM vkid_flows WHERE state_hash = ?`),
      useFlow: db.prepare(
        'UPDATE vkid_flows SET used_at = ?, code_hash = ? WHERE state_hash = ? AND used_at IS NULL',
      ),
      insertPending:
        db.prepare(`INSERT INTO vkid_pending (token_hash, device_id, vk_user_id, phone, first_name,
          last_name, user_id, vk, created_at, expires_at, used_at)
        VALUES (@tokenHash, @deviceId, @vkUserId, @phone, @firstName, @lastName, @userId, @vk, @createdAt,
          @expiresAt, @usedAt)`),
      getPending: db.prepare(`SELECT ${PENDING_COLUMNS} FROM vkid_pending WHERE token_hash = ?`),
      usePending: db.prepare('UPDATE vkid_pending SET used_at = ? WHERE token_hash = ? AND used_at IS NULL'),
      byVkUser: db.prepare(`SELECT ${IDENTITY_COLUMNS} FROM vk_identities WHERE vk_user_id = ?`),
      ofUser: db.prepare(`SELECT ${IDENTITY_COLUMNS} FROM vk_identities WHERE user_id = ?`),
      insertIdentity: db.prepare(`INSERT OR IGNORE INTO vk_identities (user_id, vk_user_id, vk_device_id,
          access_token, refresh_token, access_expires_at, linked_at)
        VALUES (@userId, @vkUserId, @vkDeviceId, @accessToken, @refreshToken, @accessExpiresAt, @linkedAt)`),
      updateTokens:
        db.prepare(`UPDATE vk_identities SET vk_device_id = @vkDeviceId, access_token = @accessToken,
          refresh_token = @refreshToken, access_expires_at = @accessExpiresAt WHERE user_id = @userId`),
      deleteIdentity: db.prepare('DELETE FROM vk_identities WHERE user_id = ?'),
      pruneFlows: db.prepare('DELETE FROM vkid_flows WHERE expires_at < ?'),
      prunePending: db.prepare('DELETE FROM vkid_pending WHERE expires_at < ?'),
    };
  }

  insertFlow(row: VkIdFlowRow): void {
    this.stmts.insertFlow.run(row);
  }
  getFlow(stateHash: string): VkIdFlowRow | null {
    return (this.stmts.getFlow.get(stateHash) as VkIdFlowRow | undefined) ?? null;
  }
  useFlow(stateHash: string, codeHash: string, at: string): boolean {
    return this.stmts.useFlow.run(at, codeHash, stateHash).changes === 1;
  }
  insertPending(row: VkIdPendingRow): void {
    this.stmts.insertPending.run({ ...row, vk: JSON.stringify(row.vk) });
  }
  getPending(tokenHash: string): VkIdPendingRow | null {
    const row = this.stmts.getPending.get(tokenHash) as
      (Omit<VkIdPendingRow, 'vk'> & { vk: string }) | undefined;
    return row ? { ...row, vk: JSON.parse(row.vk) as VkIdTokens } : null;
  }
  usePending(tokenHash: string, at: string): boolean {
    return this.stmts.usePending.run(at, tokenHash).changes === 1;
  }
  findIdentityByVkUser(vkUserId: string): VkIdentityRow | null {
    return (this.stmts.byVkUser.get(vkUserId) as VkIdentityRow | undefined) ?? null;
  }
  getIdentityOfUser(userId: string): VkIdentityRow | null {
    return (this.stmts.ofUser.get(userId) as VkIdentityRow | undefined) ?? null;
  }
  insertIdentity(row: VkIdentityRow): boolean {
    return this.stmts.insertIdentity.run(row).changes === 1;
  }
  updateIdentityTokens(userId: string, tokens: VkIdTokens): void {
    this.stmts.updateTokens.run({ ...tokens, userId });
  }
  deleteIdentity(userId: string): boolean {
    return this.stmts.deleteIdentity.run(userId).changes === 1;
  }
  pruneExpired(before: string): void {
    this.stmts.pruneFlows.run(before);
    this.stmts.prunePending.run(before);
  }
}
