import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IssuedTokens, SessionTokens } from '../../shared/api.js';
import { AppError } from '../../shared/errors.js';
import { ClientHeadersSchema } from './auth.js';
import { parseInput } from './validate.js';

/**
 * The web version's session: its refresh token lives in an HttpOnly cookie, out of reach of
 * page scripts, and never in a JSON answer to it. The routes that set, read or clear that
 * cookie refuse a request a browser sent from another site.
 */

export const REFRESH_COOKIE = 'sf_refresh';
const COOKIE_PATH = '/api/auth';

/** `X-Client: web`: the web version (a custom header, so never sent cross-site without a preflight). */
export function isWebClient(request: FastifyRequest): boolean {
  return parseInput(ClientHeadersSchema, request.headers, 'headers')['x-client'] === 'web';
}

const cookieOptions = (publicUrl: string) => ({
  httpOnly: true,
  sameSite: 'strict' as const,
  path: COOKIE_PATH,
  secure: publicUrl.startsWith('https://'),
});

export function setRefreshCookie(reply: FastifyReply, tokens: SessionTokens, publicUrl: string): void {
  void reply.setCookie(REFRESH_COOKIE, tokens.refreshToken, {
    ...cookieOptions(publicUrl),
    expires: new Date(tokens.refreshExpiresAt),
  });
}

export function clearRefreshCookie(reply: FastifyReply, publicUrl: string): void {
  void reply.clearCookie(REFRESH_COOKIE, cookieOptions(publicUrl));
}

/**
 * New tokens as the caller gets them: the web version in its cookie and without the refresh
 * token in the answer, the desktop app in the answer.
 */
export function issueTokens(
  web: boolean,
  reply: FastifyReply,
  tokens: SessionTokens,
  publicUrl: string,
): IssuedTokens {
  if (!web) return tokens;
  setRefreshCookie(reply, tokens, publicUrl);
  const { refreshToken: _inTheCookie, ...rest } = tokens;
  return rest;
}

/**
 * Whether `origin` (a browser's `Origin` header) is this server's own: the origin of its
 * public URL, or the scheme and host the request was addressed to (the same server reached
 * by another name or through a proxy; an https public URL accepts only https there).
 */
export function isOwnOrigin(origin: string, host: string | undefined, publicUrl: string): boolean {
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    return false;
  }
  if (from.protocol !== 'http:' && from.protocol !== 'https:') return false;
  if (from.origin === new URL(publicUrl).origin) return true;
  if (!host || (publicUrl.startsWith('https://') && from.protocol !== 'https:')) return false;
  try {
    return new URL(`${from.protocol}//${host}`).host === from.host;
  } catch {
    return false;
  }
}

/**
 * Refuses (403 FORBIDDEN) a request that a browser sent from another site. Without an
 * `Origin` (the desktop app, which is not a browser) it passes: browsers send one with
 * every POST, so a cross-site form or fetch always has one.
 */
export function refuseCrossSite(request: FastifyRequest, publicUrl: string): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (!isOwnOrigin(origin, request.headers.host, publicUrl)) {
    throw new AppError('FORBIDDEN', 'Requests from other sites are refused.');
  }
}
