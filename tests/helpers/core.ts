import { join } from 'node:path';
import { createCore, type Core } from '../../src/main/core/index.js';
import type { CoreDeps, Logger, SecretStorage } from '../../src/main/core/ports.js';
import type { PersonName, Profile } from '../../src/shared/domain.js';
import type { IpcEvent, IpcEventPayload } from '../../src/shared/ipc.js';
import { createJsonSettingsStore, createMemorySecretStorage } from './ports.js';
import { makeTempDir } from './tempDir.js';

/** Swallows the core's log lines; keeps warnings and errors for a failing test to print. */
export function createTestLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: () => {},
    warn: (message) => void lines.push(`warn: ${message}`),
    error: (message, details) => void lines.push(`error: ${message} ${String(details ?? '')}`),
  };
}

export interface TestCore {
  core: Core;
  dataDir: string;
  /** Closes the core (idempotent); the data directory stays for a restart. */
  close(): Promise<void>;
  /** Starts another core on the same data directory and settings (after close). */
  restart(overrides?: Partial<CoreDeps>): Promise<TestCore>;
  /** Closes and removes the data directory. */
  dispose(): Promise<void>;
}

/**
 * A core on a temp data directory pointed at a server, with settings in a JSON file
 * (so a restart finds them), an in-memory secret storage and fast retry delays.
 */
export async function createTestCore(
  options: { serverUrl: string | null; dataDir?: string; secrets?: SecretStorage } & Partial<CoreDeps>,
): Promise<TestCore> {
  const temp = options.dataDir ? null : makeTempDir('sferum-core-');
  const dataDir = options.dataDir ?? temp!.path;
  const { serverUrl, ...rest } = options;
  const settings = createJsonSettingsStore(join(dataDir, 'settings.json'), { serverUrl });
  const secrets = options.secrets ?? createMemorySecretStorage();
  const deps: CoreDeps = {
    dataDir,
    secrets,
    settings,
    deviceName: 'Test desktop',
    logger: createTestLogger(),
    ...rest,
    timing: { backoffBaseMs: 20, backoffMaxMs: 200, infoTimeoutMs: 2000, ...rest.timing },
  };
  const core = await createCore(deps);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await core.close();
  };
  return {
    core,
    dataDir,
    close,
    restart: async (overrides = {}) => {
      await close();
      return createTestCore({ ...options, ...overrides, dataDir, secrets });
    },
    dispose: async () => {
      await close();
      temp?.remove();
    },
  };
}

/**
 * Signs a core in by phone with the demo server's devCode, registering a parent
 * when the phone is new.
 */
export async function signInAs(
  core: Core,
  phone: string,
  name: PersonName = { surname: 'Петрова', name: 'Мария', patronymic: 'Ивановна' },
): Promise<Profile> {
  const requested = await core.requestCode({ channel: 'phone', phone });
  if (!requested.devCode) throw new Error('The server did not return a devCode: is it in demo mode?');
  const verified = await core.verifyCode({ requestId: requested.requestId, code: requested.devCode });
  if (verified.status === 'signed_in') return verified.profile;
  return core.register(name);
}

/** A fresh Russian mobile number, so tests do not share people. */
export function randomPhone(): string {
  return `+79${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
}

/** Resolves with the first payload of `event` that satisfies `predicate`, or fails after `timeoutMs`. */
export function waitForEvent<E extends IpcEvent>(
  core: Core,
  event: E,
  predicate: (payload: IpcEventPayload<E>) => boolean = () => true,
  timeoutMs = 5000,
): Promise<IpcEventPayload<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`No ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = core.on(event, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Polls until `check` returns a truthy value (a liveness bound, not a timing assertion). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  label = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
