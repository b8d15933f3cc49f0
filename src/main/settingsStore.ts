import Store from 'electron-store';
import type { SettingsStore, StoredSettings } from './core/ports.js';

/** Settings persisted with electron-store (a JSON file under userData). */
export function createElectronSettingsStore(defaults: StoredSettings): SettingsStore {
  const store = new Store<StoredSettings>({ name: 'settings', defaults });
  return {
    get: () => ({ ...defaults, ...store.store }),
    set: (patch) => {
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) store.delete(key as keyof StoredSettings);
        else store.set(key, value);
      }
    },
  };
}
