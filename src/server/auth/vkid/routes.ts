import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SignedInAnswer, VkIdCompleteAnswer } from '../../../shared/api.js';
import {
  VKID_CALLBACK_PATH,
  VKID_DEEP_LINK,
  VkIdCompleteBodySchema,
  VkIdLinkBodySchema,
  VkIdRegisterBodySchema,
  VkIdStartBodySchema,
} from '../../../shared/auth/vkid.js';
import { AppError } from '../../../shared/errors.js';
import type { ServerContext } from '../../context.js';
import { requireAuth } from '../../http/auth.js';
import { parseInput } from '../../http/validate.js';
import { isWebClient, issueTokens, refuseCrossSite } from '../../http/webSession.js';
import { toProfile } from '../../sync/feed.js';
import { z } from 'zod';

const CallbackQuerySchema = z.object({
  state: z.string().max(200).optional(),
  code: z.string().max(2000).optional(),
  device_id: z.string().max(500).optional(),
  error: z.string().max(200).optional(),
});

/** The small page VK returns a desktop sign-in to: it hands the answer to the running app. */
function handoverPage(deepLink: string): string {
  const href = deepLink.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="0;url=${href}">
<title>Сферум Семья — вход через VK ID</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
a{display:inline-block;margin-top:1rem;padding:.6rem 1rem;border-radius:.5rem;background:#0b57d0;color:#fff;text-decoration:none}</style>
</head><body><main>
<h1>Вход через VK ID почти готов</h1>
<p>Вернитесь в приложение «Сферум Семья»: оно откроется само. Если этого не произошло, нажмите кнопку.</p>
<p lang="en">Return to the Sferum Family app: it opens by itself. If it did not, press the button.</p>
<a href="${href}">Открыть «Сферум Семья» / Open Sferum Family</a>
<p>Эту вкладку можно закрыть. / You can close this tab.</p>
</main></body></html>`;
}

export function registerVkIdRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const sameSite = {
    onRequest: async (request: FastifyRequest) => refuseCrossSite(request, ctx.publicUrl()),
  };
  const client = (request: FastifyRequest): 'web' | 'desktop' => (isWebClient(request) ? 'web' : 'desktop');

  const signIn = async (
    request: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    deviceId: string,
    deviceName: string,
  ): Promise<SignedInAnswer> => {
    const user = await ctx.store.accounts.getUser(userId);
    if (!user) throw new AppError('ACCOUNT_NOT_FOUND', 'The account no longer exists.');
    const tokens = await ctx.sessions.create(userId, deviceId, deviceName);
    return {
      status: 'signed_in',
      tokens: issueTokens(isWebClient(request), reply, tokens, ctx.publicUrl()),
      profile: await toProfile(ctx.store, user),
    };
  };

  app.post('/api/auth/vkid/start', sameSite, async (request) => {
    const body = parseInput(VkIdStartBodySchema, request.body, 'body');
    return ctx.vkid.start(
      { deviceId: body.deviceId, client: client(request), returnTo: body.returnTo },
      request.ip,
    );
  });

  app.post('/api/auth/vkid/complete', sameSite, async (request, reply): Promise<VkIdCompleteAnswer> => {
    const body = parseInput(VkIdCompleteBodySchema, request.body, 'body');
    const outcome = await ctx.vkid.complete({ ...body, client: client(request) }, request.ip);
    if (outcome.kind === 'user')
      return signIn(request, reply, outcome.userId, body.deviceId, body.deviceName);
    if (outcome.kind === 'register') {
      const { kind: _, ...rest } = outcome;
      return { status: 'registration_required', ...rest };
    }
    const { kind: _, ...rest } = outcome;
    return { status: 'link_required', ...rest };
  });

  app.post('/api/auth/vkid/link', sameSite, async (request, reply) => {
    const body = parseInput(VkIdLinkBodySchema, request.body, 'body');
    const userId = await ctx.vkid.link(body, request.ip);
    return signIn(request, reply, userId, body.deviceId, body.deviceName);
  });

  app.post('/api/auth/vkid/register', sameSite, async (request, reply) => {
    const body = parseInput(VkIdRegisterBodySchema, request.body, 'body');
    const userId = await ctx.vkid.register({
      pendingToken: body.pendingToken,
      deviceId: body.deviceId,
      name: { surname: body.surname, name: body.name, patronymic: body.patronymic },
    });
    return signIn(request, reply, userId, body.deviceId, body.deviceName);
  });

  app.get('/api/auth/vkid', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    return ctx.vkid.status(auth.userId);
  });

  app.delete('/api/auth/vkid', sameSite, async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    await ctx.vkid.unlink(auth.userId);
    return { ok: true as const };
  });

  /**
   * Where VK sends the browser back. A desktop sign-in gets the page that hands the
   * answer to the app (`sferum-family://vkid/callback?…`); the web version's goes on to
   * the page it started from, where the web app finishes it. Nothing is used up here:
   * the state is checked and spent when the client that started the sign-in finishes it.
   */
  app.get(VKID_CALLBACK_PATH, async (request, reply) => {
    const query = parseInput(CallbackQuerySchema, request.query, 'query');
    const forward = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) forward.set(key, value);
    const flow = query.state ? await ctx.vkid.flowClient(query.state) : null;
    void reply.header('cache-control', 'no-store');
    if (flow?.client === 'desktop') {
      return reply.type('text/html; charset=utf-8').send(handoverPage(`${VKID_DEEP_LINK}?${forward}`));
    }
    // The web app's own address of an invite is `/?invite=<token>` (/invite/<token> redirects there).
    const invite = /^\/invite\/([A-Za-z0-9_-]+)$/.exec(flow?.returnTo ?? '')?.[1];
    const web = new URLSearchParams(invite ? { invite } : {});
    for (const [key, value] of forward) web.set(`vkid_${key}`, value);
    return reply.redirect(`/?${web}`, 303);
  });
}
