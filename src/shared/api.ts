import { z } from 'zod';
import { CHATS_API } from './chats/api.js';
import {
  VkIdCompleteBodySchema,
  VkIdLinkBodySchema,
  VkIdLinkRequiredSchema,
  VkIdRegisterBodySchema,
  VkIdRegistrationRequiredSchema,
  VkIdStartBodySchema,
  VkIdStartResponseSchema,
  VkIdStatusSchema,
} from './auth/vkid.js';
import { FAMILY_API } from './family/index.js';
import { DeviceIdSchema, PersonNameSchema, ProfileSchema, SessionInfoSchema } from './domain.js';
import { SupportRequestBodySchema, SupportTicketSchema } from './support/index.js';
import { ChangeSchema, MutationResultSchema, MutationSchema } from './sync/index.js';

/**
 * The platform server's HTTP API, defined once: the server validates with these
 * schemas, the clients (desktop core, web version) parse answers with them.
 * Paths are under /api. Errors are always ErrorBody JSON with a 4xx/5xx status.
 */

export const HealthResponseSchema = z.object({
  ok: z.literal(true),
  service: z.literal('sferum-family'),
  version: z.string(),
});

/** Public facts a client needs before sign-in; also how a client knows the server is ours. */
export const ServerInfoSchema = z.object({
  service: z.literal('sferum-family'),
  version: z.string(),
  demo: z.boolean(),
  publicUrl: z.string(),
  /** Sign-in with VK ID is configured (else its button is not shown). */
  vkid: z.boolean().optional(),
  /** Demo mode: people a newcomer can sign in as. */
  demoAccounts: z
    .array(z.object({ label: z.string(), phone: z.string().nullable(), email: z.string().nullable() }))
    .optional(),
});
export type ServerInfo = z.infer<typeof ServerInfoSchema>;

export const OtpRequestBodySchema = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('phone'), phone: z.string().min(1).max(40), deviceId: DeviceIdSchema }),
  z.object({ channel: z.literal('email'), email: z.string().min(3).max(254), deviceId: DeviceIdSchema }),
]);
export type OtpRequestBody = z.infer<typeof OtpRequestBodySchema>;

export const OtpRequestResponseSchema = z.object({
  requestId: z.string(),
  expiresAt: z.string(),
  /** Seconds before another code may be requested for the same address. */
  resendAfter: z.number().int().nonnegative(),
  /** Only in demo mode: the code itself, so a newcomer can sign in without an SMS gateway. */
  devCode: z.string().optional(),
});
export type OtpRequestResponse = z.infer<typeof OtpRequestResponseSchema>;

/**
 * Digits in a one-time code. Eight, not six: with five tries per code and the per-address
 * limits (server config), the chance of guessing a code stays below one in a million
 * (tests/integration/brute-force.test.ts computes it); six digits cannot get there.
 */
export const OTP_CODE_LENGTH = 8;
export const OTP_CODE_PATTERN = new RegExp(`^\\d{${OTP_CODE_LENGTH}}$`);

export const OtpVerifyBodySchema = z.object({
  requestId: z.string().min(1).max(100),
  code: z.string().regex(OTP_CODE_PATTERN),
  deviceId: DeviceIdSchema,
  deviceName: z.string().trim().min(1).max(100),
});
export type OtpVerifyBody = z.infer<typeof OtpVerifyBodySchema>;

export const SessionTokensSchema = z.object({
  accessToken: z.string(),
  accessExpiresAt: z.string(),
  refreshToken: z.string(),
  refreshExpiresAt: z.string(),
  sessionId: z.string(),
});
export type SessionTokens = z.infer<typeof SessionTokensSchema>;

/**
 * Tokens as sign-in and refresh answer them. The desktop app gets its refresh token here;
 * the web version's travels only in an HttpOnly cookie, never in JSON a page script could
 * read, so its answers have none (parsed, it reads as '').
 */
export const IssuedTokensSchema = SessionTokensSchema.extend({ refreshToken: z.string().default('') });
/** What the server sends (`refreshToken` left out for the web version). */
export type IssuedTokens = z.input<typeof IssuedTokensSchema>;

export const SignedInSchema = z.object({
  status: z.literal('signed_in'),
  tokens: IssuedTokensSchema,
  profile: ProfileSchema,
});
export type SignedIn = z.infer<typeof SignedInSchema>;
/** A sign-in as the server sends it. */
export type SignedInAnswer = z.input<typeof SignedInSchema>;

export const OtpVerifyResponseSchema = z.discriminatedUnion('status', [
  SignedInSchema,
  z.object({
    status: z.literal('registration_required'),
    /** Short-lived, single use: proves the phone was verified. */
    registrationToken: z.string(),
    expiresAt: z.string(),
  }),
]);
export type OtpVerifyResponse = z.infer<typeof OtpVerifyResponseSchema>;
export type OtpVerifyAnswer = z.input<typeof OtpVerifyResponseSchema>;

/** The answer to a VK ID callback: signed in, a name to give, or a phone to confirm by our code. */
export const VkIdCompleteResponseSchema = z.discriminatedUnion('status', [
  SignedInSchema,
  VkIdRegistrationRequiredSchema,
  VkIdLinkRequiredSchema,
]);
export type VkIdCompleteResponse = z.infer<typeof VkIdCompleteResponseSchema>;
export type VkIdCompleteAnswer = z.input<typeof VkIdCompleteResponseSchema>;

export const RegisterBodySchema = PersonNameSchema.extend({
  registrationToken: z.string().min(1).max(200),
  deviceId: DeviceIdSchema,
  deviceName: z.string().trim().min(1).max(100),
});
export type RegisterBody = z.infer<typeof RegisterBodySchema>;

export const RefreshBodySchema = z.object({
  /** Omitted by the web version, whose refresh token travels in an httpOnly cookie. */
  refreshToken: z.string().min(1).max(200).optional(),
  deviceId: DeviceIdSchema,
});
export type RefreshBody = z.infer<typeof RefreshBodySchema>;

export const SessionListSchema = z.object({ sessions: z.array(SessionInfoSchema) });

export const PullQuerySchema = z.object({
  /** Opaque; omitted for a first sync. */
  cursor: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});
export type PullQuery = z.infer<typeof PullQuerySchema>;

export const PullResponseSchema = z.object({
  changes: z.array(ChangeSchema),
  cursor: z.string(),
  hasMore: z.boolean(),
});
export type PullResponse = z.infer<typeof PullResponseSchema>;
/**
 * A pulled page as a client reads it: each change is checked on its own (a change of a kind
 * this version does not know, or of a broken shape, is skipped, not the whole page).
 */
export const PullPageSchema = PullResponseSchema.extend({ changes: z.array(z.unknown()) });

export const PushBodySchema = z.object({ mutations: z.array(MutationSchema).min(1).max(100) });
export type PushBody = z.infer<typeof PushBodySchema>;
export const PushResponseSchema = z.object({ results: z.array(MutationResultSchema) });
export type PushResponse = z.infer<typeof PushResponseSchema>;

/**
 * Route table. `auth: true` routes need `Authorization: Bearer <access token>`.
 * GET /api/sync/events is a server-sent event stream (see sync.ts, LiveEvent).
 */
export const API = {
  health: { method: 'GET', path: '/api/health', auth: false, response: HealthResponseSchema },
  serverInfo: { method: 'GET', path: '/api/info', auth: false, response: ServerInfoSchema },
  otpRequest: {
    method: 'POST',
    path: '/api/auth/otp/request',
    auth: false,
    body: OtpRequestBodySchema,
    response: OtpRequestResponseSchema,
  },
  otpVerify: {
    method: 'POST',
    path: '/api/auth/otp/verify',
    auth: false,
    body: OtpVerifyBodySchema,
    response: OtpVerifyResponseSchema,
  },
  register: {
    method: 'POST',
    path: '/api/auth/register',
    auth: false,
    body: RegisterBodySchema,
    response: SignedInSchema,
  },
  refresh: {
    method: 'POST',
    path: '/api/auth/refresh',
    auth: false,
    body: RefreshBodySchema,
    response: IssuedTokensSchema,
  },
  signOut: {
    method: 'POST',
    path: '/api/auth/signout',
    auth: true,
    response: z.object({ ok: z.literal(true) }),
  },
  sessions: { method: 'GET', path: '/api/auth/sessions', auth: true, response: SessionListSchema },
  revokeSession: {
    method: 'DELETE',
    path: '/api/auth/sessions/:id',
    auth: true,
    response: z.object({ ok: z.literal(true) }),
  },
  me: { method: 'GET', path: '/api/me', auth: true, response: ProfileSchema },
  pull: {
    method: 'GET',
    path: '/api/sync/changes',
    auth: true,
    query: PullQuerySchema,
    response: PullPageSchema,
  },
  push: {
    method: 'POST',
    path: '/api/sync/mutations',
    auth: true,
    body: PushBodySchema,
    response: PushResponseSchema,
  },
  events: { method: 'GET', path: '/api/sync/events', auth: true },
  support: {
    method: 'POST',
    path: '/api/support',
    auth: true,
    body: SupportRequestBodySchema,
    response: SupportTicketSchema,
  },
  vkidStart: {
    method: 'POST',
    path: '/api/auth/vkid/start',
    auth: false,
    body: VkIdStartBodySchema,
    response: VkIdStartResponseSchema,
  },
  vkidComplete: {
    method: 'POST',
    path: '/api/auth/vkid/complete',
    auth: false,
    body: VkIdCompleteBodySchema,
    response: VkIdCompleteResponseSchema,
  },
  vkidLink: {
    method: 'POST',
    path: '/api/auth/vkid/link',
    auth: false,
    body: VkIdLinkBodySchema,
    response: SignedInSchema,
  },
  vkidRegister: {
    method: 'POST',
    path: '/api/auth/vkid/register',
    auth: false,
    body: VkIdRegisterBodySchema,
    response: SignedInSchema,
  },
  vkidStatus: { method: 'GET', path: '/api/auth/vkid', auth: true, response: VkIdStatusSchema },
  vkidUnlink: {
    method: 'DELETE',
    path: '/api/auth/vkid',
    auth: true,
    response: z.object({ ok: z.literal(true) }),
  },
  ...FAMILY_API,
  ...CHATS_API,
} as const;
