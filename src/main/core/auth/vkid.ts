import { parseVkIdCallback, VKID_DEEP_LINK } from '../../../shared/auth/vkid.js';
import type { VkIdOutcome } from '../../../shared/auth/ipc.js';
import type { PersonName, Profile } from '../../../shared/domain.js';
import { AppError } from '../../../shared/errors.js';
import type { VkIdStatus } from '../../../shared/auth/vkid.js';
import type { Logger } from '../ports.js';
import type { LocalAccountRuntime } from './accounts.js';

/** How long the app waits for the browser to come back from VK (the server's state lives as long). */
export const VKID_WAIT_MS = 10 * 60_000;

interface Waiting {
  accountId: string;
  expiresAt: number;
  resolve(outcome: VkIdOutcome): void;
  reject(error: unknown): void;
}

type Pending =
  | { accountId: string; kind: 'register'; pendingToken: string }
  | { accountId: string; kind: 'link'; pendingToken: string; requestId: string };

export interface VkIdCore {
  /** Opens VK's page in the system browser; resolves when the browser hands the result back. */
  start(): Promise<VkIdOutcome>;
  /**
   * A `sferum-family://vkid/callback?…` link from the system (the callback page). Only the
   * answer to a sign-in this app started and still waits for is taken, once; any other
   * (stale, replayed, forged) is refused. True when taken.
   */
  openLink(url: string): boolean;
  /** Whether `auth.register` is the VK registration's name step for the active account. */
  registering(): boolean;
  register(name: PersonName): Promise<Profile>;
  confirmLink(code: string): Promise<Profile>;
  status(): Promise<VkIdStatus>;
  unlink(): Promise<void>;
  close(): void;
}

/**
 * VK's authorize page as the core hands it to the system browser: https, or plain http
 * only on this computer's loopback (the local stand-in provider); never anything else.
 */
export function vetAuthorizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('VKID_REFUSED', 'The server gave no VK ID address.');
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (
    url.username ||
    url.password ||
    !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))
  ) {
    throw new AppError('VKID_REFUSED', 'The server gave a VK ID address that cannot be opened.');
  }
  return url.toString();
}

export function isVkIdLink(url: string): boolean {
  return url.toLowerCase().startsWith(VKID_DEEP_LINK);
}

/**
 * Sign-in with VK ID on the desktop: the system browser (never an embedded one) opens
 * VK's page; VK returns to our server's https callback page, which hands the answer to
 * the running app through `sferum-family://vkid/callback`. The core waits for exactly the
 * state it started and hands the code to our server, which does the exchange with VK.
 */
export function createVkIdCore(deps: {
  active(): LocalAccountRuntime;
  deviceName: string;
  openExternal(url: string): Promise<void>;
  logger: Logger;
  now?: () => number;
}): VkIdCore {
  const now = deps.now ?? Date.now;
  const waiting = new Map<string, Waiting>();
  let pending: Pending | null = null;

  const pendingFor = (account: LocalAccountRuntime, kind: Pending['kind']): Pending => {
    if (!pending || pending.accountId !== account.id || pending.kind !== kind) {
      throw new AppError('VKID_LINK_EXPIRED', 'Start signing in with VK ID again.');
    }
    return pending;
  };

  async function complete(account: LocalAccountRuntime, url: string): Promise<VkIdOutcome> {
    const callback = parseVkIdCallback(url)!;
    const answer = await account.client.call('vkidComplete', {
      body: { ...callback, deviceId: account.deviceId, deviceName: deps.deviceName },
    });
    if (answer.status === 'signed_in') return { status: 'signed_in', profile: await account.signIn(answer) };
    if (answer.status === 'registration_required') {
      pending = { accountId: account.id, kind: 'register', pendingToken: answer.pendingToken };
      return { status: 'registration_required', suggestedName: answer.suggestedName };
    }
    pending = {
      accountId: account.id,
      kind: 'link',
      pendingToken: answer.pendingToken,
      requestId: answer.requestId,
    };
    return {
      status: 'link_required',
      phone: answer.phone,
      resendAfter: answer.resendAfter,
      ...(answer.devCode !== undefined ? { devCode: answer.devCode } : {}),
    };
  }

  return {
    async start() {
      const account = deps.active();
      const started = await account.client.call('vkidStart', { body: { deviceId: account.deviceId } });
      // One sign-in at a time: an earlier one still waiting is given up.
      for (const [state, w] of waiting) {
        waiting.delete(state);
        w.reject(new AppError('VKID_CANCELLED', 'A new VK ID sign-in was started.'));
      }
      pending = null;
      return new Promise<VkIdOutcome>((resolve, reject) => {
        waiting.set(started.state, {
          accountId: account.id,
          expiresAt: now() + VKID_WAIT_MS,
          resolve,
          reject,
        });
        Promise.resolve()
          .then(() => deps.openExternal(vetAuthorizeUrl(started.authorizeUrl)))
          .catch((error: unknown) => {
            waiting.delete(started.state);
            reject(error);
          });
      });
    },

    openLink(url) {
      const callback = isVkIdLink(url) ? parseVkIdCallback(url) : null;
      const w = callback ? waiting.get(callback.state) : undefined;
      if (!callback || !w) {
        deps.logger.warn('Refused a VK ID answer that no sign-in here is waiting for');
        return false;
      }
      waiting.delete(callback.state);
      const account = deps.active();
      if (w.expiresAt <= now() || account.id !== w.accountId) {
        w.reject(new AppError('VKID_STATE_MISMATCH', 'This VK ID answer is out of date.'));
        return false;
      }
      complete(account, url).then(w.resolve, w.reject);
      return true;
    },

    registering() {
      return pending !== null && pending.kind === 'register' && pending.accountId === deps.active().id;
    },

    async register(name) {
      const account = deps.active();
      const p = pendingFor(account, 'register');
      const answer = await account.client.call('vkidRegister', {
        body: {
          ...name,
          pendingToken: p.pendingToken,
          deviceId: account.deviceId,
          deviceName: deps.deviceName,
        },
      });
      pending = null;
      return account.signIn(answer);
    },

    async confirmLink(code) {
      const account = deps.active();
      const p = pendingFor(account, 'link') as Extract<Pending, { kind: 'link' }>;
      const answer = await account.client.call('vkidLink', {
        body: {
          pendingToken: p.pendingToken,
          requestId: p.requestId,
          code: code.replace(/\s+/g, ''),
          deviceId: account.deviceId,
          deviceName: deps.deviceName,
        },
      });
      pending = null;
      return account.signIn(answer);
    },

    status: () => deps.active().client.call('vkidStatus'),

    async unlink() {
      await deps.active().client.call('vkidUnlink');
    },

    close() {
      for (const [state, w] of waiting) {
        waiting.delete(state);
        w.reject(new AppError('VKID_CANCELLED', 'The app is closing.'));
      }
    },
  };
}
