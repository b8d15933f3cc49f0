import type { z } from 'zod';
import { OTP_CODE_LENGTH, OTP_CODE_PATTERN } from '../../../shared/api.js';
import type { PersonName, Profile, SessionInfo } from '../../../shared/domain.js';
import { AppError } from '../../../shared/errors.js';
import type {
  RequestCodeInputSchema,
  RequestCodeOutputSchema,
  VerifyCodeOutputSchema,
} from '../../../shared/ipc.js';
import type { LocalAccountRuntime } from './accounts.js';

type RequestCodeInput = z.input<typeof RequestCodeInputSchema>;
type RequestCodeOutput = z.output<typeof RequestCodeOutputSchema>;
type VerifyCodeOutput = z.output<typeof VerifyCodeOutputSchema>;

/**
 * Sign-in by one-time code, on behalf of one local account. Only this module and the
 * account's session file ever hold tokens; what it returns is safe to hand to the
 * renderer (a profile, a status), and the registration token stays in memory here.
 */
export async function requestCode(
  account: LocalAccountRuntime,
  input: RequestCodeInput,
): Promise<RequestCodeOutput> {
  const body =
    input.channel === 'phone'
      ? { channel: 'phone' as const, phone: input.phone, deviceId: account.deviceId }
      : { channel: 'email' as const, email: input.email, deviceId: account.deviceId };
  const answer = await account.client.call('otpRequest', { body });
  // devCode is present only when the server runs in demo mode: pass it through.
  return {
    requestId: answer.requestId,
    expiresAt: answer.expiresAt,
    resendAfter: answer.resendAfter,
    ...(answer.devCode !== undefined ? { devCode: answer.devCode } : {}),
  };
}

export async function verifyCode(
  account: LocalAccountRuntime,
  input: { requestId: string; code: string },
  deviceName: string,
): Promise<VerifyCodeOutput> {
  const code = input.code.replace(/\s+/g, '');
  if (!OTP_CODE_PATTERN.test(code))
    throw new AppError('OTP_INVALID', `The code is ${OTP_CODE_LENGTH} digits.`);
  const answer = await account.client.call('otpVerify', {
    body: { requestId: input.requestId, code, deviceId: account.deviceId, deviceName },
  });
  if (answer.status === 'registration_required') {
    account.registrationToken = answer.registrationToken;
    return { status: 'registration_required' };
  }
  const profile = await account.signIn(answer);
  return { status: 'signed_in', profile };
}

export async function register(
  account: LocalAccountRuntime,
  name: PersonName,
  deviceName: string,
): Promise<Profile> {
  const registrationToken = account.registrationToken;
  if (!registrationToken) {
    throw new AppError('REGISTRATION_EXPIRED', 'Confirm the phone number with a new code first.');
  }
  const answer = await account.client.call('register', {
    body: { ...name, registrationToken, deviceId: account.deviceId, deviceName },
  });
  return account.signIn(answer);
}

/**
 * Signs out on the server when it can be reached, and locally in any case: a person
 * who asks to sign out on a train must not stay signed in. The outbox is kept.
 */
export async function signOut(account: LocalAccountRuntime): Promise<void> {
  if (account.signedIn()) {
    // Stop listening first: the server announces this very revocation on the live stream.
    await account.stopSync();
    try {
      await account.client.call('signOut', { signal: AbortSignal.timeout(5000) });
    } catch {
      // Unreachable or already revoked: the local sign-out below is what matters.
    }
  }
  await account.endSession(null);
}

export async function listSessions(account: LocalAccountRuntime): Promise<SessionInfo[]> {
  requireSignedIn(account);
  const { sessions } = await account.client.call('sessions');
  return sessions;
}

export async function revokeSession(account: LocalAccountRuntime, id: string): Promise<void> {
  requireSignedIn(account);
  await account.client.call('revokeSession', { params: { id } });
}

function requireSignedIn(account: LocalAccountRuntime): void {
  if (!account.signedIn()) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
}
