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
import type { Runner } from './conn.js';

const CHAT = `id, kind, school_id AS "schoolId", class_id AS "classId", direct_key AS "directKey",
  last_seq AS "lastSeq", last_rev AS "lastRev", created_at AS "createdAt", updated_at AS "updatedAt"`;
const MEMBER = `m.chat_id AS "chatId", m.user_id AS "userId", m.role, m.read_seq AS "readSeq",
  m.joined_at AS "joinedAt", m.left_at AS "leftAt", m.left_seq AS "leftSeq", m.muted`;
const MESSAGE = `x.chat_id AS "chatId", x.seq, x.rev, x.id, x.sender_id AS "senderId",
  trim(u.surname || ' ' || u.name) AS "senderName", x.client_id AS "clientId", x.text,
  x.reply_to_seq AS "replyToSeq", x.created_at AS "createdAt", x.edited_at AS "editedAt",
  x.deleted_at AS "deletedAt", x.deleted_by AS "deletedBy",
  coalesce(x.attachments, '[]'::json)::text AS attachments`;
const FROM_MESSAGES = `FROM chat_messages x JOIN users u ON u.id = x.sender_id`;

type RawMessage = Omit<ChatMessageRow, 'attachments'> & { attachments: string };
/** A message row with its attachments parsed (JSON columns come as text). */
function parsed<T extends RawMessage>(row: T): Omit<T, 'attachments'> & Pick<ChatMessageRow, 'attachments'> {
  return { ...row, attachments: JSON.parse(row.attachments) as ChatMessageRow['attachments'] };
}

type NewMessage = Omit<ChatMessageRow, 'senderName' | 'editedAt' | 'deletedAt' | 'deletedBy' | 'attachments'>;
const ATTACHMENT = `id, chat_id AS "chatId", seq, position, document_id AS "documentId", name, size, mime,
  sha256, blob_key AS "blobKey"`;

export class PgChatStore implements ChatStore {
  constructor(private readonly db: Runner) {}

  private async one<R>(sql: string, params: unknown[]): Promise<R | null> {
    return (await this.db.rows<R>(sql, params))[0] ?? null;
  }

  getChat(id: string): Promise<ChatRow | null> {
    return this.one(`SELECT ${CHAT} FROM chats WHERE id = $1`, [id]);
  }
  classChat(classId: string, kind: 'class' | 'announcements'): Promise<ChatRow | null> {
    return this.one(`SELECT ${CHAT} FROM chats WHERE class_id = $1 AND kind = $2`, [classId, kind]);
  }
  /** In a write transaction the pair stays locked: two first messages of a pair open one chat. */
  async directChat(directKey: string): Promise<ChatRow | null> {
    await this.db.lock(`direct-chat:${directKey}`);
    return this.one(`SELECT ${CHAT} FROM chats WHERE direct_key = $1`, [directKey]);
  }
  async insertChat(r: ChatRow): Promise<void> {
    await this.db.count(
      `INSERT INTO chats (id, kind, school_id, class_id, direct_key, last_seq, last_rev, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [r.id, r.kind, r.schoolId, r.classId, r.directKey, r.lastSeq, r.lastRev, r.createdAt, r.updatedAt],
    );
  }
  async classTeacher(classId: string): Promise<string | null> {
    return (
      (
        await this.one<{ teacherId: string | null }>(
          'SELECT teacher_id AS "teacherId" FROM classes WHERE id = $1',
          [classId],
        )
      )?.teacherId ?? null
    );
  }
  async setClassTeacher(classId: string, teacherId: string, at: string): Promise<void> {
    await this.db.count('UPDATE classes SET teacher_id = $1, updated_at = $2 WHERE id = $3', [
      teacherId,
      at,
      classId,
    ]);
  }
  member(chatId: string, userId: string): Promise<ChatMemberRow | null> {
    return this.one(`SELECT ${MEMBER} FROM chat_members m WHERE m.chat_id = $1 AND m.user_id = $2`, [
      chatId,
      userId,
    ]);
  }
  activeMembers(chatId: string): Promise<(ChatMemberRow & { name: string })[]> {
    return this.db.rows(
      `SELECT ${MEMBER}, trim(u.surname || ' ' || u.name) AS name
         FROM chat_members m JOIN users u ON u.id = m.user_id
        WHERE m.chat_id = $1 AND m.left_at IS NULL ORDER BY u.surname COLLATE "C", u.name COLLATE "C", u.id COLLATE "C"`,
      [chatId],
    );
  }
  membershipsOf(userId: string): Promise<ChatMemberRow[]> {
    return this.db.rows(`SELECT ${MEMBER} FROM chat_members m WHERE m.user_id = $1`, [userId]);
  }
  async join(
    row: Pick<ChatMemberRow, 'chatId' | 'userId' | 'role' | 'joinedAt'>,
    readSeq: number,
  ): Promise<void> {
    await this.db.count(
      `INSERT INTO chat_members AS m (chat_id, user_id, role, read_seq, joined_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (chat_id, user_id) DO UPDATE SET role = excluded.role,
          read_seq = greatest(m.read_seq, excluded.read_seq), joined_at = excluded.joined_at,
          left_at = NULL, left_seq = NULL
        WHERE m.left_at IS NOT NULL`,
      [row.chatId, row.userId, row.role, readSeq, row.joinedAt],
    );
  }
  async leave(chatId: string, userId: string, at: string, leftSeq: number): Promise<boolean> {
    return (
      (await this.db.count(
        'UPDATE chat_members SET left_at = $1, left_seq = $2 WHERE chat_id = $3 AND user_id = $4 AND left_at IS NULL',
        [at, leftSeq, chatId, userId],
      )) === 1
    );
  }
  async markRead(chatId: string, userId: string, seq: number): Promise<number> {
    const row = await this.one<{ readSeq: number }>(
      `UPDATE chat_members SET read_seq = greatest(read_seq, $1) WHERE chat_id = $2 AND user_id = $3
        RETURNING read_seq AS "readSeq"`,
      [seq, chatId, userId],
    );
    return row?.readSeq ?? 0;
  }
  /** The chat's row stays locked until commit: a chat's messages commit in the order of their numbers. */
  async nextSeq(chatId: string, at: string): Promise<{ seq: number; rev: number }> {
    return (await this.one<{ seq: number; rev: number }>(
      `UPDATE chats SET last_seq = last_seq + 1, last_rev = last_rev + 1, updated_at = $1
        WHERE id = $2 RETURNING last_seq AS seq, last_rev AS rev`,
      [at, chatId],
    ))!;
  }
  async nextRev(chatId: string, _at: string): Promise<number> {
    return (await this.one<{ rev: number }>(
      'UPDATE chats SET last_rev = last_rev + 1 WHERE id = $1 RETURNING last_rev AS rev',
      [chatId],
    ))!.rev;
  }
  async insertMessage(r: NewMessage, attachments: ChatAttachmentRow[] = []): Promise<void> {
    const listed = attachments.map((a) => ({ id: a.id, name: a.name, size: a.size, mime: a.mime }));
    await this.db.count(
      `INSERT INTO chat_messages (chat_id, seq, rev, id, sender_id, client_id, text, reply_to_seq, created_at, attachments)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        r.chatId,
        r.seq,
        r.rev,
        r.id,
        r.senderId,
        r.clientId,
        r.text,
        r.replyToSeq,
        r.createdAt,
        listed.length > 0 ? JSON.stringify(listed) : null,
      ],
    );
    for (const a of attachments) {
      await this.db.count(
        `INSERT INTO chat_attachments (id, chat_id, seq, position, document_id, name, size, mime, sha256, blob_key)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [a.id, a.chatId, a.seq, a.position, a.documentId, a.name, a.size, a.mime, a.sha256, a.blobKey],
      );
    }
  }
  getAttachment(chatId: string, attachmentId: string): Promise<ChatAttachmentRow | null> {
    return this.one(`SELECT ${ATTACHMENT} FROM chat_attachments WHERE id = $1 AND chat_id = $2`, [
      attachmentId,
      chatId,
    ]);
  }
  async setMuted(chatId: string, userId: string, muted: boolean): Promise<void> {
    await this.db.count('UPDATE chat_members SET muted = $1 WHERE chat_id = $2 AND user_id = $3', [
      muted,
      chatId,
      userId,
    ]);
  }
  async ackedSeqs(chatId: string, userId: string, fromSeq: number, toSeq: number): Promise<number[]> {
    const rows = await this.db.rows<{ seq: number }>(
      `SELECT seq FROM announcement_acks WHERE chat_id = $1 AND user_id = $2 AND seq BETWEEN $3 AND $4 ORDER BY seq`,
      [chatId, userId, fromSeq, toSeq],
    );
    return rows.map((r) => r.seq);
  }
  schoolTeachers(schoolId: string): Promise<SchoolTeacherRow[]> {
    return this.db.rows(
      `SELECT u.id AS "userId", trim(u.surname || ' ' || u.name) AS name, u.class_id AS "classId",
          c.name AS "className", t.id AS "classTeacherOf", t.name AS "classTeacherOfName"
        FROM users u LEFT JOIN classes c ON c.id = u.class_id
        LEFT JOIN classes t ON t.id = (SELECT k.id FROM classes k WHERE k.teacher_id = u.id ORDER BY k.name COLLATE "C" LIMIT 1)
        WHERE u.role = 'teacher' AND u.school_id = $1
        ORDER BY u.surname COLLATE "C", u.name COLLATE "C", u.id COLLATE "C"`,
      [schoolId],
    );
  }
  async classParents(
    classIds: string[],
  ): Promise<{ userId: string; name: string; classId: string; className: string }[]> {
    if (classIds.length === 0) return [];
    return this.db.rows(
      `SELECT DISTINCT p.id AS "userId", trim(p.surname || ' ' || p.name) AS name, c.id AS "classId",
          c.name AS "className"
        FROM classes c JOIN users s ON s.class_id = c.id AND s.role = 'student'
        JOIN parent_links l ON l.child_id = s.id JOIN users p ON p.id = l.parent_id
        WHERE c.id = ANY($1::text[])`,
      [classIds],
    );
  }
  async searchMessages(q: {
    userId: string;
    terms: string[];
    limit: number;
    adminSchoolId: string | null;
  }): Promise<ChatSearchRow[]> {
    if (q.terms.length === 0) return [];
    const query = q.terms.map((t) => `${t.replace(/[^\p{L}\p{N}]/gu, '')}:*`).join(' & ');
    const rows = await this.db.rows<RawMessage & Pick<ChatSearchRow, 'kind' | 'classId' | 'directKey'>>(
      `SELECT ${MESSAGE}, c.kind, c.class_id AS "classId", c.direct_key AS "directKey"
        ${FROM_MESSAGES} JOIN chats c ON c.id = x.chat_id
        LEFT JOIN chat_members m ON m.chat_id = x.chat_id AND m.user_id = $1
        WHERE to_tsvector('simple', chat_fold(x.text)) @@ to_tsquery('simple', $2) AND x.deleted_at IS NULL
          AND ((m.user_id IS NOT NULL AND x.seq <= coalesce(m.left_seq, c.last_seq))
            OR (c.kind <> 'direct' AND c.school_id = $3))
        ORDER BY x.created_at DESC, x.chat_id COLLATE "C", x.seq DESC LIMIT $4`,
      [q.userId, query, q.adminSchoolId, q.limit],
    );
    return rows.map(parsed);
  }
  reportsOfSchool(schoolId: string, limit: number): Promise<ChatReportRow[]> {
    return this.db.rows(
      `SELECT r.id, r.chat_id AS "chatId", r.seq, c.kind, c.class_id AS "classId", c.direct_key AS "directKey",
          trim(su.surname || ' ' || su.name) AS "senderName",
          CASE WHEN x.deleted_at IS NULL THEN x.text ELSE '' END AS text, x.deleted_by AS "deletedBy",
          trim(ru.surname || ' ' || ru.name) AS "reporterName", r.reason, r.created_at AS "createdAt"
        FROM chats c JOIN message_reports r ON r.chat_id = c.id
        JOIN chat_messages x ON x.chat_id = r.chat_id AND x.seq = r.seq
        JOIN users su ON su.id = x.sender_id JOIN users ru ON ru.id = r.reporter_id
        WHERE c.school_id = $1 ORDER BY r.created_at DESC, r.id COLLATE "C" LIMIT $2`,
      [schoolId, limit],
    );
  }
  /** In a write transaction the client id stays locked: a send retried at once stores one message. */
  async messageByClientId(senderId: string, clientId: string): Promise<ChatMessageRow | null> {
    await this.db.lock(`chat-client:${senderId}:${clientId}`);
    const row = await this.one<RawMessage>(
      `SELECT ${MESSAGE} ${FROM_MESSAGES} WHERE x.sender_id = $1 AND x.client_id = $2`,
      [senderId, clientId],
    );
    return row && parsed(row);
  }
  async getMessage(chatId: string, seq: number): Promise<ChatMessageRow | null> {
    const row = await this.one<RawMessage>(
      `SELECT ${MESSAGE} ${FROM_MESSAGES} WHERE x.chat_id = $1 AND x.seq = $2`,
      [chatId, seq],
    );
    return row && parsed(row);
  }
  async messagesBefore(
    chatId: string,
    before: number,
    limit: number,
    maxSeq: number,
  ): Promise<ChatMessageRow[]> {
    const rows = await this.db.rows<RawMessage>(
      `SELECT ${MESSAGE} ${FROM_MESSAGES} WHERE x.chat_id = $1 AND x.seq < $2 AND x.seq <= $3
        ORDER BY x.seq DESC LIMIT $4`,
      [chatId, before, maxSeq, limit],
    );
    return rows.map(parsed).reverse();
  }
  async messagesAfter(
    chatId: string,
    after: number,
    limit: number,
    maxSeq: number,
  ): Promise<ChatMessageRow[]> {
    const rows = await this.db.rows<RawMessage>(
      `SELECT ${MESSAGE} ${FROM_MESSAGES} WHERE x.chat_id = $1 AND x.seq > $2 AND x.seq <= $3 ORDER BY x.seq LIMIT $4`,
      [chatId, after, maxSeq, limit],
    );
    return rows.map(parsed);
  }
  async messagesChangedAfter(
    chatId: string,
    rev: number,
    limit: number,
    maxSeq: number,
  ): Promise<ChatMessageRow[]> {
    const rows = await this.db.rows<RawMessage>(
      `SELECT ${MESSAGE} ${FROM_MESSAGES} WHERE x.chat_id = $1 AND x.rev > $2 AND x.seq <= $3 ORDER BY x.rev LIMIT $4`,
      [chatId, rev, maxSeq, limit],
    );
    return rows.map(parsed);
  }
  async editMessage(chatId: string, seq: number, text: string, at: string, rev: number): Promise<void> {
    await this.db.count(
      'UPDATE chat_messages SET text = $1, edited_at = $2, rev = $3 WHERE chat_id = $4 AND seq = $5',
      [text, at, rev, chatId, seq],
    );
  }
  async deleteMessage(
    chatId: string,
    seq: number,
    by: 'sender' | 'admin',
    at: string,
    rev: number,
  ): Promise<void> {
    await this.db.count(
      `UPDATE chat_messages SET text = '', deleted_by = $1, deleted_at = $2, rev = $3
        WHERE chat_id = $4 AND seq = $5 AND deleted_at IS NULL`,
      [by, at, rev, chatId, seq],
    );
  }
  async insertAck(chatId: string, seq: number, userId: string, at: string): Promise<boolean> {
    return (
      (await this.db.count(
        'INSERT INTO announcement_acks (chat_id, seq, user_id, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [chatId, seq, userId, at],
      )) === 1
    );
  }
  acksOf(chatId: string, seq: number): Promise<{ userId: string; at: string }[]> {
    return this.db.rows(
      'SELECT user_id AS "userId", at FROM announcement_acks WHERE chat_id = $1 AND seq = $2 ORDER BY at, user_id COLLATE "C"',
      [chatId, seq],
    );
  }
  async insertReport(r: {
    id: string;
    chatId: string;
    seq: number;
    reporterId: string;
    reason: string;
    createdAt: string;
  }): Promise<boolean> {
    return (
      (await this.db.count(
        `INSERT INTO message_reports (id, chat_id, seq, reporter_id, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)
          ON CONFLICT DO NOTHING`,
        [r.id, r.chatId, r.seq, r.reporterId, r.reason, r.createdAt],
      )) === 1
    );
  }
}
