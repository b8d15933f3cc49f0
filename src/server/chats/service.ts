import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  CHAT_ATTACHMENTS_MAX,
  CHAT_TEXT_MAX,
  MATCH_END,
  MATCH_START,
  type AcksResponse,
  type ChatMembersResponse,
  type ChatMessage,
  type ChatRecord,
  type ChatReport,
  type MessagesPage,
  type MessagesQuery,
  type SendBody,
} from '../../shared/chats/index.js';
import type { Contact, SearchHit } from '../../shared/chats/ipc.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../auth/tokens.js';
import type { BlobStore } from '../blobs/types.js';
import { iso, type Now } from '../clock.js';
import type { RateLimiter } from '../rateLimit.js';
import type { Feed } from '../sync/feed.js';
import type {
  ChatAttachmentRow,
  ChatMemberRow,
  ChatMessageRow,
  ChatRow,
  DocumentRow,
  Repos,
  Store,
  UserRow,
} from '../store/types.js';
import { AttachmentLinks } from './links.js';
import { canPost, chatRecord, chatTitle, personName, putChat, putChatToMembers } from './membership.js';

export interface ChatDeps {
  store: Store;
  feed: Feed;
  now: Now;
  limiter: RateLimiter;
  /** Where attachments' copies of documents' bytes go (a temporary file on the blobs' disk first). */
  files: { blobs: BlobStore; tempDir: string };
}

/** A sender's burst: this many new messages in this many seconds, then CHAT_RATE_LIMITED. */
export const CHAT_SEND_LIMIT = { count: 30, windowSeconds: 10 };
const SNIPPET_BEFORE = 60;
const SNIPPET_CHARS = 200;
const SEARCH_TERMS_MAX = 10;
const REPORTS_MAX = 500;

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

/** Lower case, «ё» as «е»: how search compares words. */
export function foldForSearch(text: string): string {
  return text.toLocaleLowerCase('ru').replace(/ё/g, 'е');
}

/** The words of a search query, folded (letters and digits; the rest separates words). */
export function searchTerms(query: string): string[] {
  const words = foldForSearch(query.normalize('NFC')).match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words)].slice(0, SEARCH_TERMS_MAX);
}

/**
 * The message's text around its first match, every word that starts with a term marked
 * between U+E000 and U+E001.
 */
export function snippetOf(text: string, terms: string[]): string {
  const words = [...text.matchAll(/[\p{L}\p{N}]+/gu)];
  const hits = words.filter((w) => terms.some((t) => foldForSearch(w[0]).startsWith(t)));
  const first = hits[0]?.index ?? 0;
  let start = Math.max(0, first - SNIPPET_BEFORE);
  if (start > 0) {
    const space = text.lastIndexOf(' ', first);
    start = space >= start ? space + 1 : start;
  }
  const end = Math.min(text.length, start + SNIPPET_CHARS);
  let out = '';
  let at = start;
  for (const w of hits) {
    const from = w.index;
    const to = from + w[0].length;
    if (from < start || to > end) continue;
    out += text.slice(at, from) + MATCH_START + w[0] + MATCH_END;
    at = to;
  }
  out += text.slice(at, end);
  return `${start > 0 ? '…' : ''}${out}${end < text.length ? '…' : ''}`;
}

export function messageOf(row: ChatMessageRow, acked: boolean | null = null): ChatMessage {
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
    attachments: row.deletedAt ? [] : row.attachments,
    acked,
  };
}

/** Whether the caller acknowledged each of an announcements channel's messages (their own: true). */
async function ackedOf(
  db: Repos,
  chat: ChatRow,
  userId: string,
  rows: ChatMessageRow[],
): Promise<Map<number, boolean | null>> {
  const out = new Map<number, boolean | null>();
  if (chat.kind !== 'announcements' || rows.length === 0) {
    for (const r of rows) out.set(r.seq, null);
    return out;
  }
  const seqs = rows.map((r) => r.seq);
  const acked = new Set(await db.chats.ackedSeqs(chat.id, userId, Math.min(...seqs), Math.max(...seqs)));
  for (const r of rows) out.set(r.seq, r.senderId === userId || acked.has(r.seq));
  return out;
}

async function messagesOf(db: Repos, chat: ChatRow, userId: string, rows: ChatMessageRow[]) {
  const acked = await ackedOf(db, chat, userId, rows);
  return rows.map((r) => messageOf(r, acked.get(r.seq) ?? null));
}

async function oneMessage(db: Repos, chat: ChatRow, userId: string, row: ChatMessageRow) {
  return (await messagesOf(db, chat, userId, [row]))[0]!;
}

function attachmentRefused(code: 'CHAT_ATTACHMENT_NOT_YOURS' | 'CHAT_ATTACHMENT_IN_TRASH', name?: string) {
  return code === 'CHAT_ATTACHMENT_NOT_YOURS'
    ? new AppError(code, 'Only your own documents can be attached.')
    : new AppError(
        code,
        `The document ${name ?? ''} is in the trash: restore it to attach it.`.replace('  ', ' '),
      );
}

/** The documents to attach, each the sender's own and not in the trash. */
async function attachable(db: Repos, userId: string, ids: string[]): Promise<DocumentRow[]> {
  const docs: DocumentRow[] = [];
  for (const id of ids) {
    const doc = await db.documents.getDocument(userId, id);
    if (!doc) throw attachmentRefused('CHAT_ATTACHMENT_NOT_YOURS');
    if (doc.trashedAt !== null) throw attachmentRefused('CHAT_ATTACHMENT_IN_TRASH', `«${doc.name}»`);
    docs.push(doc);
  }
  return docs;
}

/**
 * Class chats, announcements and direct chats. Every rule is checked inside the write
 * transaction that acts on it; the feed carries one `chat` record per member, and the
 * members' devices hear of a change after the commit.
 */
export class ChatService {
  /** Signed links to attachments, for a browser's download. */
  readonly links: AttachmentLinks;

  constructor(private readonly deps: ChatDeps) {
    this.links = new AttachmentLinks(deps.store.documents, deps.now);
  }

  /** The bytes of an attachment's copy (a range of them), for the download route. */
  readBlob(key: string, range?: { start: number; end: number }) {
    return this.deps.files.blobs.read(key, range);
  }

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
      return {
        messages: await messagesOf(db, chat, userId, rows),
        hasMore,
        lastSeq: maxSeq,
        lastRev: chat.lastRev,
      };
    });
  }

  /**
   * Sends a message exactly once per client id: a retry gets the first message back
   * (`created` false) instead of a second copy. Attached documents are copied (their bytes
   * as they are now) before the transaction, so the message keeps them whatever happens
   * to the documents later; a copy that ends up unused is removed.
   */
  async send(
    userId: string,
    chatId: string,
    body: SendBody,
  ): Promise<{ message: ChatMessage; created: boolean }> {
    const documentIds = [...new Set(body.documentIds ?? [])];
    if (documentIds.length > CHAT_ATTACHMENTS_MAX) {
      throw new AppError(
        'CHAT_TOO_MANY_ATTACHMENTS',
        `A message takes at most ${CHAT_ATTACHMENTS_MAX} files.`,
      );
    }
    const text = documentIds.length > 0 && body.text.trim() === '' ? '' : cleanText(body.text);
    const { feed, now, store } = this.deps;
    const earlier = await store.read(async (db) => {
      const known = await db.chats.messageByClientId(userId, body.clientId);
      if (known) return known;
      // Who may not post hears so before the rate limit counts the attempt.
      this.checkPost(await this.access(db, userId, chatId));
      if (documentIds.length > 0) await attachable(db, userId, documentIds);
      return null;
    });
    if (!earlier) await this.countSend(userId);
    const copies = earlier ? [] : await this.copyDocuments(userId, documentIds);
    let used = false;
    try {
      return await feed.write(async (writer, db) => {
        const known = await db.chats.messageByClientId(userId, body.clientId);
        const access = await this.access(db, userId, chatId);
        if (known) {
          if (known.chatId !== chatId)
            throw new AppError('VALIDATION_FAILED', 'This client id belongs to another message.');
          return { message: await oneMessage(db, access.chat, userId, known), created: false };
        }
        this.checkPost(access);
        const replyTo = body.replyToSeq ?? null;
        if (replyTo !== null && replyTo > access.chat.lastSeq)
          throw new AppError('VALIDATION_FAILED', 'The message replied to does not exist.');
        // Still the sender's and still not in the trash now that the message is written.
        const docs = await attachable(db, userId, documentIds);
        const at = iso(now());
        const { seq, rev } = await db.chats.nextSeq(chatId, at);
        const attachments: ChatAttachmentRow[] = docs.map((doc, position) => ({
          id: newId(),
          chatId,
          seq,
          position,
          documentId: doc.id,
          name: doc.name,
          size: doc.size,
          mime: doc.mime,
          sha256: doc.sha256,
          blobKey: copies[position]!,
        }));
        await db.chats.insertMessage(
          {
            chatId,
            seq,
            rev,
            id: newId(),
            senderId: userId,
            clientId: body.clientId,
            text,
            replyToSeq: replyTo,
            createdAt: at,
          },
          attachments,
        );
        if (access.member) await db.chats.markRead(chatId, userId, seq);
        await putChatToMembers(writer, chatId);
        used = true;
        const row = (await db.chats.getMessage(chatId, seq))!;
        return { message: await oneMessage(db, access.chat, userId, row), created: true };
      });
    } finally {
      if (!used) for (const key of copies) void this.deps.files.blobs.delete(key).catch(() => {});
    }
  }

  /** A sender's burst of new messages is limited (a retry of one already sent never counts). */
  private async countSend(userId: string): Promise<void> {
    try {
      await this.deps.limiter.hit(
        `chat-send:${userId}`,
        CHAT_SEND_LIMIT.count,
        CHAT_SEND_LIMIT.windowSeconds,
      );
    } catch (error) {
      if (error instanceof AppError && error.code === 'RATE_LIMITED') {
        throw new AppError('CHAT_RATE_LIMITED', 'Too many messages at once. Wait a few seconds.', {
          retryAfter: error.retryAfter ?? CHAT_SEND_LIMIT.windowSeconds,
        });
      }
      throw error;
    }
  }

  /** Copies of the documents' bytes under new blob keys, in the order given. */
  private async copyDocuments(userId: string, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { blobs, tempDir } = this.deps.files;
    const docs = await this.deps.store.read((db) => attachable(db, userId, ids));
    const keys: string[] = [];
    try {
      for (const doc of docs) {
        const key = newId();
        const temp = path.join(tempDir, `chat-copy-${key}`);
        try {
          await pipeline(blobs.read(doc.blobKey), fs.createWriteStream(temp));
          await blobs.adopt(temp, key);
        } catch {
          await fsp.rm(temp, { force: true });
          throw new AppError('NOT_FOUND', `The document «${doc.name}» could not be read.`);
        }
        keys.push(key);
      }
      return keys;
    } catch (error) {
      for (const key of keys) void blobs.delete(key).catch(() => {});
      throw error;
    }
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
      return oneMessage(db, access.chat, userId, (await db.chats.getMessage(chatId, seq))!);
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
      return oneMessage(db, access.chat, userId, (await db.chats.getMessage(chatId, seq))!);
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

  /**
   * Who the caller may start a direct chat with. A parent: the teachers of their confirmed
   * children's classes. A teacher: the other teachers of the school, and the parents of
   * their class. Class teachers first, then by name.
   */
  async contacts(userId: string): Promise<{ contacts: Contact[] }> {
    return this.deps.store.read(async (db) => {
      const me = await db.accounts.getUser(userId);
      const found = new Map<string, Contact & { rank: number }>();
      const add = (c: Contact, rank: number) => {
        const had = found.get(c.userId);
        if (c.userId !== userId && (!had || had.rank > rank)) found.set(c.userId, { ...c, rank });
      };
      if (me?.role === 'parent') {
        const classes = new Map<string, string>();
        for (const link of await db.family.childrenOf(userId)) {
          const child = await db.accounts.getUser(link.childId);
          if (child?.classId && child.schoolId) classes.set(child.classId, child.schoolId);
        }
        const teachersBySchool = new Map<string, Awaited<ReturnType<Repos['chats']['schoolTeachers']>>>();
        for (const [classId, schoolId] of classes) {
          if (!teachersBySchool.has(schoolId))
            teachersBySchool.set(schoolId, await db.chats.schoolTeachers(schoolId));
          const className = (await db.accounts.getClass(classId))?.name ?? '';
          const head = await db.chats.classTeacher(classId);
          for (const t of teachersBySchool.get(schoolId)!) {
            if (t.userId === head)
              add({ userId: t.userId, name: t.name, role: `Классный руководитель ${className}` }, 0);
            else if (t.classId === classId)
              add({ userId: t.userId, name: t.name, role: `Учитель ${className}` }, 1);
          }
        }
      } else if (me?.role === 'teacher' && me.schoolId) {
        const mine = new Set<string>(me.classId ? [me.classId] : []);
        for (const t of await db.chats.schoolTeachers(me.schoolId)) {
          if (t.userId === userId) {
            if (t.classTeacherOf) mine.add(t.classTeacherOf);
            continue;
          }
          if (t.classTeacherOf)
            add(
              {
                userId: t.userId,
                name: t.name,
                role: `Классный руководитель ${t.classTeacherOfName ?? ''}`.trim(),
              },
              0,
            );
          else
            add(
              { userId: t.userId, name: t.name, role: t.className ? `Учитель ${t.className}` : 'Учитель' },
              1,
            );
        }
        for (const p of await db.chats.classParents([...mine]))
          add({ userId: p.userId, name: p.name, role: `Родитель ученика ${p.className}` }, 2);
      }
      const contacts = [...found.values()]
        .sort(
          (a, b) => a.rank - b.rank || a.name.localeCompare(b.name, 'ru') || a.userId.localeCompare(b.userId),
        )
        .map(({ rank: _rank, ...c }) => c);
      return { contacts };
    });
  }

  /** The member's own «Без звука» flag, in their chat record (and so their feed). */
  async mute(userId: string, chatId: string, muted: boolean): Promise<{ muted: boolean }> {
    return this.deps.feed.write(async (writer, db) => {
      const { member } = await this.access(db, userId, chatId);
      if (!member) throw notMember();
      if (member.muted !== muted) {
        await db.chats.setMuted(chatId, userId, muted);
        await putChat(writer, chatId, [userId]);
      }
      return { muted };
    });
  }

  /**
   * The newest messages the caller may read in which every word of the query starts a
   * word (any case, «ё» as «е»), each with its text around the match marked.
   */
  async search(userId: string, query: string, limit: number): Promise<{ hits: SearchHit[] }> {
    const terms = searchTerms(query);
    if (terms.length === 0) return { hits: [] };
    return this.deps.store.read(async (db) => {
      const user = await db.accounts.getUser(userId);
      if (!user) return { hits: [] };
      const rows = await db.chats.searchMessages({
        userId,
        terms,
        limit,
        adminSchoolId: user.role === 'admin' ? user.schoolId : null,
      });
      const titles = new Map<string, string>();
      const hits: SearchHit[] = [];
      for (const row of rows) {
        if (!titles.has(row.chatId)) titles.set(row.chatId, (await chatTitle(db, row, userId)).title);
        hits.push({
          chatId: row.chatId,
          chatTitle: titles.get(row.chatId)!,
          seq: row.seq,
          senderName: row.senderName,
          snippet: snippetOf(row.text, terms),
          createdAt: row.createdAt,
        });
      }
      return { hits };
    });
  }

  /** A file of a message the caller may read (not deleted); else not found. */
  async attachment(userId: string, chatId: string, attachmentId: string): Promise<ChatAttachmentRow> {
    return this.deps.store.read(async (db) => {
      const { maxSeq } = await this.access(db, userId, chatId);
      const row = await db.chats.getAttachment(chatId, attachmentId);
      const message = row && row.seq <= maxSeq ? await db.chats.getMessage(chatId, row.seq) : null;
      if (!row || !message || message.deletedAt) throw new AppError('NOT_FOUND', 'There is no such file.');
      return row;
    });
  }

  /** The reports of messages in the school's chats: for its administrators only. */
  async reports(userId: string): Promise<{ reports: ChatReport[] }> {
    return this.deps.store.read(async (db) => {
      const user = await db.accounts.getUser(userId);
      if (user?.role !== 'admin' || !user.schoolId)
        throw new AppError('FORBIDDEN', 'Only the school’s administrators see reports.');
      const reports: ChatReport[] = [];
      for (const r of await db.chats.reportsOfSchool(user.schoolId, REPORTS_MAX)) {
        let title: string;
        if (r.kind === 'direct') {
          const names: string[] = [];
          for (const id of r.directKey!.split(':')) {
            const u = await db.accounts.getUser(id);
            if (u) names.push(personName(u));
          }
          title = names.join(' — ');
        } else title = (await chatTitle(db, r, userId)).title;
        reports.push({
          id: r.id,
          chatId: r.chatId,
          chatTitle: title,
          seq: r.seq,
          senderName: r.senderName,
          text: r.text,
          deletedBy: r.deletedBy,
          reporterName: r.reporterName,
          reason: r.reason,
          at: r.createdAt,
        });
      }
      return { reports };
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
