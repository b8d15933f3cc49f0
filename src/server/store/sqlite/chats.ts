import type { Db } from '../db.js';
import type { ChatMemberRow, ChatMessageRow, ChatRow, ChatStore } from '../types.js';
import type { Sync } from './sync.js';

const CHAT = `id, kind, school_id AS schoolId, class_id AS classId, direct_key AS directKey,
  last_seq AS lastSeq, last_rev AS lastRev, created_at AS createdAt, updated_at AS updatedAt`;
const MEMBER = `m.chat_id AS chatId, m.user_id AS userId, m.role, m.read_seq AS readSeq,
  m.joined_at AS joinedAt, m.left_at AS leftAt, m.left_seq AS leftSeq, m.muted`;
const MESSAGE = `x.chat_id AS chatId, x.seq, x.rev, x.id, x.sender_id AS senderId,
  trim(u.surname || ' ' || u.name) AS senderName, x.client_id AS clientId, x.text,
  x.reply_to_seq AS replyToSeq, x.created_at AS createdAt, x.edited_at AS editedAt,
  x.deleted_at AS deletedAt, x.deleted_by AS deletedBy`;
const FROM_MESSAGES = `FROM chat_messages x JOIN users u ON u.id = x.sender_id`;

type RawMember = Omit<ChatMemberRow, 'muted'> & { muted: number };
const member = (row: RawMember): ChatMemberRow => ({ ...row, muted: row.muted === 1 });

export class SqliteChatStore implements Sync<ChatStore> {
  private readonly s;

  constructor(db: Db) {
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
        db.prepare(`INSERT INTO chat_messages (chat_id, seq, rev, id, sender_id, client_id, text, reply_to_seq, created_at)
        VALUES (@chatId, @seq, @rev, @id, @senderId, @clientId, @text, @replyToSeq, @createdAt)`),
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
    return this.s.changedAfter.all(chatId, rev, maxSeq, limit) as ChatMessageRow[];
  }
  insertMessage(row: Omit<ChatMessageRow, 'senderName' | 'editedAt' | 'deletedAt' | 'deletedBy'>): void {
    this.s.insertMessage.run(row);
  }
  messageByClientId(senderId: string, clientId: string): ChatMessageRow | null {
    return (this.s.byClientId.get(senderId, clientId) as ChatMessageRow | undefined) ?? null;
  }
  getMessage(chatId: string, seq: number): ChatMessageRow | null {
    return (this.s.getMessage.get(chatId, seq) as ChatMessageRow | undefined) ?? null;
  }
  messagesBefore(chatId: string, before: number, limit: number, maxSeq: number): ChatMessageRow[] {
    return (this.s.before.all(chatId, before, maxSeq, limit) as ChatMessageRow[]).reverse();
  }
  messagesAfter(chatId: string, after: number, limit: number, maxSeq: number): ChatMessageRow[] {
    return this.s.after.all(chatId, after, maxSeq, limit) as ChatMessageRow[];
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
