import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Now } from '../clock.js';
import type { DocumentRepo } from '../store/types.js';

const LINK_SECONDS = 300;

/**
 * Short-lived signed links to a chat attachment, so a browser downloads it without an
 * Authorization header. A link names the person it was made for; whether they may read
 * the message is checked again when it is opened (one who left meanwhile still reads only
 * up to then). Signed with the documents' download key, in a form of its own.
 */
export class AttachmentLinks {
  private key: string | null = null;

  constructor(
    private readonly repo: DocumentRepo,
    private readonly now: Now,
  ) {}

  async link(userId: string, chatId: string, attachmentId: string): Promise<string> {
    const exp = Math.floor(this.now() / 1000) + LINK_SECONDS;
    const s = await this.sign(userId, chatId, attachmentId, exp);
    return `/api/chats/${chatId}/attachments/${attachmentId}?u=${encodeURIComponent(userId)}&e=${exp}&s=${s}`;
  }

  /** The person a link was made for, or null (forged, for another file, or expired). */
  async verify(
    chatId: string,
    attachmentId: string,
    query: { u?: unknown; e?: unknown; s?: unknown },
  ): Promise<string | null> {
    const { u, e, s } = query;
    if (typeof u !== 'string' || typeof e !== 'string' || typeof s !== 'string' || !u || !s) return null;
    const exp = Number(e);
    if (!Number.isInteger(exp) || exp * 1000 < this.now()) return null;
    const expected = Buffer.from(await this.sign(u, chatId, attachmentId, exp));
    const given = Buffer.from(s);
    return expected.length === given.length && timingSafeEqual(expected, given) ? u : null;
  }

  private async sign(userId: string, chatId: string, attachmentId: string, exp: number): Promise<string> {
    this.key ??= await this.repo.downloadKey();
    return createHmac('sha256', this.key)
      .update(`chat-attachment\n${userId}\n${chatId}\n${attachmentId}\n${exp}`)
      .digest('base64url');
  }
}
