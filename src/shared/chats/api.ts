import { z } from 'zod';
import {
  AcksResponseSchema,
  ChatMembersResponseSchema,
  ClientIdSchema,
  EditBodySchema,
  ReadBodySchema,
  ReportBodySchema,
  SeqSchema,
} from './index.js';
import { ContactSchema } from './ipc.js';

/**
 * The chat routes as the clients call them (spread into the API route table). Lists of
 * chats and of messages are taken as they come and checked one by one by the client
 * (src/client/chats/wire.ts), so one bad record is skipped instead of failing the page.
 */

const Items = z.array(z.unknown());
const Ok = z.object({ ok: z.literal(true) });

export const ChatSendBodySchema = z.object({
  clientId: ClientIdSchema,
  text: z.string(),
  replyToSeq: SeqSchema.nullable().optional(),
  documentIds: z.array(z.string()).optional(),
});

export const ChatMessagesQuerySchema = z.object({
  before: z.number().int().optional(),
  after: z.number().int().optional(),
  changedAfter: z.number().int().optional(),
  limit: z.number().int().optional(),
});

export const CHATS_API = {
  chatList: { method: 'GET', path: '/api/chats', auth: true, response: z.object({ chats: Items }) },
  chatContacts: {
    method: 'GET',
    path: '/api/chats/contacts',
    auth: true,
    response: z.object({ contacts: z.array(ContactSchema) }),
  },
  chatOpenDirect: {
    method: 'POST',
    path: '/api/chats/direct',
    auth: true,
    body: z.object({ userId: z.string() }),
    response: z.object({ chat: z.unknown() }),
  },
  chatMessages: {
    method: 'GET',
    path: '/api/chats/:chatId/messages',
    auth: true,
    query: ChatMessagesQuerySchema,
    response: z.object({
      messages: Items,
      hasMore: z.boolean(),
      lastSeq: z.number().int(),
      lastRev: z.number().int(),
    }),
  },
  chatSend: {
    method: 'POST',
    path: '/api/chats/:chatId/messages',
    auth: true,
    body: ChatSendBodySchema,
    response: z.object({ message: z.unknown() }),
  },
  chatEdit: {
    method: 'PATCH',
    path: '/api/chats/:chatId/messages/:seq',
    auth: true,
    body: EditBodySchema,
    response: z.object({ message: z.unknown() }),
  },
  chatDelete: {
    method: 'DELETE',
    path: '/api/chats/:chatId/messages/:seq',
    auth: true,
    response: z.object({ message: z.unknown() }),
  },
  chatReport: {
    method: 'POST',
    path: '/api/chats/:chatId/messages/:seq/report',
    auth: true,
    body: ReportBodySchema,
    response: Ok,
  },
  chatAck: { method: 'POST', path: '/api/chats/:chatId/messages/:seq/ack', auth: true, response: Ok },
  chatAcks: {
    method: 'GET',
    path: '/api/chats/:chatId/messages/:seq/acks',
    auth: true,
    response: AcksResponseSchema,
  },
  chatRead: {
    method: 'POST',
    path: '/api/chats/:chatId/read',
    auth: true,
    body: ReadBodySchema,
    response: z.object({ readSeq: z.number().int() }),
  },
  chatMembers: {
    method: 'GET',
    path: '/api/chats/:chatId/members',
    auth: true,
    response: ChatMembersResponseSchema,
  },
  chatMute: {
    method: 'PUT',
    path: '/api/chats/:chatId/mute',
    auth: true,
    body: z.object({ muted: z.boolean() }),
    response: z.object({ muted: z.boolean() }),
  },
  chatSearch: {
    method: 'GET',
    path: '/api/chats/search',
    auth: true,
    query: z.object({ q: z.string(), limit: z.number().int().optional() }),
    response: z.object({ hits: Items }),
  },
  chatAttachmentLink: {
    method: 'GET',
    path: '/api/chats/:chatId/attachments/:attachmentId/link',
    auth: true,
    response: z.object({ url: z.string() }),
  },
} as const;
