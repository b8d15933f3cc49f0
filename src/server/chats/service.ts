import {
  CHAT_TEXT_MAX,
  type AcksResponse,
  type ChatMembersResponse,
  type ChatMessage,
  type ChatRecord,
  type MessagesPage,
  type MessagesQuery,
  type SendBody,
} from '../../shared/chats/index.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../auth/tokens.js';
import { iso, type Now } from '../clock.js';
import type { Feed } from '../sync/feed.js';
import type { ChatMemberRow, ChatMessageRow, ChatRow, Repos, Store, UserRow } from '../store/types.js';
import { canPost, chatRecord, personName, putChat, putChatToMembers } from './membership.js';

export interface ChatDeps {
  store: Store;
  feed: Feed;
  now: Now;
}

/** What one person may do in one chat, read inside the transaction that acts on it. */
interface Access {
  chat: ChatRow;
  user: UserRow;
  member: ChatMemberRow | null;
  /** The school's administrator of a class chat or announcements channel (reads and moderates). */
  admin: boolean;
  /** The newest message the person may read. */
  maxSeq: number;
}

function notMember(): AppError {
  return new AppError('CHAT_NOT_MEMBER', 'This chat is not among yours.');
}

/** C0 and C1 control characters other than tab and line breaks; plain text has none. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A message's text as stored: NFC, trimmed, 1–4000 characters, plain. */
export function cleanText(text: string): string {
  const clean = text.normalize('NFC').trim();
  if (clean.length === 0) throw new AppError('CHAT_MESSAGE_EMPTY', 'The message is empty.');
  if ([...clean].length > CHAT_TEXT_MAX)
    throw new AppError('CHAT_MESSAGE_TOO_LONG', `A message is at most ${CHAT_TEXT_MAX} characters.`);
  if (CONTROL.test(clean))
    throw new AppError('VALIDATION_FAILED', 'The message contains hidden control characters.');
  return clean;
}

export function messageOf(row: ChatMessageRow): ChatMessage {
  return {
    id: row.id,
    chatId: row.chatId,
    seq: row.seq,
    rev: row.rev,
    senderId: row.senderId,
    senderName: row.senderName,
    text: row.deletedAt ? '' : row.text,
    replyToSeq: row.replyToSeq,
    createdAt: row.createdAt,
    editedAt: row.editedAt,
    deletedAt: row.deletedAt,
    deletedBy: row.deletedBy,
  };
}

/**
 * Class chats, announcements and direct chats. Every rule is checked inside the write
 * transaction that acts on it; the feed carries one `chat` record per member, and the
 * members' devices hear of a change after the commit.
 */
export class ChatService {
  constructor(private readonly deps: ChatDeps) {}

  private async access(db: Repos, userId: string, chatId: string): Promise<Access> {
    const [chat, user] = [await db.chats.getChat(chatId), await db.accounts.getUser(userId)];
    if (!chat || !user) throw notMember();
    const member = await db.chats.member(chatId, userId);
    const admin = chat.kind !== 'direct' && user.role === 'admin' && user.schoolId === chat.schoolId;
    if (member) return { chat, user, member, admin, maxSeq: member.leftSeq ?? chat.lastSeq };
    if (admin) return { chat, user, member: null, admin, maxSeq: chat.lastSeq };
    throw notMember();
  }

  /** The caller's chats (including ones they left, readable up to the moment they left). */
  async list(userId: string): Promise<{ chats: ChatRecord[] }> {
    return this.deps.store.read(async (db) => {
      const chats: ChatRecord[] = [];
      for (const member of await db.chats.membershipsOf(userId)) {
        const chat = await db.chats.getChat(member.chatId);
        if (chat) chats.push(await chatRecord(db, chat, member));
      }
      chats.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id));
      return { chats };
    });
  }

  /**
   * The direct chat of the caller and another person, made on first use. A parent writes to
   * a teacher of their child's class (and the teacher back); a teacher to a teacher of the
   * same school; a parent to their own child. Never a parent to another parent, never
   * anyone to a student who is not their child.
   */
  async openDirect(userId: string, peerId: string): Promise<ChatRecord> {
    const { feed, now } = this.deps;
    return feed.write(async (writer, db) => {
      const me = await db.accounts.getUser(userId);
      const peer = peerId === userId ? null : await db.accounts.getUser(peerId);
      if (!me || !peer || !(await this.directAllowed(db, me, peer))) {
        throw new AppError('CHAT_DIRECT_NOT_ALLOWED', 'A direct chat with this person is not allowed.');
      }
      const key = [me.id, peer.id].sort().join(':');
      let chat = await db.chats.directChat(key);
      if (!chat) {
        const at = iso(now());
        chat = {
          id: newId(),
          kind: 'direct',
          schoolId: me.schoolId ?? peer.schoolId,
          classId: null,
          directKey: key,
          lastSeq: 0,
          lastRev: 0,
          createdAt: at,
          updatedAt: at,
        };
        await db.chats.insertChat(chat);
        for (const p of [me, peer]) {
          await db.chats.join(
            {
              chatId: chat.id,
              userId: p.id,
              role: p.role === 'teacher' ? 'teacher' : 'member',
              joinedAt: at,
            },
            0,
          );
        }
        await putChat(writer, chat.id, [me.id, peer.id]);
      }
      return chatRecord(db, chat, (await db.chats.member(chat.id, me.id))!);
    });
  }

  private async directAllowed(db: Repos, a: UserRow, b: UserRow): Promise<boolean> {
    if (a.role === 'teacher' && b.role === 'teacher') return a.schoolId !== null && a.schoolId === b.schoolId;
    const pair = (x: UserRow, y: UserRow, rx: UserRow['role'], ry: UserRow['role']) =>
      x.role === rx && y.role === ry ? [x, y] : y.role === rx && x.role === ry ? [y, x] : null;
    const pt = pair(a, b, 'parent', 'teacher');
    if (pt) {
      const [parent, teacher] = pt as [UserRow, UserRow];
      for (const link of await db.family.childrenOf(parent.id)) {
        const child = await db.accounts.getUser(link.childId);
        if (!child?.classId) continue;
        if (teacher.classId === child.classId) return true;
        if ((await db.chats.classTeacher(child.classId)) === teacher.id) return true;
      }
      return false;
    }
    const ps = pair(a, b, 'parent', 'student');
    if (ps) return (await db.family.getLink(ps[1]!.id, ps[0]!.id)) !== null;
    return false;
  }

  /** One page of history: the newest, or before / after an anchor, never past what the caller may read. */
  async messages(userId: string, chatId: string, query: MessagesQuery): Promise<MessagesPage> {
    return this.deps.store.read(async (db) => {
      const { chat, maxSeq } = await this.access(db, userId, chatId);
      const { limit } = query;
      let rows: ChatMessageRow[];
      let hasMore: boolean;
      if (query.changedAfter !== undefined) {
        rows = await db.chats.messagesChangedAfter(chat.id, query.changedAfter, limit + 1, maxSeq);
        hasMore = rows.length > limit;
        rows = rows.slice(0, limit);
      } else if (query.after !== undefined) {
        rows = await db.chats.messagesAfter(chat.id, query.after, limit + 1, maxSeq);
        hasMore = rows.length > limit;
        rows = rows.slice(0, limit);
      } else {
        const before = Math.min(query.before ?? maxSeq + 1, maxSeq + 1);
        rows = await db.chats.messagesBefore(chat.id, before, limit + 1, maxSeq);
        hasMore = rows.length > limit;
        rows = rows.slice(rows.length - Math.min(rows.length, limit));
      }
      return { messages: rows.map(messageOf), hasMore, lastSeq: maxSeq, lastRev: chat.lastRev };
    });
  }

  /**
   * Sends a message exactly once per client id: a retry gets the first message back
   * (`created` false) instead of a second copy.
   */
  async send(
    userId: string,
    chatId: string,
    body: SendBody,
  ): Promise<{ message: ChatMessage; created: boolean }> {
    const text = cleanText(body.text);
    const { feed, now } = this.deps;
    return feed.write(async (writer, db) => {
      const known = await db.chats.messageByClientId(userId, body.clientId);
      const access = await this.access(db, userId, chatId);
      if (known) {
        if (known.chatId !== chatId)
          throw new AppError('VALIDATION_FAILED', 'This client id belongs to another message.');
        return { message: messageOf(known), created: false };
      }
      this.checkPost(access);
      const replyTo = body.replyToSeq ?? null;
      if (replyTo !== null && replyTo > access.chat.lastSeq)
        throw new AppError('VALIDATION_FAILED', 'The message replied to does not exist.');
      const at = iso(now());
      const { seq, rev } = await db.chats.nextSeq(chatId, at);
      await db.chats.insertMessage({
        chatId,
        seq,
        rev,
        id: newId(),
        senderId: userId,
        clientId: body.clientId,
        text,
        replyToSeq: replyTo,
        createdAt: at,
      });
      if (access.member) await db.chats.markRead(chatId, userId, seq);
      await putChatToMembers(writer, chatId);
      return { message: messageOf((await db.chats.getMessage(chatId, seq))!), created: true };
    });
  }

  private checkPost(access: Access): void {
    if (access.member && access.member.leftAt !== null) throw notMember();
    if (!canPost(access.chat, access.member, access.user)) {
      throw new AppError(
        'FORBIDDEN',
        access.chat.kind === 'announcements'
          ? 'Only teachers and the school’s administrators post announcements.'
          : 'You cannot post in this chat.',
      );
    }
  }

  private async ownMessage(db: Repos, userId: string, chatId: string, seq: number) {
    const access = await this.access(db, userId, chatId);
    const message = seq <= access.maxSeq ? await db.chats.getMessage(chatId, seq) : null;
    if (!message || message.deletedAt) throw new AppError('NOT_FOUND', 'There is no such message.');
    return { access, message };
  }

  /** The sender edits their own message. */
  async edit(userId: string, chatId: string, seq: number, rawText: string): Promise<ChatMessage> {
    const text = cleanText(rawText);
    const { feed, now } = this.deps;
    return feed.write(async (writer, db) => {
      const { access, message } = await this.ownMessage(db, userId, chatId, seq);
      if (message.senderId !== userId) throw new AppError('FORBIDDEN', 'Only the sender edits a message.');
      this.checkPost(access);
      const at = iso(now());
      await db.chats.editMessage(chatId, seq, text, at, await db.chats.nextRev(chatId, at));
      // Every member's record moves to the new revision, so their devices fetch the edit.
      await putChatToMembers(writer, chatId);
      return messageOf((await db.chats.getMessage(chatId, seq))!);
    });
  }

  /** The sender deletes their own message; the school's administrator removes any in their school. */
  async remove(userId: string, chatId: string, seq: number): Promise<ChatMessage> {
    const { feed, now } = this.deps;
    return feed.write(async (writer, db) => {
      const { access, message } = await this.ownMessage(db, userId, chatId, seq);
      const own = message.senderId === userId && access.member !== null && access.member.leftAt === null;
      if (!own && !access.admin)
        throw new AppError('FORBIDDEN', 'Only the sender or the school’s administrator removes a message.');
      const at = iso(now());
      await db.chats.deleteMessage(
        chatId,
        seq,
        own ? 'sender' : 'admin',
        at,
        await db.chats.nextRev(chatId, at),
      );
      await putChatToMembers(writer, chatId);
      return messageOf((await db.chats.getMessage(chatId, seq))!);
    });
  }

  /** Anyone who can read a message reports it to the school's administrators. */
  async report(userId: string, chatId: string, seq: number, reason: string): Promise<{ ok: true }> {
    const { store, now } = this.deps;
    return store.transaction(async (db) => {
      await this.ownMessage(db, userId, chatId, seq);
      await db.chats.insertReport({
        id: newId(),
        chatId,
        seq,
        reporterId: userId,
        reason,
        createdAt: iso(now()),
      });
      return { ok: true as const };
    });
  }

  /** Moves the caller's read pointer forward (never back, never past what they may read). */
  async markRead(userId: string, chatId: string, seq: number): Promise<{ readSeq: number }> {
    const { feed } = this.deps;
    return feed.write(async (writer, db) => {
      const { chat, member, maxSeq } = await this.access(db, userId, chatId);
      if (!member) throw notMember();
      const before = member.readSeq;
      const readSeq = await db.chats.markRead(chatId, userId, Math.min(seq, maxSeq));
      if (readSeq !== before) {
        // A direct chat's other person sees «Прочитано»; a class chat's members ask for «N из M».
        const peers = chat.kind === 'direct' ? chat.directKey!.split(':') : [userId];
        await putChat(writer, chatId, peers);
      }
      return { readSeq };
    });
  }

  /** The active members and how far each has read, for «Прочитали N из M». */
  async members(userId: string, chatId: string): Promise<ChatMembersResponse> {
    return this.deps.store.read(async (db) => {
      await this.access(db, userId, chatId);
      const members = await db.chats.activeMembers(chatId);
      return {
        members: members.map((m) => ({ userId: m.userId, name: m.name, role: m.role, readSeq: m.readSeq })),
      };
    });
  }

  /** A member confirms an announcement («Ознакомлен(а)»). */
  async ack(userId: string, chatId: string, seq: number): Promise<{ ok: true }> {
    const { store, now } = this.deps;
    return store.transaction(async (db) => {
      const { access, message } = await this.ownMessage(db, userId, chatId, seq);
      if (access.chat.kind !== 'announcements')
        throw new AppError('VALIDATION_FAILED', 'Only announcements are acknowledged.');
      if (!access.member || access.member.leftAt !== null) throw notMember();
      if (message.senderId !== userId) await db.chats.insertAck(chatId, seq, userId, iso(now()));
      return { ok: true as const };
    });
  }

  /** Who has confirmed an announcement and who has not: for its teachers and the school's administrators. */
  async acks(userId: string, chatId: string, seq: number): Promise<AcksResponse> {
    return this.deps.store.read(async (db) => {
      const { access, message } = await this.ownMessage(db, userId, chatId, seq);
      if (access.chat.kind !== 'announcements')
        throw new AppError('VALIDATION_FAILED', 'Only announcements are acknowledged.');
      if (!access.admin && access.member?.role !== 'teacher')
        throw new AppError('FORBIDDEN', 'Only teachers see who has read an announcement.');
      const acks = new Map((await db.chats.acksOf(chatId, seq)).map((a) => [a.userId, a.at]));
      const members = (await db.chats.activeMembers(chatId)).filter(
        (m) => m.role === 'member' && m.userId !== message.senderId,
      );
      return {
        acked: members
          .filter((m) => acks.has(m.userId))
          .map((m) => ({ userId: m.userId, name: m.name, at: acks.get(m.userId)! })),
        pending: members.filter((m) => !acks.has(m.userId)).map((m) => ({ userId: m.userId, name: m.name })),
      };
    });
  }
}

export { personName };
