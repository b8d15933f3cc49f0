import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  OtpRequestBodySchema,
  OtpVerifyBodySchema,
  RefreshBodySchema,
  RegisterBodySchema,
  type OtpVerifyResponse,
  type SessionTokens,
  type SignedIn,
} from '../../shared/api.js';
import { AppError } from '../../shared/errors.js';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { toProfile } from '../feed.js';
import { ClientHeadersSchema, requireAuth } from '../http/auth.js';
import { parseInput } from '../http/validate.js';

export const REFRESH_COOKIE = 'sf_refresh';
const COOKIE_PATH = '/api/auth';
const SessionParamsSchema = z.object({ id: z.string().uuid() });

function isWeb(request: FastifyRequest): boolean {
  return parseInput(ClientHeadersSchema, request.headers, 'headers')['x-client'] === 'web';
}

export function registerAuthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const secureCookie = (): boolean => ctx.publicUrl().startsWith('https://');

  /** The web version keeps its refresh token in an httpOnly cookie, out of reach of page scripts. */
  const setRefreshCookie = (web: boolean, reply: FastifyReply, tokens: SessionTokens): void => {
    if (!web) return;
    void reply.setCookie(REFRESH_COOKIE, tokens.refreshToken, {
      httpOnly: true,
      sameSite: 'strict',
      path: COOKIE_PATH,
      secure: secureCookie(),
      expires: new Date(tokens.refreshExpiresAt),
    });
  };
  const clearRefreshCookie = (reply: FastifyReply): void => {
    void reply.clearCookie(REFRESH_COOKIE, {
      httpOnly: true,
      sameSite: 'strict',
      path: COOKIE_PATH,
      secure: secureCookie(),
    });
  };

  const signedIn = (userId: string, tokens: SessionTokens): SignedIn => {
    const user = ctx.store.accounts.getUser(userId);
    if (!user) throw new AppError('ACCOUNT_NOT_FOUND', 'The account no longer exists.');
    return { status: 'signed_in', tokens, profile: toProfile(ctx.store, user) };
  };

  app.post('/api/auth/otp/request', async (request) => {
    const body = parseInput(OtpRequestBodySchema, request.body, 'body');
    return ctx.otp.request(body, request.ip);
  });

  app.post('/api/auth/otp/verify', async (request, reply): Promise<OtpVerifyResponse> => {
    const body = parseInput(OtpVerifyBodySchema, request.body, 'body');
    const web = isWeb(request);
    const identity = ctx.otp.verify(body, request.ip);
    if (identity.kind === 'new_phone') {
      return { status: 'registration_required', ...ctx.registration.issue(identity.phone, body.deviceId) };
    }
    const tokens = ctx.sessions.create(identity.userId, body.deviceId, body.deviceName);
    setRefreshCookie(web, reply, tokens);
    return signedIn(identity.userId, tokens);
  });

  app.post('/api/auth/register', async (request, reply): Promise<SignedIn> => {
    const body = parseInput(RegisterBodySchema, request.body, 'body');
    const web = isWeb(request);
    const userId = ctx.registration.register(body.registrationToken, body.deviceId, {
      surname: body.surname,
      name: body.name,
      patronymic: body.patronymic,
    });
    const tokens = ctx.sessions.create(userId, body.deviceId, body.deviceName);
    setRefreshCookie(web, reply, tokens);
    return signedIn(userId, tokens);
  });

  app.post('/api/auth/refresh', async (request, reply): Promise<SessionTokens> => {
    const body = parseInput(RefreshBodySchema, request.body, 'body');
    const web = isWeb(request);
    // The cookie is only honoured with `X-Client: web`: a custom header cannot be sent
    // cross-site without a CORS preflight, which this server never grants.
    const token = body.refreshToken ?? (web ? request.cookies[REFRESH_COOKIE] : undefined);
    if (!token) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
    try {
      const tokens = ctx.sessions.refresh(token, body.deviceId);
      setRefreshCookie(web, reply, tokens);
      return tokens;
    } catch (error) {
      if (web) clearRefreshCookie(reply);
      throw error;
    }
  });

  app.post('/api/auth/signout', async (request, reply) => {
    const auth = requireAuth(request, ctx.sessions);
    ctx.sessions.revoke(auth.sessionId, 'signout');
    if (isWeb(request)) clearRefreshCookie(reply);
    return { ok: true as const };
  });

  app.get('/api/auth/sessions', async (request) => {
    const auth = requireAuth(request, ctx.sessions);
    return { sessions: ctx.sessions.list(auth.userId, auth.sessionId) };
  });

  app.delete('/api/auth/sessions/:id', async (request) => {
    const auth = requireAuth(request, ctx.sessions);
    const params = parseInput(SessionParamsSchema, request.params, 'params');
    ctx.sessions.revokeOwn(auth.userId, params.id);
    return { ok: true as const };
  });
}
