import type { FastifyInstance } from 'fastify';
import { PullQuerySchema, PushBodySchema } from '../../shared/api.js';
import type { LiveEvent } from '../../shared/sync/index.js';
import type { ServerContext } from '../context.js';
import { requireAuth } from '../http/auth.js';
import { SECURITY_HEADERS } from '../http/headers.js';
import { parseInput } from '../http/validate.js';

export function registerSyncRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/sync/changes', async (request, reply) => {
    const auth = await requireAuth(request, ctx.sessions);
    const query = parseInput(PullQuerySchema, request.query, 'query');
    // Already JSON (the UTF-8 of a PullResponse): sent as it is, typed as Fastify types JSON,
    // gzipped for clients that take it (browsers and Node's fetch do) when that is worth it.
    const answer = await ctx.feed.pull(auth.userId, query.cursor, query.limit, acceptsGzip(request.headers));
    reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
    if (answer.gzipped) reply.header('content-encoding', 'gzip');
    return reply.send(answer.body);
  });

  app.post('/api/sync/mutations', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const body = parseInput(PushBodySchema, request.body, 'body');
    return { results: await ctx.mutations.applyAll(auth.userId, body.mutations) };
  });

  /**
   * Live notifications as server-sent events. Clients read it with fetch streaming
   * (EventSource cannot send an Authorization header). The stream only says "pull now";
   * the data itself always travels through the feed.
   */
  app.get('/api/sync/events', async (request, reply) => {
    // Authentication fails before the hijack, so the error is an ordinary JSON answer.
    const auth = await requireAuth(request, ctx.sessions);
    const streamHeaders = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    };
    // A HEAD has no body to stream into: Node would hold its headers back forever.
    if (request.method === 'HEAD') return reply.headers(streamHeaders).send();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SECURITY_HEADERS, ...streamHeaders, connection: 'keep-alive' });
    let ended = false;
    const write = (chunk: string): void => {
      if (!ended) res.write(chunk);
    };
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe();
      res.end();
    };
    const send = (event: LiveEvent): void => {
      write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      if (event.type === 'revoked') end();
    };
    // Comments keep proxies and the client's idle timer from closing a quiet stream.
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), ctx.config.sseHeartbeatSeconds * 1000);
    heartbeat.unref();
    const unsubscribe = ctx.hub.subscribe({
      userId: auth.userId,
      sessionId: auth.sessionId,
      onEvent: send,
      onShutdown: end,
    });
    request.raw.on('close', end);
    res.on('error', end);
    // The first bytes tell the client the subscription is in place.
    write(': connected\n\n');
  });
}

/** Whether Accept-Encoding lists gzip (or `*`) without `q=0`. */
export function acceptsGzip(headers: { 'accept-encoding'?: string | string[] | undefined }): boolean {
  const raw = headers['accept-encoding'];
  const value = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  for (const part of value.toLowerCase().split(',')) {
    const [coding, ...params] = part.split(';').map((p) => p.trim());
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}
