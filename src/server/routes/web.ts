import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Sferum Family</title></head>
<body><h1>Sferum Family</h1>
<p>The web version has not been built yet. Run <code>npm run build</code>, then restart the server.</p>
<p>Веб-версия ещё не собрана. Выполните <code>npm run build</code> и перезапустите сервер.</p>
</body></html>
`;

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return (request.method === 'GET' || request.method === 'HEAD') && accept.includes('text/html');
}

export function isApiUrl(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

/**
 * The web version: the built renderer from webDir, and index.html for any other page
 * address (/invite/<token>, ...) so the single-page app can route it. /api never falls
 * back to HTML: an unknown API route is a JSON 404.
 */
export function registerWebRoutes(app: FastifyInstance, webDir: string): void {
  const built = fs.existsSync(path.join(webDir, 'index.html'));
  if (built) {
    void app.register(fastifyStatic, { root: webDir, index: ['index.html'], wildcard: true });
  } else {
    app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE));
  }

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    if (!isApiUrl(request.url) && wantsHtml(request)) {
      if (built) return reply.type('text/html; charset=utf-8').sendFile('index.html');
      return reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    }
    return reply.status(404).send({
      code: 'NOT_FOUND',
      message: `No such address: ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`,
    });
  });
}
