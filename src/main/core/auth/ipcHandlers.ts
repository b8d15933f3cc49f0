import type { IPC } from '../../../shared/ipc.js';
import { defineHandlers } from '../handlers.js';

/** Sign-in, the signed-in person's profile and sessions, and the local profiles of this computer. */
export const AUTH_IPC_HANDLERS = defineHandlers<typeof IPC>()({
  'auth.requestCode': (core, input) => core.requestCode(input),
  'auth.verifyCode': (core, input) => core.verifyCode(input),
  'auth.register': (core, input) => core.register(input),
  'auth.signOut': async (core) => {
    await core.signOut();
    return null;
  },
  'auth.listSessions': (core) => core.listSessions(),
  'auth.revokeSession': async (core, { id }) => {
    await core.revokeSession(id);
    return null;
  },
  'auth.vkidStart': (core) => core.vkid.start(),
  // The desktop's answer arrives through auth.vkidStart itself.
  'auth.vkidResume': async () => null,
  'auth.vkidConfirmLink': (core, { code }) => core.vkid.confirmLink(code),
  'auth.vkidStatus': (core) => core.vkid.status(),
  'auth.vkidUnlink': async (core) => {
    await core.vkid.unlink();
    return null;
  },
  'profile.get': (core) => core.getProfile(),
  'profile.update': (core, input) => core.updateProfile(input),
  'accounts.add': async (core) => {
    const account = await core.addAccount();
    return { id: account.id };
  },
  'accounts.switch': async (core, { id }) => {
    await core.switchAccount(id);
    return null;
  },
  'accounts.remove': async (core, { id }) => {
    await core.removeAccount(id);
    return null;
  },
});
