import crypto from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.js';
import type { VkIdConfig } from '../../config.js';

/**
 * VK ID as VK speaks it (see VKID.md): authorize with PKCE `s256`, one endpoint for the
 * code and the refresh (`/oauth2/auth`, every parameter in a form body, VK's `device_id`
 * each time), `user_info` as a POST answering `{user:{…}}`, logout answering
 * `{response:1}`. Everything VK-specific about the wire is here and nowhere else.
 */

/** How long one call to VK may take before VK counts as unreachable. */
const VK_TIMEOUT_MS = 10_000;

export interface VkTokens {
  accessToken: string;
  refreshToken: string | null;
  expiresIn: number;
  userId: string;
}

export interface VkUser {
  userId: string;
  firstName: string;
  lastName: string;
  /** As VK gives it (digits, maybe with +), or null when VK has none or did not share it. */
  phone: string | null;
}

const TokenAnswer = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().int().positive().default(3600),
  user_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  state: z.string().optional(),
});

const UserAnswer = z.object({
  user: z.object({
    user_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
    first_name: z.string().default(''),
    last_name: z.string().default(''),
    phone: z.string().nullish(),
  }),
});

const ErrorAnswer = z.object({ error: z.string(), error_description: z.string().optional() });

/** A PKCE verifier (43–128 of [A-Za-z0-9_-]) and its S256 challenge. */
export function newPkce(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(48).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

export class VkIdClient {
  constructor(
    private readonly config: VkIdConfig,
    private readonly redirectUri: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  authorizeUrl(state: string, challenge: string): string {
    const url = new URL('/authorize', this.config.host);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.config.clientId,
      redirect_uri: this.redirectUri,
      state,
      code_challenge: challenge,
      code_challenge_method: 's256',
      scope: this.config.scope,
    }).toString();
    return url.toString();
  }

  async exchangeCode(input: {
    code: string;
    verifier: string;
    vkDeviceId: string;
    state: string;
  }): Promise<VkTokens> {
    const answer = await this.post('/oauth2/auth', {
      grant_type: 'authorization_code',
      code: input.code,
      code_verifier: input.verifier,
      client_id: this.config.clientId,
      device_id: input.vkDeviceId,
      redirect_uri: this.redirectUri,
      state: input.state,
    });
    return tokensOf(answer);
  }

  async refresh(refreshToken: string, vkDeviceId: string): Promise<VkTokens> {
    const answer = await this.post('/oauth2/auth', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: this.config.clientId,
      device_id: vkDeviceId,
      state: crypto.randomBytes(16).toString('base64url'),
    });
    return tokensOf(answer);
  }

  async userInfo(accessToken: string, vkDeviceId: string): Promise<VkUser> {
    const answer = await this.post(
      `/oauth2/user_info?client_id=${encodeURIComponent(this.config.clientId)}`,
      {
        access_token: accessToken,
        client_id: this.config.clientId,
        device_id: vkDeviceId,
      },
    );
    const parsed = UserAnswer.safeParse(answer);
    if (!parsed.success) throw new AppError('VKID_UNAVAILABLE', 'VK ID answered in an unexpected way.');
    const u = parsed.data.user;
    return {
      userId: String(u.user_id),
      firstName: u.first_name.trim(),
      lastName: u.last_name.trim(),
      phone: u.phone ? u.phone : null,
    };
  }

  async logout(accessToken: string, vkDeviceId: string): Promise<void> {
    await this.post(`/oauth2/logout?client_id=${encodeURIComponent(this.config.clientId)}`, {
      access_token: accessToken,
      client_id: this.config.clientId,
      device_id: vkDeviceId,
    });
  }

  /** One form POST to VK; VK's refusals become our codes, anything else "unreachable". */
  private async post(path: string, form: Record<string, string>): Promise<unknown> {
    let response: Response;
    let body: unknown;
    try {
      response = await this.fetchImpl(new URL(path, this.config.host), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(VK_TIMEOUT_MS),
        redirect: 'error',
      });
      body = await response.json();
    } catch {
      throw new AppError('VKID_UNAVAILABLE', 'VK ID could not be reached.');
    }
    const error = ErrorAnswer.safeParse(body);
    if (error.success) throw vkError(error.data.error);
    if (!response.ok) throw new AppError('VKID_UNAVAILABLE', 'VK ID could not be reached.');
    return body;
  }
}

function tokensOf(answer: unknown): VkTokens {
  const parsed = TokenAnswer.safeParse(answer);
  if (!parsed.success) throw new AppError('VKID_UNAVAILABLE', 'VK ID answered in an unexpected way.');
  return {
    accessToken: parsed.data.access_token,
    refreshToken: parsed.data.refresh_token ?? null,
    expiresIn: parsed.data.expires_in,
    userId: String(parsed.data.user_id),
  };
}

function vkError(error: string): AppError {
  switch (error) {
    case 'invalid_grant':
      return new AppError('VKID_CODE_USED', 'This VK ID sign-in was already used. Start again.');
    case 'access_denied':
      return new AppError('VKID_CANCELLED', 'Signing in with VK ID was cancelled.');
    case 'temporarily_unavailable':
    case 'server_error':
    case 'slow_down':
      return new AppError('VKID_UNAVAILABLE', 'VK ID is not answering right now.');
    default:
      return new AppError('VKID_REFUSED', `VK ID refused: ${error}.`);
  }
}
