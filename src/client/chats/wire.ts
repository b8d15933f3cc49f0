import { z } from 'zod';
import { ChatMessageSchema, ChatRecordSchema, type ChatRecord } from '../../shared/chats/index.js';
import {
  ChatAttachmentSchema,
  SearchHitSchema,
  type ChatSummary,
  type SearchHit,
  type TimelineMessage,
} from '../../shared/chats/ipc.js';
import type { ErrorCode } from '../../shared/errors.js';

/**
 * What a client takes from the chat routes and the feed's `chat` entity, checked one record
 * at a time (the server is not trusted: a record that fails is skipped), and how a record
 * becomes what the screens show. Shared by the desktop core and the web version.
 */

/** A message as the server sends it (attachments and the caller's acknowledgement may be absent). */
export const WireMessageSchema = ChatMessageSchema.extend({
  chatId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  rev: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  senderId: z.string().max(64),
  senderName: z.string().max(400),
  text: z.string().max(16000),
  attachments: z.array(ChatAttachmentSchema).max(10).default([]),
  acked: z.boolean().nullable().default(null),
});
export type WireMessage = z.infer<typeof WireMessageSchema>;

export const WireChatSchema = ChatRecordSchema.extend({
  id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  title: z.string().max(400),
  lastSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  lastRev: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  readSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  unread: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

export type Cleaned<T> = { ok: true; record: T } | { ok: false; reason: string };

function reasonOf(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'the record is malformed';
  return `${issue.path.length > 0 ? issue.path.map(String).join('.') : 'the record'}: ${issue.message}`;
}

export function cleanChat(data: unknown): Cleaned<ChatRecord> {
  const parsed = WireChatSchema.safeParse(data);
  return parsed.success ? { ok: true, record: parsed.data } : { ok: false, reason: reasonOf(parsed.error) };
}

export function cleanMessage(data: unknown, chatId: string): Cleaned<WireMessage> {
  const parsed = WireMessageSchema.safeParse(data);
  if (!parsed.success) return { ok: false, reason: reasonOf(parsed.error) };
  if (parsed.data.chatId !== chatId) return { ok: false, reason: 'the message belongs to another chat' };
  return { ok: true, record: parsed.data };
}

/** Logs one line per skipped record: the server is input, never trusted. */
export interface SkipLog {
  (message: string): void;
}

export function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

export function cleanChats(items: readonly unknown[], log: SkipLog): ChatRecord[] {
  const out: ChatRecord[] = [];
  for (const item of items) {
    const cleaned = cleanChat(item);
    if (cleaned.ok) out.push(cleaned.record);
    else
      log(
        `Skipped a chat ${quoted((item as { id?: unknown } | null)?.id)} from the server: ${cleaned.reason}`,
      );
  }
  return out;
}

export function cleanMessages(items: readonly unknown[], chatId: string, log: SkipLog): WireMessage[] {
  const out: WireMessage[] = [];
  for (const item of items) {
    const cleaned = cleanMessage(item, chatId);
    if (cleaned.ok) out.push(cleaned.record);
    else
      log(
        `Skipped a message ${quoted((item as { seq?: unknown } | null)?.seq)} of chat ${quoted(chatId)} from the server: ${cleaned.reason}`,
      );
  }
  return out;
}

export function cleanHits(items: readonly unknown[], log: SkipLog): SearchHit[] {
  const out: SearchHit[] = [];
  for (const item of items) {
    const parsed = SearchHitSchema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
    else log(`Skipped a search hit from the server: ${reasonOf(parsed.error)}`);
  }
  return out;
}

/** A chat of the list as the screens show it. `mine` tells whether the last message is the caller's. */
export function summaryOf(
  record: ChatRecord,
  mine: (seq: number, senderName: string) => boolean,
): ChatSummary {
  const last = record.lastMessage;
  return {
    id: record.id,
    kind: record.kind,
    title: record.title,
    classId: record.classId,
    peerId: record.peerId,
    lastMessage: last
      ? {
          senderName: last.senderName,
          text: last.text,
          deletedBy: last.deletedBy,
          createdAt: last.createdAt,
          mine: mine(last.seq, last.senderName),
        }
      : null,
    unread: record.unread,
    muted: record.muted,
    left: record.state === 'left',
    canPost: record.canPost && record.state === 'member',
    updatedAt: record.updatedAt,
  };
}

/** The list's badge: unread messages over every chat not muted. */
export function unreadTotalOf(records: readonly ChatRecord[]): number {
  return records.reduce((sum, r) => sum + (r.muted ? 0 : r.unread), 0);
}

export interface TimelineContext {
  userId: string;
  /** The message a reply points at, if this side holds it. */
  replied(seq: number): { senderName: string; text: string } | null;
  /** How many other members have read up to `seq` (null: not known). */
  readBy(seq: number): number | null;
  /** The client id this device sent a message with (its stable key). */
  keyOf?(seq: number): string | null;
}

export function timelineOf(message: WireMessage, ctx: TimelineContext): TimelineMessage {
  const mine = message.senderId === ctx.userId;
  const replyTo =
    message.replyToSeq !== null
      ? (() => {
          const target = ctx.replied(message.replyToSeq);
          return target ? { seq: message.replyToSeq, ...target } : null;
        })()
      : null;
  return {
    key: ctx.keyOf?.(message.seq) ?? `s${message.seq}`,
    seq: message.seq,
    senderId: message.senderId,
    senderName: message.senderName,
    mine,
    text: message.deletedAt ? '' : message.text,
    replyTo,
    attachments: message.attachments,
    createdAt: message.createdAt,
    editedAt: message.editedAt,
    deletedBy: message.deletedBy,
    status: 'sent',
    error: null,
    readBy: mine ? ctx.readBy(message.seq) : null,
    acked: message.acked,
  };
}

/** A message of the caller's still on its way (or refused), as the timeline shows it. */
export interface PendingMessage {
  clientId: string;
  chatId: string;
  text: string;
  replyToSeq: number | null;
  documentIds: string[];
  createdAt: string;
  status: 'sending' | 'failed';
  error: { code: ErrorCode; message: string } | null;
}

export function pendingTimeline(
  pending: PendingMessage,
  me: { userId: string; name: string },
  replied: TimelineContext['replied'],
): TimelineMessage {
  const target = pending.replyToSeq !== null ? replied(pending.replyToSeq) : null;
  return {
    key: pending.clientId,
    seq: null,
    senderId: me.userId,
    senderName: me.name,
    mine: true,
    text: pending.text,
    replyTo: target && pending.replyToSeq !== null ? { seq: pending.replyToSeq, ...target } : null,
    attachments: [],
    createdAt: pending.createdAt,
    editedAt: null,
    deletedBy: null,
    status: pending.status,
    error: pending.error,
    readBy: null,
    acked: null,
  };
}

/** Errors worth retrying later (the server could not be reached or was busy); others are refusals. */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const status = (error as { status?: unknown } | null)?.status;
  if (code === 'NETWORK_OFFLINE' || code === 'RATE_LIMITED' || code === 'CHAT_RATE_LIMITED') return true;
  if (typeof status === 'number' && status >= 500) return true;
  return code === undefined || code === 'INTERNAL' || code === 'SERVER_NOT_OURS';
}
