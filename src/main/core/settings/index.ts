import { type Settings, SettingsSchema } from '../../../shared/ipc.js';
import type { SettingsStore, StoredSettings } from '../ports.js';

/** The settings the UI sees, out of what is stored (the profiles and the window are not settings). */
export function settingsOf(stored: StoredSettings): Settings {
  return SettingsSchema.parse({
    serverUrl: stored.serverUrl,
    language: stored.language,
    theme: stored.theme,
    notifications: stored.notifications,
  });
}

/**
 * Applies a change of settings. A new server address goes through changeServer (checked,
 * confirmed, everyone signed out of the old one) before anything else is saved.
 */
export async function updateSettings(
  store: SettingsStore,
  patch: Partial<Settings>,
  changeServer: (serverUrl: string | null) => Promise<void>,
): Promise<void> {
  const { serverUrl, ...rest } = patch;
  if (serverUrl !== undefined && serverUrl !== store.get().serverUrl) await changeServer(serverUrl);
  const cleaned = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  if (Object.keys(cleaned).length > 0) store.set(cleaned);
}
