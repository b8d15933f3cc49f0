import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SignedInAnswer } from '../../shared/api.js';
import { AppError } from '../../shared/errors.js';
import {
  EmailRegistrationBodySchema,
  InviteConfirmBodySchema,
  InvitePreviewBodySchema,
  LeaveBodySchema,
} from '../../shared/family/index.js';
import type { ServerContext } from '../context.js';
import { toProfile } from '../sync/feed.js';
import { requireAuth } from '../http/auth.js';
import { parseInput } from '../http/validate.js';
import { isWebClient, issueTokens, refuseCrossSite } from '../http/webSession.js';

/** Invites, confirming a child, leaving, and the school's e-mail registration link. */
export function registerFamilyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // The web version's pages for an invite and for the school's e-mail link. The built
  // renderer refers to its assets relatively, so the page is opened at the root with the
  // token in the query rather than served at a nested path.
  const TokenParamsSchema = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/) });
  app.get('/invite/:token', async (request, reply) => {
    const { token } = parseInput(TokenParamsSchema, request.params, 'params');
    return reply.redirect(`/?invite=${token}`, 302);
  });
  app.get('/register/:token', async (request, reply) => {
    const { token } = parseInput(TokenParamsSchema, request.params, 'params');
    return reply.redirect(`/?register=${token}`, 302);
  });

  app.get('/api/family', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    return ctx.family.view(auth.userId);
  });

  app.post('/api/family/invite', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    return ctx.family.issueInvite(auth);
  });

  app.post('/api/family/invite/preview', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const body = parseInput(InvitePreviewBodySchema, request.body, 'body');
    return ctx.family.preview(auth, body.token, request.ip);
  });

  app.post('/api/family/invite/confirm', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const body = parseInput(InviteConfirmBodySchema, request.body, 'body');
    return { child: await ctx.family.confirm(auth, body.token, body.child, request.ip) };
  });

  app.post('/api/family/leave', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const body = parseInput(LeaveBodySchema, request.body, 'body');
    await ctx.family.leave(auth, body.childId);
    return { ok: true as const };
  });

  /** A primary-school student opens the school's e-mail link: signed in, no phone needed. */
  app.post('/api/family/email-registration', async (request, reply): Promise<SignedInAnswer> => {
    refuseCrossSite(request, ctx.publicUrl());
    const body = parseInput(EmailRegistrationBodySchema, request.body, 'body');
    const web = isWebClient(request);
    const userId = await ctx.family.completeEmailRegistration(body.token, request.ip);
    const user = await ctx.store.accounts.getUser(userId);
    if (!user) throw new AppError('ACCOUNT_NOT_FOUND', 'The account no longer exists.');
    const tokens = await ctx.sessions.create(userId, body.deviceId, body.deviceName);
    return {
      status: 'signed_in',
      tokens: issueTokens(web, reply, tokens, ctx.publicUrl()),
      profile: await toProfile(ctx.store, user),
    };
  });
}
