import type { FAMILY_IPC } from '../../shared/familyIpc.js';
import { defineHandlers } from './handlers.js';

/** Handlers of the family and local-profile channels, spread into the IPC router's table. */
export const FAMILY_HANDLERS = defineHandlers<typeof FAMILY_IPC>()({
  'family.get': (core) => core.family.get(),
  'family.currentInvite': (core) => core.family.currentInvite(),
  'family.issueInvite': (core) => core.family.issueInvite(),
  'family.previewInvite': (core, input) => core.family.previewInvite(input.token),
  'family.confirmInvite': (core, input) => core.family.confirmInvite(input),
  'family.leave': async (core, input) => {
    await core.family.leave(input.childId);
    return null;
  },
  'family.takePendingInvite': (core) => core.family.takePendingInvite(),
  'auth.completeEmailRegistration': (core, input) => core.family.completeEmailRegistration(input.token),
  'accounts.add': async (core) => {
    const account = await core.addAccount();
    return { id: account.id };
  },
  'accounts.switch': async (core, input) => {
    await core.switchAccount(input.id);
    return null;
  },
  'accounts.remove': async (core, input) => {
    await core.removeAccount(input.id);
    return null;
  },
});
