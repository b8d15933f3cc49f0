import { z } from 'zod';
import { ProfileSchema } from '../domain.js';
import {
  ChildCardSchema,
  FamilyEventSchema,
  FamilyViewSchema,
  InviteConfirmBodySchema,
  IssuedInviteSchema,
} from './index.js';

const Void = z.null();

export const PendingLinkSchema = z.object({
  token: z.string(),
  kind: z.enum(['invite', 'registration']),
});
export type PendingLink = z.infer<typeof PendingLinkSchema>;

/**
 * IPC channels of the family capability, spread into the IPC contract (ipc.ts). The web adapter implements the same names over HTTP.
 */
export const FAMILY_IPC = {
  /** The family screens' data (from the local cache on the desktop). */
  'family.get': { input: Void, output: FamilyViewSchema },
  /** The student's link as this device knows it (a link made elsewhere has no token here). */
  'family.currentInvite': { input: Void, output: IssuedInviteSchema.nullable() },
  /** A new link for the student; the old one stops working. */
  'family.issueInvite': { input: Void, output: IssuedInviteSchema },
  'family.previewInvite': {
    input: z.object({ token: z.string().min(1).max(2048) }),
    output: ChildCardSchema,
  },
  'family.confirmInvite': { input: InviteConfirmBodySchema, output: ChildCardSchema },
  'family.leave': { input: z.object({ childId: z.string().min(1).max(100) }), output: Void },
  /**
   * A link opened by a deep link before the window was ready (cold start), taken once:
   * an invite, or the school's e-mail registration link.
   */
  'family.takePendingInvite': { input: Void, output: PendingLinkSchema.nullable() },
  /** Completes a primary-school student's registration from the school's e-mail link. */
  'auth.completeEmailRegistration': {
    input: z.object({ token: z.string().min(1).max(200) }),
    output: ProfileSchema,
  },
} as const;

export const FAMILY_IPC_EVENTS = {
  /** The app was asked to open an invite or a registration link (deep link): show it. */
  'invite.open': PendingLinkSchema,
  /** Someone joined or left a child's family (for an in-app notice, later a native one). */
  'family.notice': FamilyEventSchema,
} as const;
