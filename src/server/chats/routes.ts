import type { FastifyInstance } from 'fastify';
import {
  ChatParamsSchema,
  DirectChatBodySchema,
  EditBodySchema,
  MessageParamsSchema,
  MessagesQuerySchema,
  ReadBodySchema,
  ReportBodySchema,
  SendBodySchema,
} from '../../shared/chats/index.js';
import type { ServerContext } from '../context.js';
import { requireAuth } from '../http/auth.js';
import { parseInput } from '../http/validate.js';

/** Chats with the school: the list, direct chats, history by anchor, sending, reading, announcements. */
export function registerChatRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/chats', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    return ctx.chats.list(auth.userId);
  });

  app.post('/api/chats/direct', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const body = parseInput(DirectChatBodySchema, request.body, 'body');
    return { chat: await ctx.chats.openDirect(auth.userId, body.userId) };
  });

  app.get('/api/chats/:chatId/messages', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { chatId } = parseInput(ChatParamsSchema, request.params, 'params');
    const query = parseInput(MessagesQuerySchema, request.query, 'query');
    return ctx.chats.messages(auth.userId, chatId, query);
  });

  app.post('/api/chats/:chatId/messages', async (request, reply) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { chatId } = parseInput(ChatParamsSchema, request.params, 'params');
    const body = parseInput(SendBodySchema, request.body, 'body');
    const { message, created } = await ctx.chats.send(auth.userId, chatId, body);
    reply.code(created ? 201 : 200);
    return { message };
  });

  app.patch('/api/chats/:chatId/messages/:seq', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { chatId, seq } = parseInput(MessageParamsSchema, request.params, 'params');
    const body = parseInput(EditBodySchema, request.body, 'body');
    return { message: await ctx.chats.edit(auth.userId, chatId, seq, body.text) };
  });

  app.delete('/api/chats/:chatId/messages/:seq', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { chatId, seq } = parseInput(MessageParamsSchema, request.params, 'params');
    return { message: await ctx.chats.remove(auth.userId, chatId, seq) };
  });

  app.post('/api/chats/:chatId/messages/:seq/report', async (request, reply) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { chatId, seq } = parseInput(MessageParamsSchema, request.params, 'params');
    const body = parseInput(ReportBodySchema, request.body, 'body');
    reply.code(201);
    return ctx.chats.report(auth.userId, chatId, seq, body.reason);
  });

  app.post('/api/chats/:chatId/messages/:seq/ack', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { chatId, seq } = parseInput(MessageParamsSchema, request.params, 'params');
    return ctx.chats.ack(auth.userId, chatId, seq);
  });

  app.get('/api/chats/:chatId/messages/:seq/acks', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { chatId, seq } = parseInput(MessageParamsSchema, request.params, 'params');
    return ctx.chats.acks(auth.userId, chatId, seq);
  });

  app.post('/api/chats/:chatId/read', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { chatId } = parseInput(ChatParamsSchema, request.params, 'params');
    const body = parseInput(ReadBodySchema, request.body, 'body');
    return ctx.chats.markRead(auth.userId, chatId, body.seq);
  });

  app.get('/api/chats/:chatId/members', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { chatId } = parseInput(ChatParamsSchema, request.params, 'params');
    return ctx.chats.members(auth.userId, chatId);
  });
}
