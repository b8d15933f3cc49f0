import { PersonNameSchema, type PersonName } from '../../../shared/domain.js';
import { AppError } from '../../../shared/errors.js';
import { maskPhone, normalizePhone } from '../../../shared/phone.js';
import { VKID_CALLBACK_PATH } from '../../../shared/auth/vkid.js';
import { iso, type Now } from '../../clock.js';
import type { VkIdConfig } from '../../config.js';
import type { RateLimiter } from '../../rateLimit.js';
import type { Feed } from '../../sync/feed.js';
import type { Store, UserRow, VkIdPendingRow, VkIdTokens } from '../../store/types.js';
import type { OtpService } from '../otp.js';
import { hashToken, newId, newToken } from '../tokens.js';
import { newPkce, VkIdClient, type VkTokens } from './client.js';

/** A flow started at VK must come back within this time; the state works once. */
export const VKID_FLOW_TTL_MS = 10 * 60_000;
/** Time to confirm a link with our code, or to give one's name. */
export const VKID_PENDING_TTL_MS = 15 * 60_000;
/** Starts and callbacks per IP per window. */
const VKID_PER_IP = 30;
const VKID_IP_WINDOW_SECONDS = 600;

export type VkIdClientKind = 'web' | 'desktop';

export type VkIdOutcome =
  | { kind: 'user'; userId: string }
  | { kind: 'register'; pendingToken: string; expiresAt: string; suggestedName: PersonName }
  | {
      kind: 'link';
      pendingToken: string;
      expiresAt: string;
      requestId: string;
      phone: string;
      resendAfter: number;
      devCode?: string;
    };

/** Students under 14 (or of unknown age) and accounts the school made by e-mail invite. */
export function vkIdAllowedFor(user: UserRow, now: number): boolean {
  if (user.role !== 'student') return true;
  if (user.phone === null) return false;
  if (!user.birthDate) return false;
  const birth = new Date(`${user.birthDate}T00:00:00Z`);
  const at = new Date(now);
  let age = at.getUTCFullYear() - birth.getUTCFullYear();
  const m = at.getUTCMonth() - birth.getUTCMonth();
  if (m < 0 || (m === 0 && at.getUTCDate() < birth.getUTCDate())) age--;
  return age >= 14;
}

interface VkIdDeps {
  store: Store;
  feed: Feed;
  otp: OtpService;
  limiter: RateLimiter;
  now: Now;
  /** Read at every call: `--demo` fills it in once the stand-in runs. */
  config: () => VkIdConfig | null;
  publicUrl: () => string;
}

/**
 * Sign-in with VK ID, the second identity provider beside our own codes: authorization
 * code + PKCE S256 with a single-use, short-lived state bound to the device that started
 * it; the code is exchanged here (VK's tokens stay on the server, with VK's device_id
 * for refresh and logout) and the person is found by their VK user id, else by the
 * verified phone VK gives (linked only after our own code to that phone confirms), else
 * registered as a new parent with VK's name.
 */
export class VkIdService {
  constructor(private readonly deps: VkIdDeps) {}

  available(): boolean {
    return this.deps.config() !== null;
  }

  async start(
    input: { deviceId: string; client: VkIdClientKind; returnTo?: string | undefined },
    ip: string,
  ): Promise<{ authorizeUrl: string; state: string; expiresAt: string }> {
    const vk = this.client();
    await this.limit(ip);
    const now = this.deps.now();
    await this.deps.store.vkid.pruneExpired(iso(now - VKID_PENDING_TTL_MS));
    const state = newToken();
    const pkce = newPkce();
    const expiresAt = iso(now + VKID_FLOW_TTL_MS);
    await this.deps.store.vkid.insertFlow({
      stateHash: hashToken(state),
      deviceId: input.deviceId,
      client: input.client,
      codeVerifier: pkce.verifier,
      returnTo: input.returnTo ?? null,
      createdAt: iso(now),
      expiresAt,
      usedAt: null,
      codeHash: null,
    });
    return { authorizeUrl: vk.authorizeUrl(state, pkce.challenge), state, expiresAt };
  }

  /** Which client a callback belongs to (for the callback page), without using it up. */
  async flowClient(state: string): Promise<{ client: VkIdClientKind; returnTo: string | null } | null> {
    const flow = await this.deps.store.vkid.getFlow(hashToken(state));
    if (!flow || Date.parse(flow.expiresAt) <= this.deps.now()) return null;
    return { client: flow.client, returnTo: flow.returnTo };
  }

  async complete(
    input: {
      state: string;
      code?: string | undefined;
      vkDeviceId?: string | undefined;
      error?: string | undefined;
      deviceId: string;
      client: VkIdClientKind;
    },
    ip: string,
  ): Promise<VkIdOutcome> {
    const vk = this.client();
    await this.limit(ip);
    const { store, now } = this.deps;
    const stateHash = hashToken(input.state);
    const flow = await store.vkid.getFlow(stateHash);
    const mismatch = () =>
      new AppError('VKID_STATE_MISMATCH', 'This VK ID answer does not belong to a sign-in started here.');
    if (!flow || flow.deviceId !== input.deviceId || flow.client !== input.client) throw mismatch();
    const codeHash = hashToken(input.code ?? `error:${input.error ?? ''}`);
    if (flow.usedAt !== null) {
      if (input.code && flow.codeHash === codeHash) {
        throw new AppError('VKID_CODE_USED', 'This VK ID sign-in was already used. Start again.');
      }
      throw mismatch();
    }
    if (Date.parse(flow.expiresAt) <= now()) throw mismatch();
    if (!(await store.vkid.useFlow(stateHash, codeHash, iso(now())))) {
      throw new AppError('VKID_CODE_USED', 'This VK ID sign-in was already used. Start again.');
    }
    if (input.error) {
      throw input.error === 'access_denied'
        ? new AppError('VKID_CANCELLED', 'Signing in with VK ID was cancelled.')
        : new AppError('VKID_REFUSED', `VK ID refused: ${input.error}.`);
    }
    if (!input.code || !input.vkDeviceId) {
      throw new AppError('VKID_REFUSED', 'VK ID sent no code back.');
    }
    const tokens = await vk.exchangeCode({
      code: input.code,
      verifier: flow.codeVerifier,
      vkDeviceId: input.vkDeviceId,
      state: input.state,
    });
    const vkUser = await vk.userInfo(tokens.accessToken, input.vkDeviceId);
    if (vkUser.userId !== tokens.userId)
      throw new AppError('VKID_REFUSED', 'VK ID answered for another user.');
    const kept = this.kept(tokens, input.vkDeviceId);

    const linked = await store.vkid.findIdentityByVkUser(vkUser.userId);
    if (linked) {
      await store.vkid.updateIdentityTokens(linked.userId, kept);
      return { kind: 'user', userId: linked.userId };
    }
    const phone = vkUser.phone ? normalizePhone(vkUser.phone) : null;
    if (!phone) {
      await this.forget(vk, kept);
      throw new AppError('VKID_NO_PHONE', 'The VK account has no phone number.');
    }
    const existing = await store.accounts.findUserByPhone(phone);
    if (existing && !vkIdAllowedFor(existing, now())) {
      await this.forget(vk, kept);
      throw new AppError('VKID_PHONE_IS_STUDENT', 'The phone number from VK ID belongs to a student.');
    }
    if (existing && (await store.vkid.getIdentityOfUser(existing.id))) {
      await this.forget(vk, kept);
      throw new AppError('VKID_LINKED_ELSEWHERE', 'That account has another VK account linked.');
    }
    const pendingToken = newToken();
    const at = now();
    const pending: VkIdPendingRow = {
      tokenHash: hashToken(pendingToken),
      deviceId: input.deviceId,
      vkUserId: vkUser.userId,
      phone,
      firstName: vkUser.firstName,
      lastName: vkUser.lastName,
      userId: existing?.id ?? null,
      vk: kept,
      createdAt: iso(at),
      expiresAt: iso(at + VKID_PENDING_TTL_MS),
      usedAt: null,
    };
    await store.vkid.insertPending(pending);
    if (!existing) {
      const suggested = PersonNameSchema.safeParse({
        surname: vkUser.lastName,
        name: vkUser.firstName,
        patronymic: '',
      });
      return {
        kind: 'register',
        pendingToken,
        expiresAt: pending.expiresAt,
        suggestedName: suggested.success ? suggested.data : { surname: '', name: '', patronymic: '' },
      };
    }
    // Never linked silently: our own code to that phone confirms it is this person's.
    const code = await this.deps.otp.request({ channel: 'phone', phone, deviceId: input.deviceId }, ip);
    return {
      kind: 'link',
      pendingToken,
      expiresAt: pending.expiresAt,
      requestId: code.requestId,
      phone: maskPhone(phone),
      resendAfter: code.resendAfter,
      ...(code.devCode !== undefined ? { devCode: code.devCode } : {}),
    };
  }

  /** Confirms a link with our code to the phone VK gave; returns the account's id. */
  async link(
    input: { pendingToken: string; requestId: string; code: string; deviceId: string; deviceName: string },
    ip: string,
  ): Promise<string> {
    this.client();
    const pending = await this.pending(input.pendingToken, input.deviceId);
    if (!pending.userId) throw expired();
    const identity = await this.deps.otp.verify(
      {
        requestId: input.requestId,
        code: input.code,
        deviceId: input.deviceId,
        deviceName: input.deviceName,
      },
      ip,
    );
    if (identity.kind !== 'user' || identity.userId !== pending.userId) throw expired();
    const userId = pending.userId;
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.vkid.usePending(pending.tokenHash, iso(this.deps.now())))) throw expired();
      const inserted = await tx.vkid.insertIdentity({
        userId,
        vkUserId: pending.vkUserId,
        linkedAt: iso(this.deps.now()),
        ...pending.vk,
      });
      if (!inserted) {
        throw new AppError('VKID_LINKED_ELSEWHERE', 'This VK account is already linked to another account.');
      }
    });
    return userId;
  }

  /** Registers a new parent with the phone VK verified and the name given; returns its id. */
  async register(input: { pendingToken: string; deviceId: string; name: PersonName }): Promise<string> {
    this.client();
    const pending = await this.pending(input.pendingToken, input.deviceId);
    if (pending.userId) throw expired();
    const at = iso(this.deps.now());
    return this.deps.feed.write(async (writer, tx) => {
      if (!(await tx.vkid.usePending(pending.tokenHash, at))) throw expired();
      // Registered by code from another device in the meantime: start again (and link).
      if (await tx.accounts.findUserByPhone(pending.phone)) throw expired();
      const id = newId();
      await tx.accounts.insertUser({
        id,
        role: 'parent',
        surname: input.name.surname,
        name: input.name.name,
        patronymic: input.name.patronymic,
        phone: pending.phone,
        email: null,
        birthDate: null,
        schoolId: null,
        classId: null,
        createdAt: at,
        updatedAt: at,
      });
      await writer.putPersonWithSchool(id);
      if (
        !(await tx.vkid.insertIdentity({
          userId: id,
          vkUserId: pending.vkUserId,
          linkedAt: at,
          ...pending.vk,
        }))
      ) {
        throw new AppError('VKID_LINKED_ELSEWHERE', 'This VK account is already linked to another account.');
      }
      return id;
    });
  }

  async status(userId: string) {
    const user = await this.deps.store.accounts.getUser(userId);
    if (!user) throw new AppError('ACCOUNT_NOT_FOUND', 'The account no longer exists.');
    const identity = await this.deps.store.vkid.getIdentityOfUser(userId);
    return {
      available: this.available() && vkIdAllowedFor(user, this.deps.now()),
      linked: identity !== null,
      linkedAt: identity?.linkedAt ?? null,
      canUnlink: identity !== null && (user.phone !== null || user.email !== null),
    };
  }

  /** Unlinks VK ID (and logs out at VK) while a phone or e-mail code remains to sign in with. */
  async unlink(userId: string): Promise<void> {
    const status = await this.status(userId);
    if (!status.linked) throw new AppError('NOT_FOUND', 'VK ID is not linked.');
    if (!status.canUnlink) throw new AppError('VKID_LAST_METHOD', 'VK ID is the only way to sign in.');
    const identity = await this.deps.store.vkid.getIdentityOfUser(userId);
    await this.deps.store.vkid.deleteIdentity(userId);
    const config = this.deps.config();
    if (identity && config) await this.forget(new VkIdClient(config, this.redirectUri(config)), identity);
  }

  private async pending(token: string, deviceId: string): Promise<VkIdPendingRow> {
    const row = await this.deps.store.vkid.getPending(hashToken(token));
    if (
      !row ||
      row.usedAt !== null ||
      row.deviceId !== deviceId ||
      Date.parse(row.expiresAt) <= this.deps.now()
    ) {
      throw expired();
    }
    return row;
  }

  private kept(tokens: VkTokens, vkDeviceId: string): VkIdTokens {
    return {
      vkDeviceId,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      accessExpiresAt: iso(this.deps.now() + tokens.expiresIn * 1000),
    };
  }

  /**
   * Logs VK's session out (VK's device_id with it), refreshing an expired access token
   * first. Best effort: the person's wish here is already done on our side.
   */
  private async forget(vk: VkIdClient, tokens: VkIdTokens): Promise<void> {
    try {
      let access = tokens.accessToken;
      if (Date.parse(tokens.accessExpiresAt) <= this.deps.now() && tokens.refreshToken) {
        access = (await vk.refresh(tokens.refreshToken, tokens.vkDeviceId)).accessToken;
      }
      await vk.logout(access, tokens.vkDeviceId);
    } catch {
      // VK unreachable or the token already dead: nothing of ours depends on it.
    }
  }

  private redirectUri(config: VkIdConfig): string {
    return config.redirectUri ?? `${this.deps.publicUrl()}${VKID_CALLBACK_PATH}`;
  }

  private client(): VkIdClient {
    const config = this.deps.config();
    if (!config)
      throw new AppError('VKID_NOT_CONFIGURED', 'Sign-in with VK ID is not set up on this server.');
    return new VkIdClient(config, this.redirectUri(config));
  }

  private async limit(ip: string): Promise<void> {
    await this.deps.limiter.hit(this.deps.limiter.ipKey('vkid-ip', ip), VKID_PER_IP, VKID_IP_WINDOW_SECONDS);
  }
}

function expired(): AppError {
  return new AppError('VKID_LINK_EXPIRED', 'The time to confirm ran out. Start signing in with VK ID again.');
}
