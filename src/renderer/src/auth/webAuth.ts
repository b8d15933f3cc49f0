import type { SessionTokens } from '../../../shared/api.js';
import type { ApiClient } from '../../../shared/apiClient.js';
import type { Profile } from '../../../shared/domain.js';
import { AppError } from '../../../shared/errors.js';
import type { Bridge } from '../../../shared/ipc.js';
import type { VkIdCallback } from '../../../shared/auth/vkid.js';

/** Sign-in by a code, registration and the parent's sessions (the web adapter's part). */
export type AuthBridge = Pick<
  Bridge,
  | 'authRequestCode'
  | 'authVerifyCode'
  | 'authRegister'
  | 'authListSessions'
  | 'authRevokeSession'
  | 'authVkidStart'
  | 'authVkidResume'
  | 'authVkidConfirmLink'
  | 'authVkidStatus'
  | 'authVkidUnlink'
>;

/** The query parameters the server's callback page puts on the web version's return address. */
const VKID_PARAMS = ['vkid_state', 'vkid_code', 'vkid_device_id', 'vkid_error'] as const;

/** VK's answer on the page's address (the callback page sent the browser back here), or null. */
export function vkidReturnFrom(search: string): VkIdCallback | null {
  const p = new URLSearchParams(search);
  const state = p.get('vkid_state');
  if (!state) return null;
  return {
    state,
    ...(p.get('vkid_code') ? { code: p.get('vkid_code')! } : {}),
    ...(p.get('vkid_device_id') ? { vkDeviceId: p.get('vkid_device_id')! } : {}),
    ...(p.get('vkid_error') ? { error: p.get('vkid_error')! } : {}),
  };
}

/**
 * The web version's sign-in over HTTP. A code for a phone with no account yet leaves a
 * registration token, kept in memory only until the name is given or a sign-in ends it.
 */
export function createWebAuth(deps: {
  api: ApiClient;
  deviceId: string;
  deviceName: string;
  signedIn: (tokens: SessionTokens, profile: Profile) => void;
  /** The page's address (VK's answer comes back on it) and how to leave for VK. */
  location?: { search: string; pathname: string };
  navigate?: (url: string) => void;
  replacePath?: (path: string) => void;
}): { bridge: AuthBridge; forgetRegistration(): void } {
  const { api, deviceId, deviceName } = deps;
  let registrationToken: string | null = null;
  let vkPending: { pendingToken: string; requestId: string | null } | null = null;
  const where = deps.location ?? (typeof location !== 'undefined' ? location : { search: '', pathname: '/' });
  // Read once, at load, before anything rewrites the address.
  let vkReturn = vkidReturnFrom(where.search);
  if (vkReturn) {
    const keep = new URLSearchParams(where.search);
    for (const key of VKID_PARAMS) keep.delete(key);
    const rest = keep.toString();
    const path = `${where.pathname}${rest ? `?${rest}` : ''}`;
    if (deps.replacePath) deps.replacePath(path);
    else if (typeof history !== 'undefined') history.replaceState(null, '', `${path}${location.hash}`);
  }
  const navigate = deps.navigate ?? ((url: string) => window.location.assign(url));
  const bridge: AuthBridge = {
    async authRequestCode(input) {
      return api.call('otpRequest', { body: { ...input, deviceId } });
    },
    async authVerifyCode(input) {
      const answer = await api.call('otpVerify', { body: { ...input, deviceId, deviceName } });
      if (answer.status === 'registration_required') {
        registrationToken = answer.registrationToken;
        return { status: 'registration_required' };
      }
      deps.signedIn(answer.tokens, answer.profile);
      return { status: 'signed_in', profile: answer.profile };
    },
    async authRegister(input) {
      if (vkPending && vkPending.requestId === null) {
        const answer = await api.call('vkidRegister', {
          body: {
            ...input,
            patronymic: input.patronymic ?? '',
            pendingToken: vkPending.pendingToken,
            deviceId,
            deviceName,
          },
        });
        vkPending = null;
        deps.signedIn(answer.tokens, answer.profile);
        return answer.profile;
      }
      if (!registrationToken) throw new AppError('REGISTRATION_EXPIRED', 'Start signing in again.');
      const answer = await api.call('register', {
        body: { ...input, patronymic: input.patronymic ?? '', registrationToken, deviceId, deviceName },
      });
      deps.signedIn(answer.tokens, answer.profile);
      return answer.profile;
    },
    async authVkidStart(input) {
      const returnTo =
        input.inviteToken && /^[A-Za-z0-9_-]{10,200}$/.test(input.inviteToken)
          ? `/invite/${input.inviteToken}`
          : undefined;
      const started = await api.call('vkidStart', { body: { deviceId, ...(returnTo ? { returnTo } : {}) } });
      navigate(started.authorizeUrl);
      // The page leaves for VK; the answer comes back to a new page (authVkidResume).
      return new Promise<never>(() => {});
    },
    async authVkidResume() {
      const back = vkReturn;
      vkReturn = null;
      if (!back) return null;
      const answer = await api.call('vkidComplete', { body: { ...back, deviceId, deviceName } });
      if (answer.status === 'signed_in') {
        deps.signedIn(answer.tokens, answer.profile);
        return { status: 'signed_in', profile: answer.profile };
      }
      if (answer.status === 'registration_required') {
        vkPending = { pendingToken: answer.pendingToken, requestId: null };
        return { status: 'registration_required', suggestedName: answer.suggestedName };
      }
      vkPending = { pendingToken: answer.pendingToken, requestId: answer.requestId };
      return {
        status: 'link_required',
        phone: answer.phone,
        resendAfter: answer.resendAfter,
        ...(answer.devCode !== undefined ? { devCode: answer.devCode } : {}),
      };
    },
    async authVkidConfirmLink(input) {
      if (!vkPending?.requestId)
        throw new AppError('VKID_LINK_EXPIRED', 'Start signing in with VK ID again.');
      const answer = await api.call('vkidLink', {
        body: {
          pendingToken: vkPending.pendingToken,
          requestId: vkPending.requestId,
          code: input.code.replace(/\s+/g, ''),
          deviceId,
          deviceName,
        },
      });
      vkPending = null;
      deps.signedIn(answer.tokens, answer.profile);
      return answer.profile;
    },
    authVkidStatus: () => api.call('vkidStatus'),
    async authVkidUnlink() {
      await api.call('vkidUnlink');
      return null;
    },
    async authListSessions() {
      return (await api.call('sessions')).sessions;
    },
    async authRevokeSession(input) {
      await api.call('revokeSession', { params: { id: input.id } });
      return null;
    },
  };
  return {
    bridge,
    forgetRegistration: () => {
      registrationToken = null;
      vkPending = null;
    },
  };
}
