import type { ChildChange } from '../../../shared/family/index.js';
import { MAX_PARENTS } from '../../../shared/family/index.js';
import type { EmailRegistrationRow, FamilyStore, HistoryRow, InviteRow, LinkRow } from '../types.js';
import type { Runner } from './conn.js';

const INVITE = `id, child_id AS "childId", token_hash AS "tokenHash", created_at AS "createdAt",
  expires_at AS "expiresAt", revoked_at AS "revokedAt"`;
const LINK = 'child_id AS "childId", parent_id AS "parentId", created_at AS "createdAt"';
const HISTORY = `id, child_id AS "childId", action, parent_id AS "parentId", parent_name AS "parentName",
  actor_id AS "actorId", actor_name AS "actorName", at, changes`;

export class PgFamilyStore implements FamilyStore {
  constructor(private readonly db: Runner) {}

  async insertInvite(r: InviteRow): Promise<void> {
    await this.db.count(
      `INSERT INTO invites (id, child_id, token_hash, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [r.id, r.childId, r.tokenHash, r.createdAt, r.expiresAt, r.revokedAt],
    );
  }
  async inviteByHash(tokenHash: string): Promise<InviteRow | null> {
    return (
      (
        await this.db.rows<InviteRow>(`SELECT ${INVITE} FROM invites WHERE token_hash = $1`, [tokenHash])
      )[0] ?? null
    );
  }
  activeInvites(childId: string): Promise<InviteRow[]> {
    return this.db.rows(
      `SELECT ${INVITE} FROM invites WHERE child_id = $1 AND revoked_at IS NULL ORDER BY created_at`,
      [childId],
    );
  }
  async revokeInvite(id: string, at: string): Promise<boolean> {
    return (
      (await this.db.count('UPDATE invites SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [
        at,
        id,
      ])) > 0
    );
  }
  /**
   * False when the child already has the most parents allowed, or this parent already.
   * Under READ COMMITTED two transactions could both count one link and both insert, so a
   * write transaction first locks the child's row (FOR NO KEY UPDATE: foreign keys to it
   * still check freely): confirmations of one child go one at a
   * time, and each count (a statement after the lock) sees the links committed before it.
   */
  async insertLink(row: LinkRow): Promise<boolean> {
    if (this.db.writing)
      await this.db.rows('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [row.childId]);
    return (
      (await this.db.count(
        `INSERT INTO parent_links (child_id, parent_id, created_at)
          SELECT $1, $2, $3 WHERE (SELECT count(*) FROM parent_links WHERE child_id = $1) < ${MAX_PARENTS}
          ON CONFLICT (child_id, parent_id) DO NOTHING`,
        [row.childId, row.parentId, row.createdAt],
      )) > 0
    );
  }
  async deleteLink(childId: string, parentId: string): Promise<boolean> {
    return (
      (await this.db.count('DELETE FROM parent_links WHERE child_id = $1 AND parent_id = $2', [
        childId,
        parentId,
      ])) > 0
    );
  }
  async getLink(childId: string, parentId: string): Promise<LinkRow | null> {
    const rows = await this.db.rows<LinkRow>(
      `SELECT ${LINK} FROM parent_links WHERE child_id = $1 AND parent_id = $2`,
      [childId, parentId],
    );
    return rows[0] ?? null;
  }
  parentsOf(childId: string): Promise<LinkRow[]> {
    return this.db.rows(
      `SELECT ${LINK} FROM parent_links WHERE child_id = $1 ORDER BY created_at, parent_id COLLATE "C"`,
      [childId],
    );
  }
  childrenOf(parentId: string): Promise<LinkRow[]> {
    return this.db.rows(
      `SELECT ${LINK} FROM parent_links WHERE parent_id = $1 ORDER BY created_at, child_id COLLATE "C"`,
      [parentId],
    );
  }
  allLinks(): Promise<LinkRow[]> {
    return this.db.rows(`SELECT ${LINK} FROM parent_links ORDER BY created_at`);
  }
  async insertHistory(r: HistoryRow): Promise<void> {
    await this.db.count(
      `INSERT INTO family_history (id, child_id, action, parent_id, parent_name, actor_id, actor_name, at, changes)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        r.id,
        r.childId,
        r.action,
        r.parentId,
        r.parentName,
        r.actorId,
        r.actorName,
        r.at,
        r.changes ? JSON.stringify(r.changes) : null,
      ],
    );
  }
  async historyOf(childId: string): Promise<HistoryRow[]> {
    // A confirmation's `changed` line comes right after its `joined` one (same time).
    const rows = await this.db.rows<Omit<HistoryRow, 'changes'> & { changes: string | null }>(
      `SELECT ${HISTORY} FROM family_history WHERE child_id = $1 ORDER BY at, action = 'changed', id COLLATE "C"`,
      [childId],
    );
    return rows.map((row) => ({
      ...row,
      changes: row.changes === null ? null : (JSON.parse(row.changes) as ChildChange[]),
    }));
  }
  async insertEmailRegistration(r: EmailRegistrationRow): Promise<void> {
    await this.db.count(
      `INSERT INTO email_registrations (token_hash, user_id, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5)`,
      [r.tokenHash, r.userId, r.createdAt, r.expiresAt, r.usedAt],
    );
  }
  async emailRegistration(tokenHash: string): Promise<EmailRegistrationRow | null> {
    const rows = await this.db.rows<EmailRegistrationRow>(
      `SELECT token_hash AS "tokenHash", user_id AS "userId", created_at AS "createdAt", expires_at AS "expiresAt",
         used_at AS "usedAt" FROM email_registrations WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }
  async setBirthDate(userId: string, birthDate: string | null, at: string): Promise<void> {
    await this.db.count('UPDATE users SET birth_date = $1, updated_at = $2 WHERE id = $3', [
      birthDate,
      at,
      userId,
    ]);
  }
  async useEmailRegistration(tokenHash: string, at: string): Promise<boolean> {
    return (
      (await this.db.count(
        'UPDATE email_registrations SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL',
        [at, tokenHash],
      )) > 0
    );
  }
}
