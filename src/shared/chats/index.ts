import { z } from 'zod';

/**
 * Chats with the school: a class chat and an announcements channel per class, and direct
 * chats of two people. Messages are numbered per chat (`seq`); history is paged by an
 * anchor; read state is one pointer per member (`readSeq`). Texts are plain.
 */

export const CHAT_TEXT_MAX = 4000;
export const CHAT_PAGE_MAX = 100;
export const CHAT_PAGE_DEFAULT = 50;
export const CHAT_REPORT_MAX = 1000;
export const CHAT_ATTACHMENTS_MAX = 10;
export const CHAT_SEARCH_MAX = 100;
export const CHAT_SEARCH_DEFAULT = 30;
export const CHAT_QUERY_MAX = 200;
/** Where a search hit's snippet marks a match: between these two private-use characters. */
export const MATCH_START = '\uE000';
export const MATCH_END = '\uE001';

export const ChatKindSchema = z.enum(['class', 'direct', 'announcements']);
export type ChatKind = z.infer<typeof ChatKindSchema>;

export const ChatIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);
export const ClientIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
export const SeqSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** A message's text as typed: checked by the service, so empty and too long get their own codes. */
export const ChatTextSchema = z.string().max(CHAT_TEXT_MAX * 4);

/** A file attached to a message: a copy of the document as it was sent, readable by the chat's readers. */
export const MessageAttachmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number().int().nonnegative(),
  mime: z.string(),
});
export type MessageAttachment = z.infer<typeof MessageAttachmentSchema>;

export const ChatMessageSchema = z.object({
  id: z.string(),
  chatId: z.string(),
  seq: z.number().int(),
  /** The chat's revision when the message was sent, edited or deleted last. */
  rev: z.number().int(),
  senderId: z.string(),
  senderName: z.string(),
  /** Empty once deleted. */
  text: z.string(),
  replyToSeq: z.number().int().nullable(),
  createdAt: z.string(),
  editedAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
  /** «Сообщение удалено» (sender) or «Сообщение удалено администратором» (admin). */
  deletedBy: z.enum(['sender', 'admin']).nullable(),
  /** Always present: [] when none, and once the message is deleted. */
  attachments: z.array(MessageAttachmentSchema),
  /** Announcements: whether the caller confirmed «Ознакомлен(а)» (their own: true); null for other kinds. */
  acked: z.boolean().nullable(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** The feed's `chat` entity: one per member per chat. */
export const ChatRecordSchema = z.object({
  id: z.string(),
  kind: ChatKindSchema,
  title: z.string(),
  classId: z.string().nullable(),
  /** The other person of a direct chat. */
  peerId: z.string().nullable(),
  /** How far the other person of a direct chat has read («Прочитано»). */
  peerReadSeq: z.number().int().nullable(),
  lastSeq: z.number().int(),
  /** The newest revision: a device holding the chat up to an older one asks `changedAfter` it. */
  lastRev: z.number().int(),
  lastMessage: z
    .object({
      seq: z.number().int(),
      senderName: z.string(),
      text: z.string(),
      deletedBy: z.enum(['sender', 'admin']).nullable(),
      createdAt: z.string(),
    })
    .nullable(),
  readSeq: z.number().int(),
  unread: z.number().int(),
  muted: z.boolean(),
  /** A member who left reads up to `leftSeq` and nothing after. */
  state: z.enum(['member', 'left']),
  leftSeq: z.number().int().nullable(),
  /** Whether the caller may post (announcements: teachers and the school's administrators). */
  canPost: z.boolean(),
  updatedAt: z.string(),
});
export type ChatRecord = z.infer<typeof ChatRecordSchema>;

export const ChatListResponseSchema = z.object({ chats: z.array(ChatRecordSchema) });
export type ChatListResponse = z.infer<typeof ChatListResponseSchema>;

export const ChatParamsSchema = z.object({ chatId: ChatIdSchema });
export const MessageParamsSchema = z.object({
  chatId: ChatIdSchema,
  seq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

export const DirectChatBodySchema = z.object({ userId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/) });

/**
 * `before` or `after` a seq (neither: the newest page), or what was sent, edited or deleted
 * `changedAfter` a revision (by revision: how a device catches up with a chat it holds).
 */
export const MessagesQuerySchema = z
  .object({
    before: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    changedAfter: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    limit: z.coerce.number().int().min(1).max(CHAT_PAGE_MAX).default(CHAT_PAGE_DEFAULT),
  })
  .refine(
    (q) => [q.before, q.after, q.changedAfter].filter((v) => v !== undefined).length <= 1,
    'Use one of before, after and changedAfter.',
  );
export type MessagesQuery = z.infer<typeof MessagesQuerySchema>;

export const MessagesPageSchema = z.object({
  messages: z.array(ChatMessageSchema),
  /** Whether there is more in the paging direction. */
  hasMore: z.boolean(),
  lastSeq: z.number().int(),
  lastRev: z.number().int(),
});
export type MessagesPage = z.infer<typeof MessagesPageSchema>;

export const SendBodySchema = z.object({
  clientId: ClientIdSchema,
  text: ChatTextSchema,
  replyToSeq: SeqSchema.nullable().optional(),
  /** The sender's own documents to attach (at most 10; checked by the service for its codes). */
  documentIds: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/))
    .max(100)
    .optional(),
});
export type SendBody = z.infer<typeof SendBodySchema>;

export const EditBodySchema = z.object({ text: ChatTextSchema });
export const ReadBodySchema = z.object({ seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
export const ReportBodySchema = z.object({ reason: z.string().trim().min(1).max(CHAT_REPORT_MAX) });

export const ChatMemberSchema = z.object({
  userId: z.string(),
  name: z.string(),
  role: z.enum(['member', 'teacher', 'admin']),
  readSeq: z.number().int(),
});
export const ChatMembersResponseSchema = z.object({ members: z.array(ChatMemberSchema) });
export type ChatMembersResponse = z.infer<typeof ChatMembersResponseSchema>;

/** Who has confirmed «Ознакомлен(а)» an announcement, and who has not yet. */
export const AcksResponseSchema = z.object({
  acked: z.array(z.object({ userId: z.string(), name: z.string(), at: z.string() })),
  pending: z.array(z.object({ userId: z.string(), name: z.string() })),
});
export type AcksResponse = z.infer<typeof AcksResponseSchema>;

export const MuteBodySchema = z.object({ muted: z.boolean() });

/** `q`: 1–200 characters after trimming; every word of it matches the start of a word. */
export const SearchQuerySchema = z.object({
  q: z.string().trim().min(1).max(CHAT_QUERY_MAX),
  limit: z.coerce.number().int().min(1).max(CHAT_SEARCH_MAX).default(CHAT_SEARCH_DEFAULT),
});

export const AttachmentParamsSchema = z.object({
  chatId: ChatIdSchema,
  attachmentId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
});

/** A reported message, for the school's administrators. */
export const ChatReportSchema = z.object({
  id: z.string(),
  chatId: z.string(),
  chatTitle: z.string(),
  seq: z.number().int(),
  senderName: z.string(),
  /** Empty once the message was deleted. */
  text: z.string(),
  deletedBy: z.enum(['sender', 'admin']).nullable(),
  reporterName: z.string(),
  reason: z.string(),
  at: z.string(),
});
export type ChatReport = z.infer<typeof ChatReportSchema>;
export const ChatReportsResponseSchema = z.object({ reports: z.array(ChatReportSchema) });
