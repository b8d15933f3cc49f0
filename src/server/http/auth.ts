import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import type { AuthContext, SessionService } from '../auth/sessions.js';

const BEARER = /^Bearer [A-Za-z0-9_-]{16,200}$/;

/** `X-Client: web` marks the web version, whose refresh token lives in a cookie. */
export const ClientHeadersSchema = z.object({
  'x-client': z.enum(['web', 'desktop']).optional(),
});

/**
 * The caller's session from `Authorization: Bearer <access token>`. Missing or garbage
 * credentials are UNAUTHENTICATED (401), never a validation error: the client's answer
 * to both is the same (refresh or sign in).
 */
export function requireAuth(request: FastifyRequest, sessions: SessionService): Promise<AuthContext> {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !BEARER.test(header)) {
    return Promise.reject(new AppError('UNAUTHENTICATED', 'Sign in to continue.'));
  }
  return sessions.authenticate(header.slice('Bearer '.length));
}
