import type { NotificationsPort } from './notifier.js';
import type { Settings } from '../../shared/ipc.js';

/**
 * The small interfaces the core takes from its host. The Electron shell implements
 * them with safeStorage and electron-store; tests implement them in memory. Keeping
 * them this narrow is what lets the whole core run in plain Node.
 */

/** Encrypts secrets at rest (Electron's safeStorage in the app). */
export type { NotificationsPort } from './notifier.js';

export interface SecretStorage {
  /**
   * 'os': a real keychain or keyring. 'basic_text': Linux without a keyring, where the
   * "encryption" uses a hard-coded key (we warn). 'unavailable': nothing usable, so
   * tokens stay in memory only and the person signs in again after a restart.
   */
  backend(): 'os' | 'basic_text' | 'unavailable';
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
}

export interface StoredAccount {
  id: string;
  /** This local account's device id: each account is its own device for the server. */
  deviceId: string;
  /** "Фамилия Имя" of the last person signed in, null before any sign-in. */
  label: string | null;
}

export interface WindowBounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type StoredSettings = Settings & {
  activeAccountId: string | null;
  accounts: StoredAccount[];
  windowBounds?: WindowBounds;
};

/** Persisted settings (electron-store in the app). `set` merges a patch. */
export interface SettingsStore {
  get(): StoredSettings;
  set(patch: Partial<StoredSettings>): void;
}

export interface Logger {
  info(message: string, details?: unknown): void;
  warn(message: string, details?: unknown): void;
  error(message: string, details?: unknown): void;
}

export interface EmbeddedServer {
  url: string;
  close(): Promise<void>;
}

/** Delays of the sync engine, injectable so tests run fast and deterministically. */
export interface SyncTiming {
  /** First retry delay after a network error; doubles up to backoffMaxMs. Default 1 s. */
  backoffBaseMs: number;
  /** Default 60 s. */
  backoffMaxMs: number;
  /** Source of jitter in [0, 1). Default Math.random. */
  random: () => number;
  /** Changes per pull page. Default 1000. */
  pageSize: number;
  /** How long startup waits for GET /api/info before going on without it. Default 5 s. */
  infoTimeoutMs: number;
}

/** A yes/no question in the app's own native dialog, in the app's language. */
export interface ConfirmQuestion {
  title: string;
  message: string;
  detail: string;
  /** The confirming button; the other one cancels. */
  yes: string;
  no: string;
}

/** System dialogs (Electron's dialog in the app): the page can neither draw nor answer them. */
export interface DialogsPort {
  /** Several files; an empty list when the person cancels. */
  pickFiles(): Promise<string[]>;
  /** Where to save a copy; null when the person cancels. */
  saveAs(defaultName: string): Promise<string | null>;
  /** True only when the person pressed the confirming button. Absent: every such question is a no. */
  confirm?(question: ConfirmQuestion): Promise<boolean>;
}

/** Opening files with the system (Electron's shell in the app). */
export interface ShellPort {
  openPath(path: string): Promise<void>;
  showItemInFolder(path: string): void;
}

export interface CoreDeps {
  /** Where local accounts keep their caches and sessions. */
  dataDir: string;
  secrets: SecretStorage;
  settings: SettingsStore;
  /** Shown in the person's list of sessions ("Сферум Семья — my-laptop"). */
  deviceName: string;
  /** Started once when settings.serverUrl is null. */
  startEmbeddedServer?: () => Promise<EmbeddedServer>;
  fetch?: typeof fetch;
  logger?: Logger;
  now?: () => Date;
  /** Opens a vetted URL in the system browser (Electron's shell.openExternal). */
  openExternal?: (url: string) => Promise<void>;
  /** Native notifications; none when absent (tests, the web version). */
  notifications?: NotificationsPort;
  /** The app's version and the operating system, for support requests sent with consent. */
  appVersion?: string;
  osDescription?: string;
  /** better-sqlite3's native binding for a runtime whose ABI differs from Node's (Electron). */
  nativeBinding?: string;
  timing?: Partial<SyncTiming>;
  dialogs?: DialogsPort;
  shell?: ShellPort;
  /** Upload tuning: chunk size, parallel files, retry delays (tests and benchmarks). */
  uploads?: { chunkBytes?: number; concurrency?: number; retryBaseMs?: number; retryMaxMs?: number };
}
