import type { FAMILY_IPC } from '../../../shared/family/ipc.js';
import { defineHandlers } from '../handlers.js';

/** Invites, the family view and the school's e-mail registration link. */
export const FAMILY_IPC_HANDLERS = defineHandlers<typeof FAMILY_IPC>()({
  'family.get': (core) => core.family.get(),
  'family.currentInvite': (core) => core.family.currentInvite(),
  'family.issueInvite': (core) => core.family.issueInvite(),
  'family.previewInvite': (core, { token }) => core.family.previewInvite(token),
  'family.confirmInvite': (core, input) => core.family.confirmInvite(input),
  'family.leave': async (core, { childId }) => {
    await core.family.leave(childId);
    return null;
  },
  'family.takePendingInvite': (core) => core.family.takePendingInvite(),
  'auth.completeEmailRegistration': (core, { token }) => core.family.completeEmailRegistration(token),
});
