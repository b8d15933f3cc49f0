import type { FastifyReply } from 'fastify';

/**
 * The API's CORS policy, one for every route, tus's included: no other site is granted
 * anything. The web version is served by this same server, so its requests are
 * same-origin and need no CORS headers; the desktop app is not a browser. A preflight
 * therefore never succeeds, which is what keeps the custom `X-Client: web` header (and so
 * the refresh cookie) out of reach of other sites. @tus/server adds its own
 * `Access-Control-Allow-Origin: *` and friends; they leave here.
 */
export function applyCorsPolicy(reply: FastifyReply): void {
  for (const name of Object.keys(reply.getHeaders())) {
    if (name.toLowerCase().startsWith('access-control-')) reply.removeHeader(name);
  }
}
