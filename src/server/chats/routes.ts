import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import {
  AttachmentParamsSchema,
  ChatParamsSchema,
  MuteBodySchema,
  SearchQuerySchema,
  DirectChatBodySchema,
  EditBodySchema,
  MessageParamsSchema,
  MessagesQuerySchema,
  ReadBodySchema,
  ReportBodySchema,
  SendBodySchema,
} from '../../shared/chats/index.js';
import { AppError } from '../../shared/errors.js';
import type { ServerContext } from '../context.js';
import { isSniffedText, servedAs, SNIFF_BYTES } from '../documents/contentType.js';
import { parseRange } from '../documents/routes.js';
import { requireAuth } from '../http/auth.js';
import { parseInput } from '../http/validate.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Chats with the school: the list, direct chats, history by anchor, sending, reading, announcements. */
export function registerChatRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/chats', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    return ctx.chats.list(auth.userId);
  });

  app.get('/api/chats/contacts', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    return ctx.chats.contacts(auth.userId);
  });

  app.get('/api/chats/search', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { q, limit } = parseInput(SearchQuerySchema, request.query, 'query');
    return ctx.chats.search(auth.userId, q, limit);
  });

  app.get('/api/chats/reports', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    return ctx.chats.reports(auth.userId);
  });

  app.put('/api/chats/:chatId/mute', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { chatId } = parseInput(ChatParamsSchema, request.params, 'params');
    const body = parseInput(MuteBodySchema, request.body, 'body');
    return ctx.chats.mute(auth.userId, chatId, body.muted);
  });

  app.get('/api/chats/:chatId/attachments/:attachmentId/link', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { chatId, attachmentId } = parseInput(AttachmentParamsSchema, request.params, 'params');
    await ctx.chats.attachment(auth.userId, chatId, attachmentId);
    return { url: await ctx.chats.links.link(auth.userId, chatId, attachmentId) };
  });

  /** The file's bytes, with HTTP Range: a Bearer token, or a signed link from /link for a browser. */
  app.get('/api/chats/:chatId/attachments/:attachmentId', async (request, reply) => {
    const { chatId, attachmentId } = parseInput(AttachmentParamsSchema, request.params, 'params');
    const query = request.query as { s?: unknown };
    const userId =
      query.s !== undefined
        ? await ctx.chats.links.verify(chatId, attachmentId, request.query as Record<string, unknown>)
        : (await requireAuth(request, ctx.sessions)).userId;
    if (!userId) throw new AppError('NOT_FOUND', 'Not found.');
    const file = await ctx.chats.attachment(userId, chatId, attachmentId);
    const range = parseRange(request.headers.range, file.size);
    const head = isSniffedText(file.mime)
      ? {
          bytes: await readAll(
            ctx.chats.readBlob(file.blobKey, { start: 0, end: Math.min(file.size, SNIFF_BYTES) - 1 }),
          ),
          whole: file.size <= SNIFF_BYTES,
        }
      : undefined;
    const served = servedAs(file.mime, false, head);
    void reply.header('accept-ranges', 'bytes');
    void reply.header('content-type', served.type);
    void reply.header('content-disposition', contentDisposition(file.name));
    void reply.header('content-security-policy', served.contentSecurityPolicy);
    void reply.header('etag', `"${file.sha256}"`);
    void reply.header('cache-control', 'private, no-store');
    if (range === 'bad') {
      void reply.header('content-range', `bytes */${file.size}`);
      throw new AppError('VALIDATION_FAILED', 'The requested range is not satisfiable.', { status: 416 });
    }
    if (range) {
      void reply.status(206);
      void reply.header('content-range', `bytes ${range.start}-${range.end}/${file.size}`);
      void reply.header('content-length', String(range.end - range.start + 1));
      return reply.send(ctx.chats.readBlob(file.blobKey, range));
    }
    void reply.header('content-length', String(file.size));
    return reply.send(file.size === 0 ? '' : ctx.chats.readBlob(file.blobKey));
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
