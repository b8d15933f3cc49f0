import type { StoredSettings } from '../ports.js';

/** A new install: Russian, the system theme, the embedded server, no local profile yet. */
export const DEFAULT_SETTINGS: StoredSettings = {
  serverUrl: null,
  language: 'ru',
  theme: 'system',
  notifications: true,
  activeAccountId: null,
  accounts: [],
};
