import type { SessionTokens } from '../../../shared/api.js';
import type { ApiClient } from '../../../shared/apiClient.js';
import type { Profile } from '../../../shared/domain.js';
import { AppError } from '../../../shared/errors.js';
import type { Bridge } from '../../../shared/ipc.js';

/** Sign-in by a code, registration and the parent's sessions (the web adapter's part). */
export type AuthBridge = Pick<
  Bridge,
  'authRequestCode' | 'authVerifyCode' | 'authRegister' | 'authListSessions' | 'authRevokeSession'
>;

/**
 * The web version's sign-in over HTTP. A code for a phone with no account yet leaves a
 * registration token, kept in memory only until the name is given or a sign-in ends it.
 */
export function createWebAuth(deps: {
  api: ApiClient;
  deviceId: string;
  deviceName: string;
  signedIn: (tokens: SessionTokens, profile: Profile) => void;
}): { bridge: AuthBridge; forgetRegistration(): void } {
  const { api, deviceId, deviceName } = deps;
  let registrationToken: string | null = null;
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
      if (!registrationToken) throw new AppError('REGISTRATION_EXPIRED', 'Start signing in again.');
      const answer = await api.call('register', {
        body: { ...input, patronymic: input.patronymic ?? '', registrationToken, deviceId, deviceName },
      });
      deps.signedIn(answer.tokens, answer.profile);
      return answer.profile;
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
    },
  };
}
