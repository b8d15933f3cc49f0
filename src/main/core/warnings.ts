import type { AppState } from '../../shared/ipc.js';
import type { SecretStorage } from './ports.js';

/** The warnings the UI must show about this computer: how well the sign-in is protected. */
export function appWarnings(backend: ReturnType<SecretStorage['backend']>): AppState['warnings'] {
  if (backend === 'basic_text') {
    return [
      {
        code: 'SECRET_STORAGE_WEAK',
        message:
          'No system keyring was found: the sign-in is stored with weak protection. Install a keyring (GNOME Keyring, KWallet) to protect it.',
      },
    ];
  }
  if (backend === 'unavailable') {
    return [
      {
        code: 'SECRET_STORAGE_UNAVAILABLE',
        message: 'Secure storage is unavailable: you will need to sign in again after restarting the app.',
      },
    ];
  }
  return [];
}
