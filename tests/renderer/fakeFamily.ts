import type { FamilyBridge } from '../../src/renderer/src/family/webFamily.js';
import { AppError } from '../../src/shared/errors.js';
import type { FamilyView } from '../../src/shared/family/index.js';

/** The family part of the fake bridge: an empty family, no invites. */
export function createFakeFamily(): FamilyBridge {
  const view: FamilyView = { children: [], parents: [], history: [], invite: null, parentSlotsLeft: 2 };
  const refuse = async (): Promise<never> => {
    throw new AppError('INVITE_MALFORMED', 'This invite link is not valid.');
  };
  return {
    familyGet: async () => view,
    familyCurrentInvite: async () => null,
    familyIssueInvite: async () => ({
      id: 'i1',
      token: 'A'.repeat(43),
      url: `http://127.0.0.1:1/invite/${'A'.repeat(43)}`,
      appUrl: `sferum-family://invite/${'A'.repeat(43)}`,
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-15T00:00:00.000Z',
    }),
    familyPreviewInvite: refuse,
    familyConfirmInvite: refuse,
    familyLeave: async () => null,
    familyTakePendingInvite: async () => null,
    authCompleteEmailRegistration: async () => {
      throw new AppError('REGISTRATION_EXPIRED', 'expired');
    },
    accountsAdd: async () => ({ id: 'a2' }),
    accountsSwitch: async () => null,
    accountsRemove: async () => null,
  };
}
