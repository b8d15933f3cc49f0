import { z } from 'zod';
import { DeviceIdSchema, PersonNameSchema } from '../domain.js';

/**
 * Sign-in with VK ID: the HTTP contract between our clients and our server. The exchange
 * with VK (code + PKCE verifier + VK's device_id) happens on the server; clients only
 * ever see the authorize address, the code VK hands back, and our own tokens.
 */

/** Where the web version may come back to after VK: its start page or an opened invite. */
export const VKID_RETURN_PATTERN = /^\/(invite\/[A-Za-z0-9_-]{10,200})?$/;
/** The desktop app's return address: the callback page hands the result over here. */
export const VKID_DEEP_LINK = 'sferum-family://vkid/callback';
/** The server's page VK redirects to (the default `SFERUM_VKID_REDIRECT_URI`). */
export const VKID_CALLBACK_PATH = '/vkid/callback';

const Token = z.string().min(1).max(200);

export const VkIdStartBodySchema = z.object({
  deviceId: DeviceIdSchema,
  /** The web version's page to come back to (an invite being opened). */
  returnTo: z.string().regex(VKID_RETURN_PATTERN).optional(),
});
export type VkIdStartBody = z.infer<typeof VkIdStartBodySchema>;

export const VkIdStartResponseSchema = z.object({
  authorizeUrl: z.string().url(),
  /** Single use, 10 minutes; the desktop app keeps it to recognise its own callback. */
  state: z.string(),
  expiresAt: z.string(),
});

/** What VK put on the redirect back (or its error), passed on to our server as is. */
export const VkIdCallbackSchema = z.object({
  state: z.string().min(1).max(200),
  code: z.string().min(1).max(2000).optional(),
  vkDeviceId: z.string().min(1).max(500).optional(),
  error: z.string().max(200).optional(),
});
export type VkIdCallback = z.infer<typeof VkIdCallbackSchema>;

export const VkIdCompleteBodySchema = VkIdCallbackSchema.extend({
  deviceId: DeviceIdSchema,
  deviceName: z.string().trim().min(1).max(100),
});

/** The answers of «complete» besides a sign-in (api.ts adds that one). */
export const VkIdRegistrationRequiredSchema = z.object({
  status: z.literal('registration_required'),
  pendingToken: z.string(),
  expiresAt: z.string(),
  /** The name VK gives, for the person to correct. */
  suggestedName: PersonNameSchema,
});
export const VkIdLinkRequiredSchema = z.object({
  status: z.literal('link_required'),
  pendingToken: z.string(),
  expiresAt: z.string(),
  /** Our one-time code, sent to the phone VK gave, confirms the link. */
  requestId: z.string(),
  phone: z.string(),
  resendAfter: z.number().int().nonnegative(),
  devCode: z.string().optional(),
});

export const VkIdLinkBodySchema = z.object({
  pendingToken: Token,
  requestId: z.string().min(1).max(100),
  /** OTP_CODE_LENGTH digits (api.ts imports this file, so the pattern is spelled here). */
  code: z.string().regex(/^\d{8}$/),
  deviceId: DeviceIdSchema,
  deviceName: z.string().trim().min(1).max(100),
});

export const VkIdRegisterBodySchema = PersonNameSchema.extend({
  pendingToken: Token,
  deviceId: DeviceIdSchema,
  deviceName: z.string().trim().min(1).max(100),
});

export const VkIdStatusSchema = z.object({
  /** The server offers VK ID at all. */
  available: z.boolean(),
  linked: z.boolean(),
  linkedAt: z.string().nullable(),
  /** Another sign-in method (a phone or e-mail code) remains after unlinking. */
  canUnlink: z.boolean(),
});
export type VkIdStatus = z.infer<typeof VkIdStatusSchema>;

/** The answer parsed from a callback address (web page or deep link), or null if it is none. */
export function parseVkIdCallback(raw: string): VkIdCallback | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const p = url.searchParams;
  const parsed = VkIdCallbackSchema.safeParse({
    state: p.get('state') ?? undefined,
    code: p.get('code') ?? undefined,
    vkDeviceId: p.get('device_id') ?? undefined,
    error: p.get('error') ?? undefined,
  });
  return parsed.success ? parsed.data : null;
}
