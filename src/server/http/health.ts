import type { FastifyInstance } from 'fastify';
import type { ServerInfo } from '../../shared/api.js';
import { AppError } from '../../shared/errors.js';
import type { ServerContext } from '../context.js';
import { DEMO_ACCOUNTS } from '../demo.js';
import { toProfile } from '../sync/feed.js';
import { requireAuth } from './auth.js';
import { SERVER_VERSION } from '../version.js';

export function registerInfoRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/health', async () => ({
    ok: true as const,
    service: 'sferum-family' as const,
    version: SERVER_VERSION,
  }));

  app.get('/api/info', async (): Promise<ServerInfo> => {
    const info: ServerInfo = {
      service: 'sferum-family',
      version: SERVER_VERSION,
      demo: ctx.config.demo,
      publicUrl: ctx.publicUrl(),
      vkid: ctx.vkid.available(),
    };
    if (ctx.config.demo) info.demoAccounts = DEMO_ACCOUNTS.map((a) => ({ ...a }));
    return info;
  });

  app.get('/api/me', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const user = await ctx.store.accounts.getUser(auth.userId);
    if (!user) throw new AppError('ACCOUNT_NOT_FOUND', 'The account no longer exists.');
    return toProfile(ctx.store, user);
  });
}
