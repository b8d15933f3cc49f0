import type Database from 'better-sqlite3';
import type { Db } from '../db.js';
import type {
  ChatAttachmentRow,
  ChatMemberRow,
  ChatMessageRow,
  ChatReportRow,
  ChatRow,
  ChatSearchRow,
  ChatStore,
  SchoolTeacherRow,
} from '../types.js';
import type { Sync } from './sync.js';

const CHAT = `id, kind, school_id AS schoolId, class_id AS classId, direct_key AS directKey,
  last_seq AS lastSeq, last_rev AS lastRev, created_at AS createdAt, updated_at AS updatedAt`;
const MEMBER = `m.chat_id AS chatId, m.user_id AS userId, m.role, m.read_seq AS readSeq,
  m.joined_at AS joinedAt, m.left_at AS leftAt, m.left_seq AS leftSeq, m.muted`;
const MESSAGE = `x.chat_id AS chatId, x.seq, x.rev, x.id, x.sender_id AS senderId,
  trim(u.surname || ' ' || u.name) AS senderName, x.client_id AS clientId, x.text,
  x.reply_to_seq AS replyToSeq, x.created_at AS createdAt, x.edited_at AS editedAt,
  x.deleted_at AS deletedAt, x.deleted_by AS deletedBy, x.attachments`;
const FROM_MESSAGES = `FROM chat_messages x JOIN users u ON u.id = x.sender_id`;

type Statement = Database.Statement<unknown[]>;
type RawMember = Omit<ChatMemberRow, 'muted'> & { muted: number };
const member = (row: RawMember): ChatMemberRow => ({ ...row, muted: row.muted === 1 });

type RawMessage = Omit<ChatMessageRow, 'attachments'> & { attachments: string | null };
function message<T extends RawMessage>(row: T): Omit<T, 'attachments'> & Pick<ChatMessageRow, 'attachments'> {
  return {
    ...row,
    attachments: row.attachments ? (JSON.parse(row.attachments) as ChatMessageRow['attachments']) : [],
  };
}
const messages = (rows: unknown[]): ChatMessageRow[] => (rows as RawMessage[]).map(message);

const ATTACHMENT = `id, chat_id AS chatId, seq, position, document_id AS documentId, name, size, mime,
  sha256, blob_key AS blobKey`;

/** An FTS5 query: every term as a quoted prefix (terms are letters and digits only). */
export function ftsQuery(terms: string[]): string {
  return terms.map((t) => `"${t.replace(/"/g, '')}"*`).join(' AND ');
}

export class SqliteChatStore implements Sync<ChatStore> {
  private readonly s;
  /** Statements over tables of later migrations, prepared on first use. */
  private readonly late = new Map<string, Statement>();

  private prepared(sql: string): Statement {
    let statement = this.late.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.late.set(sql, statement);
    }
    return statement;
  }

  constructor(private readonly db: Db) {
    this.s = {
      getChat: db.prepare(`SELECT ${CHAT} FROM chats WHERE id = ?`),
      classChat: db.prepare(`SELECT ${CHAT} FROM chats WHERE class_id = ? AND kind = ?`),
      directChat: db.prepare(`SELECT ${CHAT} FROM chats WHERE direct_key = ?`),
      insertChat:
        db.prepare(`INSERT INTO chats (id, kind, school_id, class_id, direct_key, last_seq, last_rev, created_at, updated_at)
        VALUES (@id, @kind, @schoolId, @classId, @directKey, @lastSeq, @lastRev, @createdAt, @updatedAt)`),
      classTeacher: db.prepare(`SELECT teacher_id AS teacherId FROM classes WHERE id = ?`),
      setClassTeacher: db.prepare(`UPDATE classes SET teacher_id = ?, updated_at = ? WHERE id = ?`),
      member: db.prepare(`SELECT ${MEMBER} FROM chat_members m WHERE m.chat_id = ? AND m.user_id = ?`),
      activeMembers: db.prepare(`SELECT ${MEMBER}, trim(u.surname || ' ' || u.name) AS name
        FROM chat_members m JOIN users u ON u.id = m.user_id
        WHERE m.chat_id = ? AND m.left_at IS NULL ORDER BY u.surname, u.name, u.id`),
      membershipsOf: db.prepare(`SELECT ${MEMBER} FROM chat_members m WHERE m.user_id = ?`),
      join: db.prepare(`INSERT INTO chat_members (chat_id, user_id, role, read_seq, joined_at)
        VALUES (@chatId, @userId, @role, @readSeq, @joinedAt)
        ON CONFLICT (chat_id, user_id) DO UPDATE SET role = excluded.role,
          read_seq = max(read_seq, excluded.read_seq), joined_at = excluded.joined_at,
          left_at = NULL, left_seq = NULL
        WHERE left_at IS NOT NULL`),
      leave: db.prepare(`UPDATE chat_members SET left_at = ?, left_seq = ?
        WHERE chat_id = ? AND user_id = ? AND left_at IS NULL`),
      markRead: db.prepare(`UPDATE chat_members SET read_seq = max(read_seq, ?)
        WHERE chat_id = ? AND user_id = ? RETURNING read_seq AS readSeq`),
      nextSeq: db.prepare(`UPDATE chats SET last_seq = last_seq + 1, last_rev = last_rev + 1, updated_at = ?
        WHERE id = ? RETURNING last_seq AS seq, last_rev AS rev`),
      nextRev: db.prepare(`UPDATE chats SET last_rev = last_rev + 1 WHERE id = ? RETURNING last_rev AS rev`),
      changedAfter: db.prepare(`SELECT ${MESSAGE} ${FROM_MESSAGES}
        WHERE x.chat_id = ? AND x.rev > ? AND x.seq <= ? ORDER BY x.rev LIMIT ?`),
      insertMessage:
        db.prepare(`INSERT INTO chat_messages (chat_id, seq, rev, id, sender_id, client_id, text, reply_to_seq, created_at, attachments)
        VALUES (@chatId, @seq, @rev, @id, @senderId, @clientId, @text, @replyToSeq, @createdAt, @attachments)`),
      byClientId: db.prepare(`SELECT ${MESSAGE} ${FROM_MESSAGES} WHERE x.sender_id = ? AND x.client_id = ?`),
      getMessage: db.prepare(`SELECT ${MESSAGE} ${FROM_MESSAGES} WHERE x.chat_id = ? AND x.seq = ?`),
      before: db.prepare(`SELECT ${MESSAGE} ${FROM_MESSAGES}
        WHERE x.chat_id = ? AND x.seq < ? AND x.seq <= ? ORDER BY x.seq DESC LIMIT ?`),
      after: db.prepare(`SELECT ${MESSAGE} ${FROM_MESSAGES}
        WHERE x.chat_id = ? AND x.seq > ? AND x.seq <= ? ORDER BY x.seq LIMIT ?`),
      edit: db.prepare(
        `UPDATE chat_messages SET text = ?, edited_at = ?, rev = ? WHERE chat_id = ? AND seq = ?`,
      ),
      remove: db.prepare(`UPDATE chat_messages SET text = '', deleted_by = ?, deleted_at = ?, rev = ?
        WHERE chat_id = ? AND seq = ? AND deleted_at IS NULL`),
      ack: db.prepare(
        `INSERT OR IGNORE INTO announcement_acks (chat_id, seq, user_id, at) VALUES (?, ?, ?, ?)`,
      ),
      acks: db.prepare(
        `SELECT user_id AS userId, at FROM announcement_acks WHERE chat_id = ? AND seq = ? ORDER BY at, user_id`,
      ),
      report:
        db.prepare(`INSERT OR IGNORE INTO message_reports (id, chat_id, seq, reporter_id, reason, created_at)
        VALUES (@id, @chatId, @seq, @reporterId, @reason, @createdAt)`),
    };
  }

  getChat(id: string): ChatRow | null {
    return (this.s.getChat.get(id) as ChatRow | undefined) ?? null;
  }
  classChat(classId: string, kind: 'class' | 'announcements'): ChatRow | null {
    return (this.s.classChat.get(classId, kind) as ChatRow | undefined) ?? null;
  }
  directChat(directKey: string): ChatRow | null {
    return (this.s.directChat.get(directKey) as ChatRow | undefined) ?? null;
  }
  insertChat(row: ChatRow): void {
    this.s.insertChat.run(row);
  }
  classTeacher(classId: string): string | null {
    return (this.s.classTeacher.get(classId) as { teacherId: string | null } | undefined)?.teacherId ?? null;
  }
  setClassTeacher(classId: string, teacherId: string, at: string): void {
    this.s.setClassTeacher.run(teacherId, at, classId);
  }
  member(chatId: string, userId: string): ChatMemberRow | null {
    const row = this.s.member.get(chatId, userId) as RawMember | undefined;
    return row ? member(row) : null;
  }
  activeMembers(chatId: string): (ChatMemberRow & { name: string })[] {
    return (this.s.activeMembers.all(chatId) as (RawMember & { name: string })[]).map((r) => ({
      ...member(r),
      name: r.name,
    }));
  }
  membershipsOf(userId: string): ChatMemberRow[] {
    return (this.s.membershipsOf.all(userId) as RawMember[]).map(member);
  }
  join(row: Pick<ChatMemberRow, 'chatId' | 'userId' | 'role' | 'joinedAt'>, readSeq: number): void {
    this.s.join.run({ ...row, readSeq });
  }
  leave(chatId: string, userId: string, at: string, leftSeq: number): boolean {
    return this.s.leave.run(at, leftSeq, chatId, userId).changes === 1;
  }
  markRead(chatId: string, userId: string, seq: number): number {
    return (this.s.markRead.get(seq, chatId, userId) as { readSeq: number } | undefined)?.readSeq ?? 0;
  }
  nextSeq(chatId: string, at: string): { seq: number; rev: number } {
    return this.s.nextSeq.get(at, chatId) as { seq: number; rev: number };
  }
  nextRev(chatId: string, _at: string): number {
    return (this.s.nextRev.get(chatId) as { rev: number }).rev;
  }
  messagesChangedAfter(chatId: string, rev: number, limit: number, maxSeq: number): ChatMessageRow[] {
    return messages(this.s.changedAfter.all(chatId, rev, maxSeq, limit));
  }
  insertMessage(
    row: Omit<ChatMessageRow, 'senderName' | 'editedAt' | 'deletedAt' | 'deletedBy' | 'attachments'>,
    attachments: ChatAttachmentRow[] = [],
  ): void {
    const listed = attachments.map((a) => ({ id: a.id, name: a.name, size: a.size, mime: a.mime }));
    this.s.insertMessage.run({ ...row, attachments: listed.length > 0 ? JSON.stringify(listed) : null });
    for (const a of attachments) {
      this.prepared(
        `INSERT INTO chat_attachments (id, chat_id, seq, position, document_id, name, size, mime, sha256, blob_key)
        VALUES (@id, @chatId, @seq, @position, @documentId, @name, @size, @mime, @sha256, @blobKey)`,
      ).run(a);
    }
  }
  getAttachment(chatId: string, attachmentId: string): ChatAttachmentRow | null {
    const row = this.prepared(`SELECT ${ATTACHMENT} FROM chat_attachments WHERE id = ? AND chat_id = ?`).get(
      attachmentId,
      chatId,
    );
    return (row as ChatAttachmentRow | undefined) ?? null;
  }
  setMuted(chatId: string, userId: string, muted: boolean): void {
    this.prepared(`UPDATE chat_members SET muted = ? WHERE chat_id = ? AND user_id = ?`).run(
      muted ? 1 : 0,
      chatId,
      userId,
    );
  }
  ackedSeqs(chatId: string, userId: string, fromSeq: number, toSeq: number): number[] {
    const rows = this.prepared(
      `SELECT seq FROM announcement_acks
      WHERE chat_id = ? AND user_id = ? AND seq BETWEEN ? AND ? ORDER BY seq`,
    ).all(chatId, userId, fromSeq, toSeq) as { seq: number }[];
    return rows.map((r) => r.seq);
  }
  schoolTeachers(schoolId: string): SchoolTeacherRow[] {
    return this.prepared(
      `SELECT u.id AS userId, trim(u.surname || ' ' || u.name) AS name,
        u.class_id AS classId, c.name AS className, t.id AS classTeacherOf, t.name AS classTeacherOfName
      FROM users u LEFT JOIN classes c ON c.id = u.class_id
      LEFT JOIN classes t ON t.id = (SELECT k.id FROM classes k WHERE k.teacher_id = u.id ORDER BY k.name LIMIT 1)
      WHERE u.role = 'teacher' AND u.school_id = ? ORDER BY u.surname, u.name, u.id`,
    ).all(schoolId) as SchoolTeacherRow[];
  }
  classParents(classIds: string[]): { userId: string; name: string; classId: string; className: string }[] {
    if (classIds.length === 0) return [];
    return this.prepared(
      `SELECT DISTINCT p.id AS userId, trim(p.surname || ' ' || p.name) AS name,
        c.id AS classId, c.name AS className
      FROM classes c JOIN users s ON s.class_id = c.id AND s.role = 'student'
      JOIN parent_links l ON l.child_id = s.id JOIN users p ON p.id = l.parent_id
      WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY p.surname, p.name, p.id, c.name`,
    ).all(JSON.stringify(classIds)) as { userId: string; name: string; classId: string; className: string }[];
  }
  searchMessages(q: {
    userId: string;
    terms: string[];
    limit: number;
    adminSchoolId: string | null;
  }): ChatSearchRow[] {
    if (q.terms.length === 0) return [];
    const rows = this.prepared(
      `SELECT ${MESSAGE}, c.kind, c.class_id AS classId, c.direct_key AS directKey
      FROM chat_messages_fts f
      JOIN chat_message_search s ON s.id = f.rowid
      JOIN chat_messages x ON x.chat_id = s.chat_id AND x.seq = s.seq
      JOIN users u ON u.id = x.sender_id
      JOIN chats c ON c.id = x.chat_id
      LEFT JOIN chat_members m ON m.chat_id = x.chat_id AND m.user_id = @userId
      WHERE chat_messages_fts MATCH @match AND x.deleted_at IS NULL
        AND ((m.user_id IS NOT NULL AND x.seq <= coalesce(m.left_seq, c.last_seq))
          OR (c.kind != 'direct' AND c.school_id = @adminSchoolId))
      ORDER BY x.created_at DESC, x.chat_id, x.seq DESC LIMIT @limit`,
    ).all({
      userId: q.userId,
      match: ftsQuery(q.terms),
      limit: q.limit,
      adminSchoolId: q.adminSchoolId,
    }) as (RawMessage & Pick<ChatSearchRow, 'kind' | 'classId' | 'directKey'>)[];
    return rows.map(message);
  }
  reportsOfSchool(schoolId: string, limit: number): ChatReportRow[] {
    return this.prepared(
      `SELECT r.id, r.chat_id AS chatId, r.seq, c.kind, c.class_id AS classId,
        c.direct_key AS directKey, trim(su.surname || ' ' || su.name) AS senderName,
        CASE WHEN x.deleted_at IS NULL THEN x.text ELSE '' END AS text, x.deleted_by AS deletedBy,
        trim(ru.surname || ' ' || ru.name) AS reporterName, r.reason, r.created_at AS createdAt
      FROM chats c JOIN message_reports r ON r.chat_id = c.id
      JOIN chat_messages x ON x.chat_id = r.chat_id AND x.seq = r.seq
      JOIN users su ON su.id = x.sender_id JOIN users ru ON ru.id = r.reporter_id
      WHERE c.school_id = ? ORDER BY r.created_at DESC, r.id LIMIT ?`,
    ).all(schoolId, limit) as ChatReportRow[];
  }
  getMessage(chatId: string, seq: number): ChatMessageRow | null {
    const row = this.s.getMessage.get(chatId, seq) as RawMessage | undefined;
    return row ? message(row) : null;
  }
  messageByClientId(senderId: string, clientId: string): ChatMessageRow | null {
    const row = this.s.byClientId.get(senderId, clientId) as RawMessage | undefined;
    return row ? message(row) : null;
  }
  messagesBefore(chatId: string, before: number, limit: number, maxSeq: number): ChatMessageRow[] {
    return messages(this.s.before.all(chatId, before, maxSeq, limit)).reverse();
  }
  messagesAfter(chatId: string, after: number, limit: number, maxSeq: number): ChatMessageRow[] {
    return messages(this.s.after.all(chatId, after, maxSeq, limit));
  }
  editMessage(chatId: string, seq: number, text: string, at: string, rev: number): void {
    this.s.edit.run(text, at, rev, chatId, seq);
  }
  deleteMessage(chatId: string, seq: number, by: 'sender' | 'admin', at: string, rev: number): void {
    this.s.remove.run(by, at, rev, chatId, seq);
  }
  insertAck(chatId: string, seq: number, userId: string, at: string): boolean {
    return this.s.ack.run(chatId, seq, userId, at).changes === 1;
  }
  acksOf(chatId: string, seq: number): { userId: string; at: string }[] {
    return this.s.acks.all(chatId, seq) as { userId: string; at: string }[];
  }
  insertReport(row: {
    id: string;
    chatId: string;
    seq: number;
    reporterId: string;
    reason: string;
    createdAt: string;
  }): boolean {
    return this.s.report.run(row).changes === 1;
  }
}
