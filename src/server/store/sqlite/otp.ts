import type { Db } from '../db.js';
import type { OtpRequestRow, OtpStore, RegistrationTokenRow } from '../types.js';
import type { Sync } from './sync.js';

const REQUEST_COLUMNS = `id, channel, address, user_id AS userId, device_id AS deviceId, code_hash AS codeHash,
  attempts, created_at AS createdAt, expires_at AS expiresAt, consumed_at AS consumedAt`;
const TOKEN_COLUMNS = `token_hash AS tokenHash, phone, device_id AS deviceId, created_at AS createdAt,
  expires_at AS expiresAt, used_at AS usedAt`;

export class SqliteOtpStore implements Sync<OtpStore> {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insert:
        db.prepare(`INSERT INTO otp_requests (id, channel, address, user_id, device_id, code_hash, attempts,
          created_at, expires_at, consumed_at)
        VALUES (@id, @channel, @address, @userId, @deviceId, @codeHash, @attempts, @createdAt, @expiresAt, @consumedAt)`),
      get: db.prepare(`SELECT ${REQUEST_COLUMNS} FROM otp_requests WHERE id = ?`),
      attempt: db.prepare('UPDATE otp_requests SET attempts = attempts + 1 WHERE id = ? RETURNING attempts'),
      consume: db.prepare('UPDATE otp_requests SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL'),
      delete: db.prepare('DELETE FROM otp_requests WHERE id = ?'),
      insertToken:
        db.prepare(`INSERT INTO registration_tokens (token_hash, phone, device_id, created_at, expires_at, used_at)
        VALUES (@tokenHash, @phone, @deviceId, @createdAt, @expiresAt, @usedAt)`),
      getToken: db.prepare(`SELECT ${TOKEN_COLUMNS} FROM registration_tokens WHERE token_hash = ?`),
      useToken: db.prepare(
        'UPDATE registration_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL',
      ),
      pruneRequests: db.prepare('DELETE FROM otp_requests WHERE expires_at < ?'),
      pruneTokens: db.prepare('DELETE FROM registration_tokens WHERE expires_at < ?'),
    };
  }

  insertRequest(row: OtpRequestRow): void {
    this.stmts.insert.run(row);
  }
  getRequest(id: string): OtpRequestRow | null {
    return (this.stmts.get.get(id) as OtpRequestRow | undefined) ?? null;
  }
  addAttempt(id: string): number {
    const row = this.stmts.attempt.get(id) as { attempts: number } | undefined;
    return row?.attempts ?? 0;
  }
  consume(id: string, at: string): boolean {
    return this.stmts.consume.run(at, id).changes === 1;
  }
  deleteRequest(id: string): void {
    this.stmts.delete.run(id);
  }
  insertRegistrationToken(row: RegistrationTokenRow): void {
    this.stmts.insertToken.run(row);
  }
  getRegistrationToken(tokenHash: string): RegistrationTokenRow | null {
    return (this.stmts.getToken.get(tokenHash) as RegistrationTokenRow | undefined) ?? null;
  }
  useRegistrationToken(tokenHash: string, at: string): boolean {
    return this.stmts.useToken.run(at, tokenHash).changes === 1;
  }
  pruneExpired(before: string): void {
    this.stmts.pruneRequests.run(before);
    this.stmts.pruneTokens.run(before);
  }
}
