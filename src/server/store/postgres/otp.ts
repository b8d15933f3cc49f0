import type { OtpRequestRow, OtpStore, RegistrationTokenRow } from '../types.js';
import type { Runner } from './conn.js';

const REQUEST = `id, channel, address, user_id AS "userId", device_id AS "deviceId", code_hash AS "codeHash",
  attempts, created_at AS "createdAt", expires_at AS "expiresAt", consumed_at AS "consumedAt"`;
const TOKEN = `token_hash AS "tokenHash", phone, device_id AS "deviceId", created_at AS "createdAt",
  expires_at AS "expiresAt", used_at AS "usedAt"`;

export class PgOtpStore implements OtpStore {
  constructor(private readonly db: Runner) {}

  async insertRequest(r: OtpRequestRow): Promise<void> {
    await this.db.count(
      `INSERT INTO otp_requests (id, channel, address, user_id, device_id, code_hash, attempts, created_at,
        expires_at, consumed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        r.id,
        r.channel,
        r.address,
        r.userId,
        r.deviceId,
        r.codeHash,
        r.attempts,
        r.createdAt,
        r.expiresAt,
        r.consumedAt,
      ],
    );
  }
  async getRequest(id: string): Promise<OtpRequestRow | null> {
    return (
      (await this.db.rows<OtpRequestRow>(`SELECT ${REQUEST} FROM otp_requests WHERE id = $1`, [id]))[0] ??
      null
    );
  }
  async addAttempt(id: string): Promise<number> {
    const rows = await this.db.rows<{ attempts: number }>(
      'UPDATE otp_requests SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts',
      [id],
    );
    return rows[0]?.attempts ?? 0;
  }
  async consume(id: string, at: string): Promise<boolean> {
    return (
      (await this.db.count('UPDATE otp_requests SET consumed_at = $1 WHERE id = $2 AND consumed_at IS NULL', [
        at,
        id,
      ])) === 1
    );
  }
  async deleteRequest(id: string): Promise<void> {
    await this.db.count('DELETE FROM otp_requests WHERE id = $1', [id]);
  }
  async insertRegistrationToken(r: RegistrationTokenRow): Promise<void> {
    await this.db.count(
      `INSERT INTO registration_tokens (token_hash, phone, device_id, created_at, expires_at, used_at)
        VALUES ($1, $2, $3, $4, $5, $6)`,
      [r.tokenHash, r.phone, r.deviceId, r.createdAt, r.expiresAt, r.usedAt],
    );
  }
  async getRegistrationToken(tokenHash: string): Promise<RegistrationTokenRow | null> {
    const rows = await this.db.rows<RegistrationTokenRow>(
      `SELECT ${TOKEN} FROM registration_tokens WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }
  async useRegistrationToken(tokenHash: string, at: string): Promise<boolean> {
    return (
      (await this.db.count(
        'UPDATE registration_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL',
        [at, tokenHash],
      )) === 1
    );
  }
  async pruneExpired(before: string): Promise<void> {
    await this.db.count('DELETE FROM otp_requests WHERE expires_at < $1', [before]);
    await this.db.count('DELETE FROM registration_tokens WHERE expires_at < $1', [before]);
  }
}
