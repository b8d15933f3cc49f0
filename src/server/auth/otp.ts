import type { FastifyBaseLogger } from 'fastify';
import type { OtpRequestBody, OtpRequestResponse, OtpVerifyBody } from '../../shared/api.js';
import { AppError } from '../../shared/errors.js';
import { normalizeEmail, normalizePhone } from '../../shared/phone.js';
import { iso, type Now } from '../clock.js';
import type { OtpLimits } from '../config.js';
import type { OtpSender } from './otpSender.js';
import type { Escalation, RateLimiter } from '../rateLimit.js';
import type { Store } from '../store/types.js';
import { hashOtpCode, newId, newOtpCode, sameHash } from './tokens.js';

export const OTP_TTL_MS = 10 * 60_000;
export const OTP_MAX_ATTEMPTS = 5;

/** How new codes for one phone number or e-mail are paced (see OtpLimits). */
export function codePacing(limits: OtpLimits): Escalation {
  return {
    minDelaySeconds: limits.resendCooldownSeconds,
    free: limits.codesBeforeDelay,
    firstDelaySeconds: limits.firstCodeDelaySeconds,
    maxDelaySeconds: limits.maxCodeDelaySeconds,
    windowSeconds: limits.codesWindowSeconds,
  };
}

/** How wrong codes slow down the address and the device they come from (see OtpLimits). */
export function wrongCodePacing(limits: OtpLimits): Escalation {
  return {
    minDelaySeconds: 0,
    free: limits.wrongCodesBeforeDelay,
    firstDelaySeconds: limits.firstWrongCodeDelaySeconds,
    maxDelaySeconds: limits.maxWrongCodeDelaySeconds,
    windowSeconds: limits.wrongCodesWindowSeconds,
  };
}

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
 * most five tries per code. Guessing is slowed where it comes from, never at the person it
 * aims at: wrong codes make their address and device wait longer and longer, and each new
 * code for a phone number or e-mail waits longer than the one before (which bounds the
 * guesses at one number from any number of addresses). A correct, unexpired code of a
 * request that still has tries always signs in, from any other address and device.
 */
export class OtpService {
  private readonly codes: Escalation;
  private readonly wrong: Escalation;

  constructor(private readonly deps: OtpDeps) {
    this.codes = codePacing(deps.limits);
    this.wrong = wrongCodePacing(deps.limits);
  }

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
    await limiter.hit(limiter.ipKey('otp-request-ip', ip), limits.requestsPerIp, limits.ipWindowSeconds);
    const addressKey = `otp-address:${address}`;
    await limiter.hitEscalating(addressKey, this.codes);

    // E-mail codes are only for accounts that have an e-mail and no phone (primary-school
    // students). Any other address gets the same answer, and nothing is sent, so the
    // answer does not tell who has an account.
    const user =
      body.channel === 'phone'
        ? await store.accounts.findUserByPhone(address)
        : await store.accounts.findUserByEmail(address);
    const deliver = body.channel === 'phone' || (user !== null && user.phone === null);

    const id = newId();
    const code = newOtpCode();
    const createdAt = now();
    await store.otp.pruneExpired(iso(createdAt - OTP_TTL_MS));
    await store.otp.insertRequest({
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
    if (deliver) {
      try {
        await this.deps.sender.send(body.channel === 'phone' ? { phone: address } : { email: address }, code);
      } catch (error) {
        // Our failure, not the person's: give the attempt back and forget the dead code.
        await limiter.undo(addressKey);
        await store.otp.deleteRequest(id);
        if (error instanceof AppError) throw error;
        this.deps.logger.error({ err: error }, 'one-time code delivery failed');
        throw new AppError('OTP_DELIVERY_FAILED', 'The code could not be sent. Try again later.');
      }
    }
    const response: OtpRequestResponse = {
      requestId: id,
      expiresAt: iso(createdAt + OTP_TTL_MS),
      // When the next code may be asked for: the cooldown, or longer after several codes.
      resendAfter: await limiter.escalatedWait(addressKey, this.codes),
    };
    // Demo mode shows the code in the UI; demo accounts are public anyway. An address
    // nothing is sent to shows one too (one that opens nothing), so even here the answer
    // does not tell who has an account.
    if (this.deps.demo) response.devCode = code;
    return response;
  }

  async verify(body: OtpVerifyBody, ip: string): Promise<VerifiedIdentity> {
    const { store, limiter, limits, now } = this.deps;
    await limiter.hit(limiter.ipKey('otp-verify-ip', ip), limits.verifiesPerIp, limits.ipWindowSeconds);
    const row = await store.otp.getRequest(body.requestId);
    if (!row) throw new AppError('OTP_INVALID', 'The code is wrong.');
    if (row.consumedAt !== null)
      throw new AppError('OTP_EXPIRED', 'This code was already used. Ask for a new one.');
    if (row.attempts >= OTP_MAX_ATTEMPTS) throw tooManyAttempts();
    if (Date.parse(row.expiresAt) <= now())
      throw new AppError('OTP_EXPIRED', 'The code has expired. Ask for a new one.');
    // Wrong codes are counted for the address they come from and the device the code was
    // asked for, each waiting longer the more it got wrong. The try is booked before the
    // code is compared (so two processes cannot both take a free one) and given back if
    // the code was right.
    const ipKey = limiter.ipKey('otp-wrong-ip', ip);
    const deviceKey = `otp-wrong-device:${row.deviceId}`;
    await limiter.hitEscalating(ipKey, this.wrong);
    try {
      await limiter.hitEscalating(deviceKey, this.wrong);
    } catch (error) {
      await limiter.undo(ipKey);
      throw error;
    }

    const attempts = await store.otp.addAttempt(row.id);
    // A code only works on the device that asked for it, so a code read off someone's
    // screen cannot be used elsewhere; a wrong device costs a try like a wrong code.
    const ok = row.deviceId === body.deviceId && sameHash(row.codeHash, hashOtpCode(row.id, body.code));
    if (!ok) {
      if (attempts >= OTP_MAX_ATTEMPTS) throw tooManyAttempts();
      throw new AppError('OTP_INVALID', 'The code is wrong.', { fields: { code: 'wrong' } });
    }
    await limiter.undo(ipKey);
    await limiter.undo(deviceKey);
    if (!(await store.otp.consume(row.id, iso(now())))) {
      throw new AppError('OTP_EXPIRED', 'This code was already used. Ask for a new one.');
    }
    if (row.userId) return { kind: 'user', userId: row.userId };
    // The phone may have been registered since the code was sent.
    const existing = await store.accounts.findUserByPhone(row.address);
    if (existing) return { kind: 'user', userId: existing.id };
    if (row.channel !== 'phone') throw new AppError('OTP_INVALID', 'The code is wrong.');
    return { kind: 'new_phone', phone: row.address };
  }
}

function tooManyAttempts(): AppError {
  return new AppError('OTP_TOO_MANY_ATTEMPTS', 'Too many wrong codes. Ask for a new one.');
}
