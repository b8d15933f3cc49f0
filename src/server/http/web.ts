import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONTENT_SECURITY_POLICY } from './headers.js';

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

/** Where the built renderer's scripts are (Vite's assets folder): the only place the page runs scripts from. */
export const ASSETS_PATH = '/assets/';

/**
 * A host as a CSP host-source can name it: a DNS name or an IPv4 address, with a port.
 * (An IPv6 literal cannot be named in a CSP source at all.)
 */
const CSP_HOST = /^[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9](?:[a-z0-9-]{0,62}))*(?::\d{1,5})?$/;

/**
 * The web version's Content-Security-Policy: the API's policy, with scripts allowed only
 * from ASSETS_PATH of this site. 'self' would allow any address of the origin, and so a
 * document's signed link (/api/documents/<id>/content) in a `<script src>` that some
 * injected HTML added; a host-source with a path does not. The host is the one the
 * browser asked for (Host) and the public URL (a proxy in front may pass another Host);
 * a source without a scheme keeps the page's own scheme. A Host a source cannot name (an
 * IPv6 literal) falls back to 'self': documents are never served as scripts anyway.
 */
export function webContentSecurityPolicy(host: string | undefined, publicUrl: string): string {
  const hosts = new Set<string>();
  const asked = host?.trim().toLowerCase();
  if (asked && CSP_HOST.test(asked)) {
    hosts.add(asked);
    try {
      const pub = new URL(publicUrl);
      if ((pub.protocol === 'http:' || pub.protocol === 'https:') && CSP_HOST.test(pub.host)) {
        hosts.add(pub.host);
      }
    } catch {
      // No public URL to name: the Host alone.
    }
  }
  const scripts = hosts.size > 0 ? [...hosts].map((h) => `${h}${ASSETS_PATH}`).join(' ') : "'self'";
  return [
    ...CONTENT_SECURITY_POLICY.split('; ').map((d) =>
      d.startsWith('script-src ') ? `script-src ${scripts}` : d,
    ),
    "object-src 'none'",
  ].join('; ');
}

/**
 * The web version: the built renderer from webDir, and index.html for any other page
 * address (/invite/<token>, ...) so the single-page app can route it. /api never falls
 * back to HTML: an unknown API route is a JSON 404. Its pages and files go out under
 * webContentSecurityPolicy.
 */
export function registerWebRoutes(
  app: FastifyInstance,
  webDir: string,
  publicUrl: () => string = () => '',
): void {
  const policy = (request: FastifyRequest) => webContentSecurityPolicy(request.headers.host, publicUrl());
  const built = fs.existsSync(path.join(webDir, 'index.html'));
  if (built) {
    void app.register(fastifyStatic, {
      root: webDir,
      index: ['index.html'],
      wildcard: true,
      setHeaders: (reply: FastifyReply) => {
        void reply.header('content-security-policy', policy(reply.request));
      },
    });
  } else {
    app.get('/', async (request, reply) =>
      reply
        .header('content-security-policy', policy(request))
        .type('text/html; charset=utf-8')
        .send(NOT_BUILT_PAGE),
    );
  }

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    if (!isApiUrl(request.url) && wantsHtml(request)) {
      void reply.header('content-security-policy', policy(request));
      if (built) return reply.type('text/html; charset=utf-8').sendFile('index.html');
      return reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    }
    return reply.status(404).send({
      code: 'NOT_FOUND',
      message: `No such address: ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`,
    });
  });
}
