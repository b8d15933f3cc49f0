import { randomUUID } from 'node:crypto';
import { type SupportRequestBody, type SupportTicket } from '../../shared/support/index.js';
import type { Now } from '../clock.js';
import type { RateLimiter } from '../rateLimit.js';
import type { SupportStore, TicketRow } from '../store/types.js';

export type { TicketRow } from '../store/types.js';

/** Support tickets: written by a signed-in person, read and closed by the admin tool. */
export class SupportTickets {
  constructor(
    private readonly tickets: SupportStore,
    private readonly now: Now,
    private readonly limiter: RateLimiter,
  ) {}

  /** At most 5 requests per person per 10 minutes: a stuck key or a script must not flood support. */
  async create(userId: string, request: SupportRequestBody): Promise<SupportTicket> {
    await this.limiter.hit(`support:${userId}`, 5, 600);
    const id = randomUUID();
    const createdAt = new Date(this.now()).toISOString();
    const number = await this.tickets.insert({
      id,
      userId,
      text: request.text,
      diagnostics: request.diagnostics ?? null,
      createdAt,
    });
    return { ticketId: id, number, createdAt };
  }

  list(which: 'open' | 'all' = 'open'): Promise<TicketRow[]> {
    return this.tickets.list(which);
  }

  /** False when there is no open ticket with that number. */
  close(number: number): Promise<boolean> {
    return this.tickets.close(number, new Date(this.now()).toISOString());
  }
}
