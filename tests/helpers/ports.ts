import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DEFAULT_SETTINGS } from '../../src/main/core/settings/defaults.js';
import type {
  ConfirmQuestion,
  DialogsPort,
  SecretStorage,
  SettingsStore,
  StoredSettings,
} from '../../src/main/core/ports.js';

export const DEFAULT_TEST_SETTINGS: StoredSettings = DEFAULT_SETTINGS;

/**
 * Stands where Electron's safeStorage stands. The "encryption" is a reversible
 * transform, only so tests can assert the file on disk is not the plain token.
 */
export function createMemorySecretStorage(
  backend: 'os' | 'basic_text' | 'unavailable' = 'os',
): SecretStorage {
  return {
    backend: () => backend,
    encrypt: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)),
    decrypt: (data) => Buffer.from(data.map((b) => b ^ 0x5a)).toString('utf8'),
  };
}

export function createMemorySettingsStore(initial: Partial<StoredSettings> = {}): SettingsStore {
  let value: StoredSettings = { ...DEFAULT_TEST_SETTINGS, ...initial };
  return {
    get: () => structuredClone(value),
    set: (patch) => {
      value = { ...value, ...structuredClone(patch) };
    },
  };
}

/**
 * Settings in a JSON file, so a test can restart the core on the same data directory.
 * Written to a temporary file and renamed, as electron-store does, so a process killed
 * mid-write leaves the old settings or the new ones (the kill tests rely on it).
 */
export function createJsonSettingsStore(file: string, initial: Partial<StoredSettings> = {}): SettingsStore {
  const read = (): StoredSettings =>
    existsSync(file)
      ? { ...DEFAULT_TEST_SETTINGS, ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredSettings>) }
      : { ...DEFAULT_TEST_SETTINGS, ...initial };
  return {
    get: read,
    set: (patch) => {
      writeFileSync(`${file}.tmp`, JSON.stringify({ ...read(), ...patch }));
      renameSync(`${file}.tmp`, file);
    },
  };
}

export interface FakeDialogs extends DialogsPort {
  /** Every question the core asked in a native dialog, in order. */
  questions: ConfirmQuestion[];
  /** What the person answers the next questions (set it to change the answer). */
  answer: boolean;
  /** The files the system picker returns. */
  picks: string[];
}

/**
 * Stands where Electron's dialog stands: the picker returns `picks`, "save as" is cancelled,
 * and a confirmation is answered with `answer` and recorded.
 */
export function createFakeDialogs(init: { answer?: boolean; picks?: string[] } = {}): FakeDialogs {
  const dialogs: FakeDialogs = {
    questions: [],
    answer: init.answer ?? false,
    picks: init.picks ?? [],
    pickFiles: async () => [...dialogs.picks],
    saveAs: async () => null,
    confirm: async (question) => {
      dialogs.questions.push(question);
      return dialogs.answer;
    },
  };
  return dialogs;
}
