import type { FastifyBaseLogger } from 'fastify';
import type { OtpRequestBody, OtpRequestResponse, OtpVerifyBody } from '../shared/api.js';
import { AppError } from '../shared/errors.js';
import { normalizeEmail, normalizePhone } from '../shared/phone.js';
import { iso, type Now } from './clock.js';
import type { OtpLimits } from './config.js';
import type { OtpSender } from './otpSender.js';
import { rateLimited, type RateLimiter } from './rateLimit.js';
import type { Store } from './store/types.js';
import { hashOtpCode, newId, newOtpCode, sameHash } from './tokens.js';

export const OTP_TTL_MS = 10 * 60_000;
export const OTP_MAX_ATTEMPTS = 5;
/** The window of `perAddressPerHour`. */
const HOUR_SECONDS = 3600;

export type VerifiedIdentity =
  | { kind: 'user'; userId: string }
  /** A phone nobody has registered yet: the person registers next. */
  | { kind: 'new_phone'; phone: string };

interface OtpDeps {
  store: Store;
  sender: OtpSender;
  limiter: RateLimiter;
  limits: OtpLimits;
  now: Now;
  demo: boolean;
  logger: FastifyBaseLogger;
}

/**
 * One-time codes (ASVS 5.0 V6): OTP_CODE_LENGTH digits from the CSPRNG, stored hashed,
 * valid ten minutes, single use, bound to the request id and the device that asked, at
 * most five tries per code and `wrongCodesPerAddress` wrong ones per address across its
 * codes, throttled per address and per IP.
 */
export class OtpService {
  constructor(private readonly deps: OtpDeps) {}

  async request(body: OtpRequestBody, ip: string): Promise<OtpRequestResponse> {
    const { store, limiter, limits, now } = this.deps;
    const address = body.channel === 'phone' ? normalizePhone(body.phone) : normalizeEmail(body.email);
    if (!address) {
      throw body.channel === 'phone'
        ? new AppError('PHONE_INVALID', 'This is not a Russian mobile number.', {
            fields: { phone: 'invalid' },
          })
        : new AppError('EMAIL_INVALID', 'This is not an e-mail address.', { fields: { email: 'invalid' } });
    }
    limiter.hit(limiter.ipKey('otp-request-ip', ip), limits.requestsPerIp, limits.ipWindowSeconds);
    const addressKey = `otp-address:${address}`;
    const since = limiter.sinceLast(addressKey);
    if (since < limits.resendCooldownSeconds) {
      throw rateLimited(Math.max(1, Math.ceil(limits.resendCooldownSeconds - since)));
    }
    const hourWait = limiter.waitSeconds(addressKey, limits.perAddressPerHour, HOUR_SECONDS);
    if (hourWait > 0) throw rateLimited(hourWait);

    // E-mail codes are only for accounts that have an e-mail and no phone (primary-school
    // students). Any other address gets the same answer, and nothing is sent, so the
    // answer does not tell who has an account.
    const user =
      body.channel === 'phone'
        ? store.accounts.findUserByPhone(address)
        : store.accounts.findUserByEmail(address);
    const deliver = body.channel === 'phone' || (user !== null && user.phone === null);

    const id = newId();
    const code = newOtpCode();
    const createdAt = now();
    store.otp.pruneExpired(iso(createdAt - OTP_TTL_MS));
    store.otp.insertRequest({
      id,
      channel: body.channel,
      address,
      userId: deliver ? (user?.id ?? null) : null,
      deviceId: body.deviceId,
      // An undeliverable request still gets a hash, of a code nobody knows.
      codeHash: hashOtpCode(id, deliver ? code : newOtpCode() + newId()),
      attempts: 0,
      createdAt: iso(createdAt),
      expiresAt: iso(createdAt + OTP_TTL_MS),
      consumedAt: null,
    });
    limiter.record(addressKey, HOUR_SECONDS);
    if (deliver) {
      try {
        await this.deps.sender.send(body.channel === 'phone' ? { phone: address } : { email: address }, code);
      } catch (error) {
        // Our failure, not the person's: give the attempt back and forget the dead code.
        limiter.undo(addressKey);
        store.otp.deleteRequest(id);
        if (error instanceof AppError) throw error;
        this.deps.logger.error({ err: error }, 'one-time code delivery failed');
        throw new AppError('OTP_DELIVERY_FAILED', 'The code could not be sent. Try again later.');
      }
    }
    const response: OtpRequestResponse = {
      requestId: id,
      expiresAt: iso(createdAt + OTP_TTL_MS),
      resendAfter: limits.resendCooldownSeconds,
    };
    // Demo mode shows the code in the UI; demo accounts are public anyway.
    if (this.deps.demo && deliver) response.devCode = code;
    return response;
  }

  verify(body: OtpVerifyBody, ip: string): VerifiedIdentity {
    const { store, limiter, limits, now } = this.deps;
    limiter.hit(limiter.ipKey('otp-verify-ip', ip), limits.verifiesPerIp, limits.ipWindowSeconds);
    const row = store.otp.getRequest(body.requestId);
    if (!row) throw new AppError('OTP_INVALID', 'The code is wrong.');
    if (row.consumedAt !== null)
      throw new AppError('OTP_EXPIRED', 'This code was already used. Ask for a new one.');
    if (row.attempts >= OTP_MAX_ATTEMPTS) throw tooManyAttempts();
    if (Date.parse(row.expiresAt) <= now())
      throw new AppError('OTP_EXPIRED', 'The code has expired. Ask for a new one.');
    // Each new code brings five fresh tries: wrong codes are also counted per address,
    // whichever code and IP they came with, or guessing would only be paced by resends.
    const wrongKey = `otp-wrong:${row.address}`;
    const wait = limiter.waitSeconds(wrongKey, limits.wrongCodesPerAddress, limits.wrongCodesWindowSeconds);
    if (wait > 0) throw rateLimited(wait);

    const attempts = store.otp.addAttempt(row.id);
    // A code only works on the device that asked for it, so a code read off someone's
    // screen cannot be used elsewhere; a wrong device costs a try like a wrong code.
    const ok = row.deviceId === body.deviceId && sameHash(row.codeHash, hashOtpCode(row.id, body.code));
    if (!ok) {
      limiter.record(wrongKey, limits.wrongCodesWindowSeconds);
      if (attempts >= OTP_MAX_ATTEMPTS) throw tooManyAttempts();
      throw new AppError('OTP_INVALID', 'The code is wrong.', { fields: { code: 'wrong' } });
    }
    if (!store.otp.consume(row.id, iso(now()))) {
      throw new AppError('OTP_EXPIRED', 'This code was already used. Ask for a new one.');
    }
    if (row.userId) return { kind: 'user', userId: row.userId };
    // The phone may have been registered since the code was sent.
    const existing = store.accounts.findUserByPhone(row.address);
    if (existing) return { kind: 'user', userId: existing.id };
    if (row.channel !== 'phone') throw new AppError('OTP_INVALID', 'The code is wrong.');
    return { kind: 'new_phone', phone: row.address };
  }
}

function tooManyAttempts(): AppError {
  return new AppError('OTP_TOO_MANY_ATTEMPTS', 'Too many wrong codes. Ask for a new one.');
}
