import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  OtpRequestBodySchema,
  OtpVerifyBodySchema,
  RefreshBodySchema,
  RegisterBodySchema,
  type IssuedTokens,
  type OtpVerifyAnswer,
  type SignedInAnswer,
} from '../../shared/api.js';
import { AppError } from '../../shared/errors.js';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { toProfile } from '../sync/feed.js';
import { requireAuth } from '../http/auth.js';
import { parseInput } from '../http/validate.js';
import {
  clearRefreshCookie,
  isWebClient,
  issueTokens,
  REFRESH_COOKIE,
  refuseCrossSite,
} from '../http/webSession.js';

export { REFRESH_COOKIE } from '../http/webSession.js';
const SessionParamsSchema = z.object({ id: z.string().uuid() });

export function registerAuthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  /** The routes that set, read or clear the refresh cookie: never for another site's page. */
  const sameSite = {
    onRequest: async (request: FastifyRequest) => refuseCrossSite(request, ctx.publicUrl()),
  };

  const signedIn = async (userId: string, tokens: IssuedTokens): Promise<SignedInAnswer> => {
    const user = await ctx.store.accounts.getUser(userId);
    if (!user) throw new AppError('ACCOUNT_NOT_FOUND', 'The account no longer exists.');
    return { status: 'signed_in', tokens, profile: await toProfile(ctx.store, user) };
  };

  app.post('/api/auth/otp/request', async (request) => {
    const body = parseInput(OtpRequestBodySchema, request.body, 'body');
    return ctx.otp.request(body, request.ip);
  });

  app.post('/api/auth/otp/verify', sameSite, async (request, reply): Promise<OtpVerifyAnswer> => {
    const body = parseInput(OtpVerifyBodySchema, request.body, 'body');
    const web = isWebClient(request);
    const identity = await ctx.otp.verify(body, request.ip);
    if (identity.kind === 'new_phone') {
      return {
        status: 'registration_required',
        ...(await ctx.registration.issue(identity.phone, body.deviceId)),
      };
    }
    const tokens = await ctx.sessions.create(identity.userId, body.deviceId, body.deviceName);
    return signedIn(identity.userId, issueTokens(web, reply, tokens, ctx.publicUrl()));
  });

  app.post('/api/auth/register', sameSite, async (request, reply): Promise<SignedInAnswer> => {
    const body = parseInput(RegisterBodySchema, request.body, 'body');
    const web = isWebClient(request);
    const userId = await ctx.registration.register(body.registrationToken, body.deviceId, {
      surname: body.surname,
      name: body.name,
      patronymic: body.patronymic,
    });
    const tokens = await ctx.sessions.create(userId, body.deviceId, body.deviceName);
    return signedIn(userId, issueTokens(web, reply, tokens, ctx.publicUrl()));
  });

  app.post('/api/auth/refresh', sameSite, async (request, reply): Promise<IssuedTokens> => {
    const body = parseInput(RefreshBodySchema, request.body, 'body');
    const web = isWebClient(request);
    // The cookie is only honoured with `X-Client: web`: a custom header cannot be sent
    // cross-site without a CORS preflight, which this server never grants (and a
    // cross-site Origin is refused before this).
    const token = body.refreshToken ?? (web ? request.cookies[REFRESH_COOKIE] : undefined);
    if (!token) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
    try {
      return issueTokens(web, reply, await ctx.sessions.refresh(token, body.deviceId), ctx.publicUrl());
    } catch (error) {
      if (web) clearRefreshCookie(reply, ctx.publicUrl());
      throw error;
    }
  });

  app.post('/api/auth/signout', sameSite, async (request, reply) => {
    const auth = await requireAuth(request, ctx.sessions);
    await ctx.sessions.revoke(auth.sessionId, 'signout');
    if (isWebClient(request)) clearRefreshCookie(reply, ctx.publicUrl());
    return { ok: true as const };
  });

  app.get('/api/auth/sessions', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    return { sessions: await ctx.sessions.list(auth.userId, auth.sessionId) };
  });

  app.delete('/api/auth/sessions/:id', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const params = parseInput(SessionParamsSchema, request.params, 'params');
    await ctx.sessions.revokeOwn(auth.userId, params.id);
    return { ok: true as const };
  });
}
