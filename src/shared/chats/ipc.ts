import { z } from 'zod';
import { ErrorCodeSchema } from '../errors.js';
import {
  AcksResponseSchema,
  ChatIdSchema,
  ChatKindSchema,
  ChatMembersResponseSchema,
  ChatTextSchema,
  ClientIdSchema,
  SeqSchema,
} from './index.js';

/**
 * The chats screens' part of the IPC contract (spread into IPC and IPC_EVENTS in ipc.ts).
 * The desktop core answers from its cache (chats and the history it has opened, an outbox
 * for what is being sent, FTS5 search); the web version implements the same functions
 * over the chat routes. Both targets run the same screens on it.
 */

/** A chat in the list «Сообщения». */
export const ChatSummarySchema = z.object({
  id: z.string(),
  kind: ChatKindSchema,
  title: z.string(),
  classId: z.string().nullable(),
  peerId: z.string().nullable(),
  lastMessage: z
    .object({
      senderName: z.string(),
      text: z.string(),
      deletedBy: z.enum(['sender', 'admin']).nullable(),
      createdAt: z.string(),
      /** Sent by the caller (the list shows «Вы: …»). */
      mine: z.boolean(),
    })
    .nullable(),
  unread: z.number().int().nonnegative(),
  muted: z.boolean(),
  /** A member who left reads the history up to then and cannot post. */
  left: z.boolean(),
  canPost: z.boolean(),
  updatedAt: z.string(),
});
export type ChatSummary = z.infer<typeof ChatSummarySchema>;

export const ChatListOutputSchema = z.object({
  chats: z.array(ChatSummarySchema),
  /** Unread messages over every chat not muted: the badge on «Сообщения». */
  unreadTotal: z.number().int().nonnegative(),
});
export type ChatListOutput = z.infer<typeof ChatListOutputSchema>;

/** A file attached to a message: readable by the chat's members only. */
export const ChatAttachmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number().int().nonnegative(),
  mime: z.string(),
});
export type ChatAttachment = z.infer<typeof ChatAttachmentSchema>;

/** One row of the timeline: a message of the server's, or one of the caller's still on its way. */
export const TimelineMessageSchema = z.object({
  /** Stable across the send: the client id for the caller's own messages, else `s<seq>`. */
  key: z.string(),
  /** null until the server has numbered it. */
  seq: z.number().int().nullable(),
  senderId: z.string(),
  senderName: z.string(),
  mine: z.boolean(),
  text: z.string(),
  replyTo: z.object({ seq: z.number().int(), senderName: z.string(), text: z.string() }).nullable(),
  attachments: z.array(ChatAttachmentSchema),
  createdAt: z.string(),
  editedAt: z.string().nullable(),
  deletedBy: z.enum(['sender', 'admin']).nullable(),
  /** «Отправляется», or «Не отправлено» with the reason and «Повторить». */
  status: z.enum(['sending', 'sent', 'failed']),
  error: z.object({ code: ErrorCodeSchema, message: z.string() }).nullable(),
  /** The caller's own sent messages: how many of the other members have read it. */
  readBy: z.number().int().nonnegative().nullable(),
  /** Announcements: whether the caller pressed «Ознакомлен(а)». */
  acked: z.boolean().nullable(),
});
export type TimelineMessage = z.infer<typeof TimelineMessageSchema>;

export const HistoryInputSchema = z.object({
  chatId: ChatIdSchema,
  /**
   * Where the page is: `latest` (the newest messages), `unread` (around the first unread
   * one: what a chat opens at), or the messages `before`/`after` a seq.
   */
  anchor: z.discriminatedUnion('at', [
    z.object({ at: z.literal('latest') }),
    z.object({ at: z.literal('unread') }),
    z.object({ at: z.literal('before'), seq: SeqSchema }),
    z.object({ at: z.literal('after'), seq: z.number().int().min(0) }),
  ]),
  limit: z.number().int().min(1).max(100).default(50),
});
export type HistoryInput = z.input<typeof HistoryInputSchema>;

export const HistoryOutputSchema = z.object({
  messages: z.array(TimelineMessageSchema),
  hasOlder: z.boolean(),
  hasNewer: z.boolean(),
  /** The first message the caller has not read (null: all read). */
  firstUnreadSeq: z.number().int().nullable(),
  /** Other members of the chat, for «Прочитали N из M» (M) and «Прочитано» in a direct chat. */
  otherMembers: z.number().int().nonnegative(),
  /** Served from what this device holds because the server cannot be reached (desktop). */
  offline: z.boolean(),
});
export type HistoryOutput = z.infer<typeof HistoryOutputSchema>;

export const SendInputSchema = z.object({
  chatId: ChatIdSchema,
  text: ChatTextSchema,
  replyToSeq: SeqSchema.nullable().default(null),
  /** Documents from «Мои документы» (or just uploaded) to attach. */
  documentIds: z.array(z.string().max(64)).max(10).default([]),
});
export type SendInput = z.input<typeof SendInputSchema>;

export const SearchInputSchema = z.object({
  query: z.string().max(200),
  limit: z.number().int().min(1).max(100).default(30),
});
export const SearchHitSchema = z.object({
  chatId: z.string(),
  chatTitle: z.string(),
  seq: z.number().int(),
  senderName: z.string(),
  /** The message's text with the matches between U+E000 and U+E001 (the screen highlights them). */
  snippet: z.string(),
  createdAt: z.string(),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

/** Someone the caller may start a direct chat with (class teacher first). */
export const ContactSchema = z.object({
  userId: z.string(),
  name: z.string(),
  /** «Классный руководитель 5 А», «Учитель 5 А». */
  role: z.string(),
});
export type Contact = z.infer<typeof ContactSchema>;

const ChatRef = z.object({ chatId: ChatIdSchema });
const MessageRef = z.object({ chatId: ChatIdSchema, seq: SeqSchema });
const Void = z.null();

export const CHATS_IPC = {
  'chats.list': { input: Void, output: ChatListOutputSchema },
  'chats.contacts': { input: Void, output: z.object({ contacts: z.array(ContactSchema) }) },
  'chats.openDirect': { input: z.object({ userId: z.string().max(64) }), output: ChatSummarySchema },
  'chats.history': { input: HistoryInputSchema, output: HistoryOutputSchema },
  /** Shown at once as «Отправляется»; the outbox sends it (exactly once) when it can. */
  'chats.send': { input: SendInputSchema, output: TimelineMessageSchema },
  /** «Повторить» on a message that was not sent, or drop it (its text goes back to the composer). */
  'chats.retry': { input: z.object({ chatId: ChatIdSchema, key: ClientIdSchema }), output: Void },
  'chats.discard': {
    input: z.object({ chatId: ChatIdSchema, key: ClientIdSchema }),
    output: z.object({ text: z.string() }),
  },
  'chats.edit': { input: MessageRef.extend({ text: ChatTextSchema }), output: TimelineMessageSchema },
  'chats.delete': { input: MessageRef, output: TimelineMessageSchema },
  'chats.report': { input: MessageRef.extend({ reason: z.string().max(1000) }), output: Void },
  /** The messages up to `seq` were shown on screen. */
  'chats.markRead': { input: MessageRef.extend({ seq: z.number().int().min(0) }), output: Void },
  'chats.ack': { input: MessageRef, output: Void },
  'chats.acks': { input: MessageRef, output: AcksResponseSchema },
  'chats.members': { input: ChatRef, output: ChatMembersResponseSchema },
  'chats.mute': { input: ChatRef.extend({ muted: z.boolean() }), output: Void },
  'chats.search': { input: SearchInputSchema, output: z.object({ hits: z.array(SearchHitSchema) }) },
  /** What the person typed and did not send, per chat: kept across restarts. */
  'chats.getDraft': { input: ChatRef, output: z.object({ text: z.string() }) },
  'chats.setDraft': { input: ChatRef.extend({ text: z.string().max(16000) }), output: Void },
} as const;

export const CHATS_IPC_EVENTS = {
  /** These chats changed (new, edited or read messages, the list): re-read them. */
  'chats.changed': z.object({ chatIds: z.array(z.string()) }),
} as const;
