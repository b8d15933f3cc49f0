import { safeStorage } from 'electron';
import type { SecretStorage } from './core/ports.js';

/** Electron's safeStorage behind the core's SecretStorage seam. */
export function createSafeStorage(): SecretStorage {
  return {
    backend() {
      if (!safeStorage.isEncryptionAvailable()) return 'unavailable';
      if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
        return 'basic_text';
      }
      return 'os';
    },
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (data) => safeStorage.decryptString(data),
  };
}
