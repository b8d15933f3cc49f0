import type { PersonName } from '../../shared/domain.js';
import { AppError } from '../../shared/errors.js';
import { iso, type Now } from '../clock.js';
import type { Feed } from '../sync/feed.js';
import type { Store } from '../store/types.js';
import { hashToken, newId, newToken } from './tokens.js';

/** Long enough to type three names, short enough that a leaked token is soon useless. */
export const REGISTRATION_TTL_MS = 15 * 60_000;

/**
 * A verified phone that has no account yet gets a single-use registration token; with
 * it and a name the person becomes a parent (students are created by their school).
 */
export class RegistrationService {
  constructor(
    private readonly store: Store,
    private readonly feed: Feed,
    private readonly now: Now,
  ) {}

  async issue(phone: string, deviceId: string): Promise<{ registrationToken: string; expiresAt: string }> {
    const token = newToken();
    const now = this.now();
    const expiresAt = iso(now + REGISTRATION_TTL_MS);
    await this.store.otp.insertRegistrationToken({
      tokenHash: hashToken(token),
      phone,
      deviceId,
      createdAt: iso(now),
      expiresAt,
      usedAt: null,
    });
    return { registrationToken: token, expiresAt };
  }

  /** Creates the parent account; returns its user id. */
  register(token: string, deviceId: string, name: PersonName): Promise<string> {
    const now = this.now();
    const hash = hashToken(token);
    return this.feed.write(async (writer, tx) => {
      const row = await tx.otp.getRegistrationToken(hash);
      const valid =
        row !== null && row.usedAt === null && row.deviceId === deviceId && Date.parse(row.expiresAt) > now;
      if (!row || !valid || !(await tx.otp.useRegistrationToken(hash, iso(now)))) {
        throw new AppError('REGISTRATION_EXPIRED', 'Registration took too long. Sign in again.');
      }
      // Registered from another device in the meantime: that account is the person's.
      const existing = await tx.accounts.findUserByPhone(row.phone);
      if (existing) return existing.id;
      const id = newId();
      await tx.accounts.insertUser({
        id,
        role: 'parent',
        surname: name.surname,
        name: name.name,
        patronymic: name.patronymic,
        phone: row.phone,
        email: null,
        birthDate: null,
        schoolId: null,
        classId: null,
        createdAt: iso(now),
        updatedAt: iso(now),
      });
      await writer.putPersonWithSchool(id);
      return id;
    });
  }
}
