import type { ChildChange } from '../../../shared/family/index.js';
import { MAX_PARENTS } from '../../../shared/family/index.js';
import type { Db } from '../db.js';
import type { EmailRegistrationRow, FamilyStore, HistoryRow, InviteRow, LinkRow } from '../types.js';
import type { Sync } from './sync.js';

const INVITE_COLUMNS = `id, child_id AS childId, token_hash AS tokenHash, created_at AS createdAt,
  expires_at AS expiresAt, revoked_at AS revokedAt`;
const HISTORY_COLUMNS = `id, child_id AS childId, action, parent_id AS parentId, parent_name AS parentName,
  actor_id AS actorId, actor_name AS actorName, at, changes`;

/** The family tables as plain synchronous calls over prepared statements. */
export class SqliteFamilyStore implements Sync<FamilyStore> {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insertInvite:
        db.prepare(`INSERT INTO invites (id, child_id, token_hash, created_at, expires_at, revoked_at)
        VALUES (@id, @childId, @tokenHash, @createdAt, @expiresAt, @revokedAt)`),
      inviteByHash: db.prepare(`SELECT ${INVITE_COLUMNS} FROM invites WHERE token_hash = ?`),
      activeInvites: db.prepare(
        `SELECT ${INVITE_COLUMNS} FROM invites WHERE child_id = ? AND revoked_at IS NULL ORDER BY created_at`,
      ),
      revokeInvite: db.prepare('UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      // The count and the insert are one statement: whatever interleaves with it, a
      // child never ends up with more than MAX_PARENTS links (SQLite runs one writer at a time).
      insertLink: db.prepare(`INSERT INTO parent_links (child_id, parent_id, created_at)
        SELECT @childId, @parentId, @createdAt
        WHERE (SELECT count(*) FROM parent_links WHERE child_id = @childId) < ${MAX_PARENTS}
        ON CONFLICT (child_id, parent_id) DO NOTHING`),
      deleteLink: db.prepare('DELETE FROM parent_links WHERE child_id = ? AND parent_id = ?'),
      getLink: db.prepare(
        'SELECT child_id AS childId, parent_id AS parentId, created_at AS createdAt FROM parent_links WHERE child_id = ? AND parent_id = ?',
      ),
      parentsOf: db.prepare(
        'SELECT child_id AS childId, parent_id AS parentId, created_at AS createdAt FROM parent_links WHERE child_id = ? ORDER BY created_at, parent_id',
      ),
      childrenOf: db.prepare(
        'SELECT child_id AS childId, parent_id AS parentId, created_at AS createdAt FROM parent_links WHERE parent_id = ? ORDER BY created_at, child_id',
      ),
      allLinks: db.prepare(
        'SELECT child_id AS childId, parent_id AS parentId, created_at AS createdAt FROM parent_links ORDER BY created_at',
      ),
      insertHistory:
        db.prepare(`INSERT INTO family_history (id, child_id, action, parent_id, parent_name, actor_id, actor_name, at, changes)
        VALUES (@id, @childId, @action, @parentId, @parentName, @actorId, @actorName, @at, @changes)`),
      // A confirmation's `changed` line comes right after its `joined` one (same time).
      historyOf: db.prepare(
        `SELECT ${HISTORY_COLUMNS} FROM family_history WHERE child_id = ? ORDER BY at, action = 'changed', id`,
      ),
      insertEmailRegistration:
        db.prepare(`INSERT INTO email_registrations (token_hash, user_id, created_at, expires_at, used_at)
        VALUES (@tokenHash, @userId, @createdAt, @expiresAt, @usedAt)`),
      emailRegistration:
        db.prepare(`SELECT token_hash AS tokenHash, user_id AS userId, created_at AS createdAt,
        expires_at AS expiresAt, used_at AS usedAt FROM email_registrations WHERE token_hash = ?`),
      setBirthDate: db.prepare('UPDATE users SET birth_date = ?, updated_at = ? WHERE id = ?'),
      useEmailRegistration: db.prepare(
        'UPDATE email_registrations SET used_at = ? WHERE token_hash = ? AND used_at IS NULL',
      ),
    };
  }

  insertInvite(row: InviteRow): void {
    this.stmts.insertInvite.run(row);
  }
  inviteByHash(tokenHash: string): InviteRow | null {
    return (this.stmts.inviteByHash.get(tokenHash) as InviteRow | undefined) ?? null;
  }
  activeInvites(childId: string): InviteRow[] {
    return this.stmts.activeInvites.all(childId) as InviteRow[];
  }
  revokeInvite(id: string, at: string): boolean {
    return this.stmts.revokeInvite.run(at, id).changes > 0;
  }
  /** False when the child already has the most parents allowed, or this parent already. */
  insertLink(row: LinkRow): boolean {
    return this.stmts.insertLink.run(row).changes > 0;
  }
  deleteLink(childId: string, parentId: string): boolean {
    return this.stmts.deleteLink.run(childId, parentId).changes > 0;
  }
  getLink(childId: string, parentId: string): LinkRow | null {
    return (this.stmts.getLink.get(childId, parentId) as LinkRow | undefined) ?? null;
  }
  parentsOf(childId: string): LinkRow[] {
    return this.stmts.parentsOf.all(childId) as LinkRow[];
  }
  childrenOf(parentId: string): LinkRow[] {
    return this.stmts.childrenOf.all(parentId) as LinkRow[];
  }
  allLinks(): LinkRow[] {
    return this.stmts.allLinks.all() as LinkRow[];
  }
  insertHistory(row: HistoryRow): void {
    this.stmts.insertHistory.run({ ...row, changes: row.changes ? JSON.stringify(row.changes) : null });
  }
  historyOf(childId: string): HistoryRow[] {
    return (
      this.stmts.historyOf.all(childId) as (Omit<HistoryRow, 'changes'> & { changes: string | null })[]
    ).map((row) => ({
      ...row,
      changes: row.changes === null ? null : (JSON.parse(row.changes) as ChildChange[]),
    }));
  }
  insertEmailRegistration(row: EmailRegistrationRow): void {
    this.stmts.insertEmailRegistration.run(row);
  }
  emailRegistration(tokenHash: string): EmailRegistrationRow | null {
    return (this.stmts.emailRegistration.get(tokenHash) as EmailRegistrationRow | undefined) ?? null;
  }
  setBirthDate(userId: string, birthDate: string | null, at: string): void {
    this.stmts.setBirthDate.run(birthDate, at, userId);
  }
  useEmailRegistration(tokenHash: string, at: string): boolean {
    return this.stmts.useEmailRegistration.run(at, tokenHash).changes > 0;
  }
}
