import { type Settings, SettingsSchema } from '../../../shared/ipc.js';

const SETTINGS_KEY = 'sferum.settings';
const DEFAULTS: Settings = { serverUrl: null, language: 'ru', theme: 'system', notifications: true };

/** The web version keeps its settings in localStorage; the server address is the page's own. */
export function loadSettings(storage: Storage): Settings {
  try {
    const parsed = SettingsSchema.partial().safeParse(JSON.parse(storage.getItem(SETTINGS_KEY) ?? '{}'));
    return { ...DEFAULTS, ...(parsed.success ? parsed.data : {}), serverUrl: null };
  } catch {
    return { ...DEFAULTS };
  }
}

export function saveSettings(storage: Storage, settings: Settings): void {
  storage.setItem(SETTINGS_KEY, JSON.stringify(settings));
}
