import { z } from 'zod';
import { PersonNameSchema, ProfileSchema } from '../domain.js';
import { VkIdStatusSchema } from './vkid.js';

const Void = z.null();

/**
 * IPC channels of the local profiles on this computer (each its own device, cache and
 * sign-in), spread into the IPC contract (ipc.ts). Sign-in's own channels are there too.
 */
export const ACCOUNTS_IPC = {
  'accounts.add': { input: Void, output: z.object({ id: z.string() }) },
  'accounts.switch': { input: z.object({ id: z.string().min(1).max(100) }), output: Void },
  'accounts.remove': { input: z.object({ id: z.string().min(1).max(100) }), output: Void },
} as const;

/** What a VK ID sign-in came to, as the screens see it (VK's tokens never reach them). */
export const VkIdOutcomeSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('signed_in'), profile: ProfileSchema }),
  /** A new parent: the name VK gives, to correct, then «auth.register». */
  z.object({ status: z.literal('registration_required'), suggestedName: PersonNameSchema }),
  /** An account already has VK's phone: our code sent to it confirms the link. */
  z.object({
    status: z.literal('link_required'),
    phone: z.string(),
    resendAfter: z.number().int().nonnegative(),
    devCode: z.string().optional(),
  }),
]);
export type VkIdOutcome = z.infer<typeof VkIdOutcomeSchema>;

/** Sign-in with VK ID (spread into the IPC contract, ipc.ts). */
export const VKID_IPC = {
  /**
   * Opens VK's page (the system browser on the desktop, this tab on the web). The desktop
   * answers once the browser hands the result back to the app; the web page leaves.
   */
  'auth.vkidStart': {
    input: z.object({ inviteToken: z.string().min(1).max(300).nullable() }),
    output: VkIdOutcomeSchema,
  },
  /** The web version back from VK: finishes that sign-in (null when the page is no such return). */
  'auth.vkidResume': { input: Void, output: VkIdOutcomeSchema.nullable() },
  /** Our code to the phone VK gave, confirming the link to that account. */
  'auth.vkidConfirmLink': { input: z.object({ code: z.string().min(1).max(20) }), output: ProfileSchema },
  'auth.vkidStatus': { input: Void, output: VkIdStatusSchema },
  'auth.vkidUnlink': { input: Void, output: Void },
} as const;
