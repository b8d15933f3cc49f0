import type { ChatRecord } from '../../shared/chats/index.js';
import { iso, type Now } from '../clock.js';
import { newId } from '../auth/tokens.js';
import type { FeedWriter } from '../sync/feed.js';
import type { ChatMemberRow, ChatRow, Repos, UserRow } from '../store/types.js';

/**
 * Who is in which chat, and the `chat` record each member's feed carries. Used inside
 * the write transactions of the chats service, the family service (a parent joins a class
 * chat with their first confirmed child of the class and leaves with the last) and the
 * school's tool (a new class gets its chats; a class teacher's account joins them).
 */

const PREVIEW_CHARS = 200;

export function personName(user: Pick<UserRow, 'surname' | 'name'>): string {
  return `${user.surname} ${user.name}`.trim();
}

/** The chat's title as `userId` sees it (a direct chat: the other person's name). */
export async function chatTitle(
  db: Repos,
  chat: Pick<ChatRow, 'kind' | 'classId' | 'directKey'>,
  userId: string,
): Promise<{ title: string; peerId: string | null }> {
  if (chat.kind === 'direct') {
    const peerId = chat.directKey!.split(':').find((id) => id !== userId) ?? userId;
    const peer = await db.accounts.getUser(peerId);
    return { title: peer ? personName(peer) : '', peerId };
  }
  const cls = chat.classId ? await db.accounts.getClass(chat.classId) : null;
  const name = cls?.name ?? '';
  return { title: chat.kind === 'class' ? `Чат родителей ${name}` : `Объявления ${name}`, peerId: null };
}

/** Whether the user may post in the chat (as a member, or as the school's administrator). */
export function canPost(chat: ChatRow, member: ChatMemberRow | null, user: UserRow): boolean {
  const admin = user.role === 'admin' && chat.schoolId !== null && user.schoolId === chat.schoolId;
  if (chat.kind === 'announcements') return admin || (member?.leftAt === null && member.role === 'teacher');
  return member?.leftAt === null;
}

/** The feed's `chat` record of one member. */
export async function chatRecord(db: Repos, chat: ChatRow, member: ChatMemberRow): Promise<ChatRecord> {
  const user = (await db.accounts.getUser(member.userId))!;
  const maxSeq = member.leftSeq ?? chat.lastSeq;
  const last = maxSeq > 0 ? (await db.chats.messagesBefore(chat.id, maxSeq + 1, 1, maxSeq))[0] : undefined;
  const { title: name, peerId } = await chatTitle(db, chat, member.userId);
  const peer = peerId ? await db.chats.member(chat.id, peerId) : null;
  return {
    id: chat.id,
    kind: chat.kind,
    title: name,
    classId: chat.classId,
    peerId,
    peerReadSeq: peer ? peer.readSeq : null,
    lastSeq: maxSeq,
    lastRev: chat.lastRev,
    lastMessage: last
      ? {
          seq: last.seq,
          senderName: last.senderName,
          text: last.deletedAt ? '' : last.text.slice(0, PREVIEW_CHARS),
          deletedBy: last.deletedBy,
          createdAt: last.createdAt,
        }
      : null,
    readSeq: Math.min(member.readSeq, maxSeq),
    unread: Math.max(0, maxSeq - member.readSeq),
    muted: member.muted,
    state: member.leftAt === null ? 'member' : 'left',
    leftSeq: member.leftSeq,
    canPost: canPost(chat, member, user),
    updatedAt: chat.updatedAt,
  };
}

/** Puts the chat's record into the feed of each of `userIds` who is or was a member. */
export async function putChat(writer: FeedWriter, chatId: string, userIds: Iterable<string>): Promise<void> {
  const db = writer.tx;
  const chat = await db.chats.getChat(chatId);
  if (!chat) return;
  for (const userId of new Set(userIds)) {
    const member = await db.chats.member(chatId, userId);
    if (member) await writer.put([userId], 'chat', chat.id, await chatRecord(db, chat, member));
  }
}

/** Puts the record to every active member. */
export async function putChatToMembers(writer: FeedWriter, chatId: string): Promise<void> {
  const members = await writer.tx.chats.activeMembers(chatId);
  await putChat(
    writer,
    chatId,
    members.map((m) => m.userId),
  );
}

/** The class's chat and announcements channel, made if missing. */
export async function ensureClassChats(db: Repos, classId: string, now: Now): Promise<ChatRow[]> {
  const cls = await db.accounts.getClass(classId);
  if (!cls) return [];
  const chats: ChatRow[] = [];
  for (const kind of ['class', 'announcements'] as const) {
    let chat = await db.chats.classChat(classId, kind);
    if (!chat) {
      const at = iso(now());
      chat = {
        id: newId(),
        kind,
        schoolId: cls.schoolId,
        classId,
        directKey: null,
        lastSeq: 0,
        lastRev: 0,
        createdAt: at,
        updatedAt: at,
      };
      await db.chats.insertChat(chat);
    }
    chats.push(chat);
  }
  return chats;
}

async function join(
  writer: FeedWriter,
  classId: string,
  userId: string,
  role: ChatMemberRow['role'],
  now: Now,
) {
  for (const chat of await ensureClassChats(writer.tx, classId, now)) {
    const member = await writer.tx.chats.member(chat.id, userId);
    if (member && member.leftAt === null) continue;
    // Someone who comes back reads on from now; the history stays readable by paging.
    await writer.tx.chats.join({ chatId: chat.id, userId, role, joinedAt: iso(now()) }, chat.lastSeq);
    await putChat(writer, chat.id, [userId]);
  }
}

/** A parent's link to a child was confirmed: the parent is in the child's class chats. */
export async function parentLinked(
  writer: FeedWriter,
  childId: string,
  parentId: string,
  now: Now,
): Promise<void> {
  const child = await writer.tx.accounts.getUser(childId);
  if (child?.classId) await join(writer, child.classId, parentId, 'member', now);
}

/** A parent's link ended: the parent leaves the class chats unless another child of theirs is in the class. */
export async function parentUnlinked(
  writer: FeedWriter,
  childId: string,
  parentId: string,
  now: Now,
): Promise<void> {
  const db = writer.tx;
  const child = await db.accounts.getUser(childId);
  if (!child?.classId) return;
  for (const link of await db.family.childrenOf(parentId)) {
    if (link.childId === childId) continue;
    if ((await db.accounts.getUser(link.childId))?.classId === child.classId) return;
  }
  if ((await db.chats.classTeacher(child.classId)) === parentId) return;
  for (const kind of ['class', 'announcements'] as const) {
    const chat = await db.chats.classChat(child.classId, kind);
    if (!chat) continue;
    if (await db.chats.leave(chat.id, parentId, iso(now()), chat.lastSeq))
      await putChat(writer, chat.id, [parentId]);
  }
}

/** Links the class teacher's account (when the class has none yet) and puts them in the class chats. */
export async function classTeacherLinked(
  writer: FeedWriter,
  classId: string,
  teacherId: string,
  now: Now,
): Promise<void> {
  const db = writer.tx;
  if ((await db.chats.classTeacher(classId)) === null)
    await db.chats.setClassTeacher(classId, teacherId, iso(now()));
  if ((await db.chats.classTeacher(classId)) === teacherId)
    await join(writer, classId, teacherId, 'teacher', now);
}
