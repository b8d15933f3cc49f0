import type { FastifyInstance } from 'fastify';
import { SupportRequestBodySchema, type SupportTicket } from '../../shared/support/index.js';
import type { ServerContext } from '../context.js';
import { requireAuth } from '../http/auth.js';
import { parseInput } from '../http/validate.js';

/** POST /api/support: a signed-in person's request to support, from «Помощь». */
export function registerSupportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/api/support', async (request, reply): Promise<SupportTicket> => {
    const auth = await requireAuth(request, ctx.sessions);
    const body = parseInput(SupportRequestBodySchema, request.body, 'body');
    reply.code(201);
    return ctx.support.create(auth.userId, body);
  });
}
