import type { AccessTokenRow, RefreshTokenRow, SessionRow, SessionStore } from '../types.js';
import type { Runner } from './conn.js';

const SESSION = `id, user_id AS "userId", device_id AS "deviceId", device_name AS "deviceName",
  created_at AS "createdAt", last_seen_at AS "lastSeenAt", expires_at AS "expiresAt",
  revoked_at AS "revokedAt", revoke_reason AS "revokeReason"`;

type Joined = Omit<SessionRow, 'id'> & Omit<AccessTokenRow, 'expiresAt'> & { tokenExpiresAt: string };

export class PgSessionStore implements SessionStore {
  constructor(private readonly db: Runner) {}

  async insertSession(r: SessionRow): Promise<void> {
    await this.db.count(
      `INSERT INTO sessions (id, user_id, device_id, device_name, created_at, last_seen_at, expires_at,
        revoked_at, revoke_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        r.id,
        r.userId,
        r.deviceId,
        r.deviceName,
        r.createdAt,
        r.lastSeenAt,
        r.expiresAt,
        r.revokedAt,
        r.revokeReason,
      ],
    );
  }
  async getSession(id: string): Promise<SessionRow | null> {
    return (await this.db.rows<SessionRow>(`SELECT ${SESSION} FROM sessions WHERE id = $1`, [id]))[0] ?? null;
  }
  liveSessionsOfUser(userId: string, now: string): Promise<SessionRow[]> {
    return this.db.rows(
      `SELECT ${SESSION} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
        ORDER BY last_seen_at DESC`,
      [userId, now],
    );
  }
  liveSessionsOfDevice(deviceId: string, now: string): Promise<SessionRow[]> {
    return this.db.rows(
      `SELECT ${SESSION} FROM sessions WHERE device_id = $1 AND revoked_at IS NULL AND expires_at > $2`,
      [deviceId, now],
    );
  }
  async revokeSession(id: string, at: string, reason: string): Promise<boolean> {
    return (
      (await this.db.count(
        'UPDATE sessions SET revoked_at = $1, revoke_reason = $2 WHERE id = $3 AND revoked_at IS NULL',
        [at, reason, id],
      )) === 1
    );
  }
  async touchSession(id: string, at: string): Promise<void> {
    await this.db.count('UPDATE sessions SET last_seen_at = $1 WHERE id = $2', [at, id]);
  }
  async extendSession(id: string, expiresAt: string): Promise<void> {
    await this.db.count('UPDATE sessions SET expires_at = $1 WHERE id = $2', [expiresAt, id]);
  }
  async insertAccessToken(r: Omit<AccessTokenRow, 'usedAt'>): Promise<void> {
    await this.db.count(
      'INSERT INTO access_tokens (token_hash, session_id, expires_at, refresh_hash) VALUES ($1, $2, $3, $4)',
      [r.tokenHash, r.sessionId, r.expiresAt, r.refreshHash],
    );
  }
  async findAccessToken(tokenHash: string): Promise<AccessTokenRow | null> {
    const rows = await this.db.rows<AccessTokenRow>(
      `SELECT token_hash AS "tokenHash", session_id AS "sessionId", expires_at AS "expiresAt",
         refresh_hash AS "refreshHash", used_at AS "usedAt" FROM access_tokens WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }
  async findAccessTokenWithSession(
    tokenHash: string,
  ): Promise<{ token: AccessTokenRow; session: SessionRow } | null> {
    const row = (
      await this.db.rows<Joined>(
        `SELECT t.token_hash AS "tokenHash", t.session_id AS "sessionId", t.expires_at AS "tokenExpiresAt",
           t.refresh_hash AS "refreshHash", t.used_at AS "usedAt", s.user_id AS "userId", s.device_id AS "deviceId",
           s.device_name AS "deviceName", s.created_at AS "createdAt", s.last_seen_at AS "lastSeenAt",
           s.expires_at AS "expiresAt", s.revoked_at AS "revokedAt", s.revoke_reason AS "revokeReason"
         FROM access_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = $1`,
        [tokenHash],
      )
    )[0];
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
  async markAccessUsed(tokenHash: string, at: string): Promise<void> {
    await this.db.count('UPDATE access_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL', [
      at,
      tokenHash,
    ]);
  }
  async insertRefreshToken(r: RefreshTokenRow): Promise<void> {
    await this.db.count(
      `INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at, used_at, replaced_by)
        VALUES ($1, $2, $3, $4, $5, $6)`,
      [r.tokenHash, r.sessionId, r.createdAt, r.expiresAt, r.usedAt, r.replacedBy],
    );
  }
  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRow | null> {
    const rows = await this.db.rows<RefreshTokenRow>(
      `SELECT token_hash AS "tokenHash", session_id AS "sessionId", created_at AS "createdAt",
         expires_at AS "expiresAt", used_at AS "usedAt", replaced_by AS "replacedBy"
       FROM refresh_tokens WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }
  async markRefreshUsed(tokenHash: string, at: string): Promise<boolean> {
    return (
      (await this.db.count(
        'UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL',
        [at, tokenHash],
      )) === 1
    );
  }
  async setReplacedBy(tokenHash: string, successorHash: string): Promise<void> {
    await this.db.count('UPDATE refresh_tokens SET replaced_by = $1 WHERE token_hash = $2', [
      successorHash,
      tokenHash,
    ]);
  }
  async pairUnused(refreshHash: string): Promise<boolean> {
    const rows = await this.db.rows<{ unused: boolean | null }>(
      `SELECT (SELECT used_at IS NULL FROM refresh_tokens WHERE token_hash = $1)
         AND NOT EXISTS (SELECT 1 FROM access_tokens WHERE refresh_hash = $1 AND used_at IS NOT NULL) AS unused`,
      [refreshHash],
    );
    return rows[0]?.unused === true;
  }
  async retirePair(refreshHash: string, at: string): Promise<void> {
    await this.markRefreshUsed(refreshHash, at);
    await this.db.count('DELETE FROM access_tokens WHERE refresh_hash = $1', [refreshHash]);
  }
  async pruneTokens(before: string): Promise<void> {
    const ended = 'SELECT id FROM sessions WHERE expires_at < $1 OR revoked_at < $1';
    await this.db.count(`DELETE FROM access_tokens WHERE session_id IN (${ended})`, [before]);
    await this.db.count(`DELETE FROM refresh_tokens WHERE session_id IN (${ended})`, [before]);
  }
}
