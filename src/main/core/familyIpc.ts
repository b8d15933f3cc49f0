import type { FAMILY_IPC } from '../../shared/familyIpc.js';
import type { IpcInput } from '../../shared/ipc.js';
import type { Core } from './index.js';

type Handler = (core: Core, input: unknown) => Promise<unknown> | unknown;

/** Handlers of the family and local-profile channels, spread into the IPC router's table. */
export const FAMILY_HANDLERS = {
  'family.get': (core) => core.family.get(),
  'family.currentInvite': (core) => core.family.currentInvite(),
  'family.issueInvite': (core) => core.family.issueInvite(),
  'family.previewInvite': (core, input) =>
    core.family.previewInvite((input as IpcInput<'family.previewInvite'>).token),
  'family.confirmInvite': (core, input) =>
    core.family.confirmInvite(input as Parameters<Core['family']['confirmInvite']>[0]),
  'family.leave': async (core, input) => {
    await core.family.leave((input as IpcInput<'family.leave'>).childId);
    return null;
  },
  'family.takePendingInvite': (core) => core.family.takePendingInvite(),
  'auth.completeEmailRegistration': (core, input) =>
    core.family.completeEmailRegistration((input as IpcInput<'auth.completeEmailRegistration'>).token),
  'accounts.add': async (core) => {
    const account = await core.addAccount();
    return { id: account.id };
  },
  'accounts.switch': async (core, input) => {
    await core.switchAccount((input as IpcInput<'accounts.switch'>).id);
    return null;
  },
  'accounts.remove': async (core, input) => {
    await core.removeAccount((input as IpcInput<'accounts.remove'>).id);
    return null;
  },
} satisfies Record<keyof typeof FAMILY_IPC, Handler>;
