import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Now } from '../clock.js';
import type { DocumentRepo } from '../store/types.js';
import { notFound } from './service.js';

/** Signed download links: what lets a browser open a document without an Authorization header. */
export class SignedLinks {
  constructor(
    private readonly repo: DocumentRepo,
    private readonly now: Now,
  ) {}

  /** A link a browser can open without an Authorization header, valid for a few minutes. */
  async signedLink(ownerId: string, id: string): Promise<string> {
    if (!(await this.repo.getDocument(ownerId, id))) throw notFound();
    const exp = Math.floor(this.now() / 1000) + 300;
    return `/api/documents/${id}/content?u=${encodeURIComponent(ownerId)}&e=${exp}&s=${await this.sign(ownerId, id, exp)}`;
  }

  /** The owner a signed link was made for, or null. */
  async verifyLink(id: string, query: { u?: string; e?: string; s?: string }): Promise<string | null> {
    if (!query.u || !query.e || !query.s) return null;
    const exp = Number(query.e);
    if (!Number.isInteger(exp) || exp * 1000 < this.now()) return null;
    const expected = Buffer.from(await this.sign(query.u, id, exp));
    const given = Buffer.from(query.s);
    return expected.length === given.length && timingSafeEqual(expected, given) ? query.u : null;
  }

  /** The download key never changes: read once. */
  private key: string | null = null;

  private async sign(ownerId: string, id: string, exp: number): Promise<string> {
    this.key ??= await this.repo.downloadKey();
    return createHmac('sha256', this.key).update(`${ownerId}\n${id}\n${exp}`).digest('base64url');
  }
}
