import type { Db } from '../db.js';
import type { AccessTokenRow, RefreshTokenRow, SessionRow, SessionStore } from '../types.js';
import type { Sync } from './sync.js';

const SESSION_COLUMNS = `id, user_id AS userId, device_id AS deviceId, device_name AS deviceName,
  created_at AS createdAt, last_seen_at AS lastSeenAt, expires_at AS expiresAt,
  revoked_at AS revokedAt, revoke_reason AS revokeReason`;

export class SqliteSessionStore implements Sync<SessionStore> {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(`INSERT INTO sessions (id, user_id, device_id, device_name, created_at, last_seen_at,
          expires_at, revoked_at, revoke_reason)
        VALUES (@id, @userId, @deviceId, @deviceName, @createdAt, @lastSeenAt, @expiresAt, @revokedAt, @revokeReason)`),
      get: db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`),
      liveOfUser: db.prepare(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?
         ORDER BY last_seen_at DESC`,
      ),
      liveOfDevice: db.prepare(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE device_id = ? AND revoked_at IS NULL AND expires_at > ?`,
      ),
      revoke: db.prepare(
        'UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL',
      ),
      touch: db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?'),
      extend: db.prepare('UPDATE sessions SET expires_at = ? WHERE id = ?'),
      insertAccess: db.prepare(
        `INSERT INTO access_tokens (token_hash, session_id, expires_at, refresh_hash)
         VALUES (@tokenHash, @sessionId, @expiresAt, @refreshHash)`,
      ),
      findAccess: db.prepare(
        `SELECT token_hash AS tokenHash, session_id AS sessionId, expires_at AS expiresAt,
           refresh_hash AS refreshHash, used_at AS usedAt FROM access_tokens WHERE token_hash = ?`,
      ),
      findAccessWithSession: db.prepare(
        `SELECT t.token_hash AS tokenHash, t.session_id AS sessionId, t.expires_at AS tokenExpiresAt,
           t.refresh_hash AS refreshHash, t.used_at AS usedAt, s.user_id AS userId, s.device_id AS deviceId,
           s.device_name AS deviceName, s.created_at AS createdAt, s.last_seen_at AS lastSeenAt,
           s.expires_at AS expiresAt, s.revoked_at AS revokedAt, s.revoke_reason AS revokeReason
         FROM access_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = ?`,
      ),
      useAccess: db.prepare('UPDATE access_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL'),
      insertRefresh:
        db.prepare(`INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at, used_at, replaced_by)
        VALUES (@tokenHash, @sessionId, @createdAt, @expiresAt, @usedAt, @replacedBy)`),
      findRefresh:
        db.prepare(`SELECT token_hash AS tokenHash, session_id AS sessionId, created_at AS createdAt,
          expires_at AS expiresAt, used_at AS usedAt, replaced_by AS replacedBy FROM refresh_tokens WHERE token_hash = ?`),
      useRefresh: db.prepare(
        'UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL',
      ),
      replacedBy: db.prepare('UPDATE refresh_tokens SET replaced_by = ? WHERE token_hash = ?'),
      pairUnused: db
        .prepare(
          `SELECT (SELECT used_at IS NULL FROM refresh_tokens WHERE token_hash = @hash)
             AND NOT EXISTS (SELECT 1 FROM access_tokens WHERE refresh_hash = @hash AND used_at IS NOT NULL)`,
        )
        .pluck(),
      dropPairAccess: db.prepare('DELETE FROM access_tokens WHERE refresh_hash = ?'),
      pruneAccess: db.prepare(
        `DELETE FROM access_tokens WHERE session_id IN
          (SELECT id FROM sessions WHERE expires_at < @before OR revoked_at < @before)`,
      ),
      pruneRefresh: db.prepare(
        `DELETE FROM refresh_tokens WHERE session_id IN
          (SELECT id FROM sessions WHERE expires_at < @before OR revoked_at < @before)`,
      ),
    };
  }

  insertSession(row: SessionRow): void {
    this.stmts.insert.run(row);
  }
  getSession(id: string): SessionRow | null {
    return (this.stmts.get.get(id) as SessionRow | undefined) ?? null;
  }
  liveSessionsOfUser(userId: string, now: string): SessionRow[] {
    return this.stmts.liveOfUser.all(userId, now) as SessionRow[];
  }
  liveSessionsOfDevice(deviceId: string, now: string): SessionRow[] {
    return this.stmts.liveOfDevice.all(deviceId, now) as SessionRow[];
  }
  revokeSession(id: string, at: string, reason: string): boolean {
    return this.stmts.revoke.run(at, reason, id).changes === 1;
  }
  touchSession(id: string, at: string): void {
    this.stmts.touch.run(at, id);
  }
  extendSession(id: string, expiresAt: string): void {
    this.stmts.extend.run(expiresAt, id);
  }
  insertAccessToken(row: Omit<AccessTokenRow, 'usedAt'>): void {
    this.stmts.insertAccess.run(row);
  }
  findAccessToken(tokenHash: string): AccessTokenRow | null {
    return (this.stmts.findAccess.get(tokenHash) as AccessTokenRow | undefined) ?? null;
  }
  findAccessTokenWithSession(tokenHash: string): { token: AccessTokenRow; session: SessionRow } | null {
    const row = this.stmts.findAccessWithSession.get(tokenHash) as
      (Omit<SessionRow, 'id'> & Omit<AccessTokenRow, 'expiresAt'> & { tokenExpiresAt: string }) | undefined;
    if (!row) return null;
    return {
      token: {
        tokenHash: row.tokenHash,
        sessionId: row.sessionId,
        expiresAt: row.tokenExpiresAt,
        refreshHash: row.refreshHash,
        usedAt: row.usedAt,
      },
      session: {
        id: row.sessionId,
        userId: row.userId,
        deviceId: row.deviceId,
        deviceName: row.deviceName,
        createdAt: row.createdAt,
        lastSeenAt: row.lastSeenAt,
        expiresAt: row.expiresAt,
        revokedAt: row.revokedAt,
        revokeReason: row.revokeReason,
      },
    };
  }
  markAccessUsed(tokenHash: string, at: string): void {
    this.stmts.useAccess.run(at, tokenHash);
  }
  insertRefreshToken(row: RefreshTokenRow): void {
    this.stmts.insertRefresh.run(row);
  }
  findRefreshToken(tokenHash: string): RefreshTokenRow | null {
    return (this.stmts.findRefresh.get(tokenHash) as RefreshTokenRow | undefined) ?? null;
  }
  markRefreshUsed(tokenHash: string, at: string): boolean {
    return this.stmts.useRefresh.run(at, tokenHash).changes === 1;
  }
  setReplacedBy(tokenHash: string, successorHash: string): void {
    this.stmts.replacedBy.run(successorHash, tokenHash);
  }
  pairUnused(refreshHash: string): boolean {
    return this.stmts.pairUnused.get({ hash: refreshHash }) === 1;
  }
  retirePair(refreshHash: string, at: string): void {
    this.stmts.useRefresh.run(at, refreshHash);
    this.stmts.dropPairAccess.run(refreshHash);
  }
  pruneTokens(before: string): void {
    // Named: better-sqlite3 refuses one value for a repeated `?1` ("Too many parameter values").
    this.stmts.pruneAccess.run({ before });
    this.stmts.pruneRefresh.run({ before });
  }
}
