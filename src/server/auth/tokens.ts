import crypto from 'node:crypto';
import { OTP_CODE_LENGTH } from '../../shared/api.js';

/** An opaque bearer secret: 256 bits from the CSPRNG, URL-safe. */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Tokens are stored and looked up only by this hash, never in the clear. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** A one-time code of OTP_CODE_LENGTH digits, uniformly drawn from the CSPRNG (ASVS V6). */
export function newOtpCode(): string {
  return crypto
    .randomInt(0, 10 ** OTP_CODE_LENGTH)
    .toString()
    .padStart(OTP_CODE_LENGTH, '0');
}

/** Binds the code to its request: the same code under another request id hashes differently. */
export function hashOtpCode(requestId: string, code: string): string {
  return crypto.createHash('sha256').update(`${requestId}:${code}`).digest('hex');
}

/** Compares two hex hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function newId(): string {
  return crypto.randomUUID();
}
