import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerInfo } from '../../shared/api.js';
import type { PersonName, Profile, SessionInfo } from '../../shared/domain.js';
import { AppError } from '../../shared/errors.js';
import {
  type AppState,
  type IpcEvent,
  type IpcInput,
  type IpcOutput,
  type LocalAccount,
  type Settings,
  SettingsSchema,
} from '../../shared/ipc.js';
import { catalogues } from '../../shared/messages/index.js';
import { ENTITY_KINDS, type SyncStatus } from '../../shared/sync.js';
import {
  accountDir,
  deleteAccountFiles,
  labelOf,
  LocalAccountRuntime,
  newStoredAccount,
  type AccountHost,
} from './auth/accounts.js';
import * as auth from './auth/auth.js';
import { createFamilyCore, type FamilyCore } from './family/index.js';
import { CoreDocuments } from './documents/index.js';
import { CoreEvents, type EventListener } from './events.js';
import { vetExternalUrl } from './externalUrl.js';
import type { CoreDeps, EmbeddedServer, Logger, StoredSettings, SyncTiming } from './ports.js';
import { createNotifier } from './notifier.js';
import { createLogTail, sendSupportRequest } from './support/index.js';
import { fetchServerInfo, normalizeServerUrl } from './settings/serverUrl.js';

export type { CoreDeps, SecretStorage, SettingsStore, StoredSettings } from './ports.js';
export { vetExternalUrl } from './externalUrl.js';

/** The main-process core: everything the UI can ask for, free of Electron. */
export interface Core {
  getState(): AppState;
  /** A new server address is checked, then takes effect only when the native dialog confirms it. */
  updateSettings(patch: Partial<Settings>): Promise<Settings>;
  /** The renderer reports the screen it shows (no notifications about it while focused). */
  setScreen(screen: string): void;
  /** Asks a server address who it is without saving it (null: the embedded server). */
  checkServer(url: string | null): Promise<ServerInfo>;
  requestCode(input: IpcInput<'auth.requestCode'>): Promise<IpcOutput<'auth.requestCode'>>;
  verifyCode(input: IpcInput<'auth.verifyCode'>): Promise<IpcOutput<'auth.verifyCode'>>;
  register(name: PersonName): Promise<Profile>;
  signOut(): Promise<void>;
  listSessions(): Promise<SessionInfo[]>;
  revokeSession(id: string): Promise<void>;
  getProfile(): Profile | null;
  updateProfile(name: PersonName): Promise<Profile>;
  getSyncStatus(): SyncStatus;
  /** Runs a sync and resolves with the status after it. */
  syncNow(): Promise<SyncStatus>;
  openExternal(url: string): Promise<void>;
  sendSupport(input: IpcInput<'support.send'>): Promise<IpcOutput<'support.send'>>;
  /** Creates a local account (a separate device identity) and makes it active. */
  addAccount(): Promise<LocalAccount>;
  switchAccount(id: string): Promise<void>;
  /** Signs the account out and deletes its local files; another account becomes active. */
  removeAccount(id: string): Promise<void>;
  /** Invites, confirming a child, the family view, invite deep links. */
  readonly family: FamilyCore;
  on<E extends IpcEvent>(event: E, listener: EventListener<E>): () => void;
  /** «Мои документы»: the cache, the upload queue, opening files. */
  documents: CoreDocuments;
  /** Stops sync, closes the live stream, the databases and the embedded server. */
  close(): Promise<void>;
}

const DEFAULT_TIMING: SyncTiming = {
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
  random: Math.random,
  pageSize: 1000,
  infoTimeoutMs: 5000,
};

const consoleLogger: Logger = {
  info: () => {},
  warn: (message, details) => console.warn(`[core] ${message}`, details ?? ''),
  error: (message, details) => console.error(`[core] ${message}`, details ?? ''),
};

function settingsOf(stored: StoredSettings): Settings {
  return SettingsSchema.parse({
    serverUrl: stored.serverUrl,
    language: stored.language,
    theme: stored.theme,
    notifications: stored.notifications,
  });
}

export async function createCore(deps: CoreDeps): Promise<Core> {
  const logTail = createLogTail(deps.logger ?? consoleLogger);
  const logger = logTail.logger;
  const now = deps.now ?? (() => new Date());
  const timing: SyncTiming = { ...DEFAULT_TIMING, ...deps.timing };
  const events = new CoreEvents(logger);
  const documents = new CoreDocuments({
    dataDir: deps.dataDir,
    events,
    logger,
    ...(deps.dialogs ? { dialogs: deps.dialogs } : {}),
    ...(deps.shell ? { shell: deps.shell } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.uploads ? { uploads: deps.uploads } : {}),
  });
  const store = deps.settings;

  let embedded: EmbeddedServer | null = null;
  let embeddedStarting: Promise<EmbeddedServer> | null = null;
  let effectiveServerUrl = '';
  let serverInfo: ServerInfo | null = null;
  let active: LocalAccountRuntime | null = null;
  let lastStateJson = '';
  let closed = false;
  // Aborts side requests (server info) on close, so no request outlives the core.
  const lifetime = new AbortController();

  const host: AccountHost = {
    dataDir: deps.dataDir,
    secrets: deps.secrets,
    events,
    logger,
    timing,
    now,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.nativeBinding ? { nativeBinding: deps.nativeBinding } : {}),
    onAccountChanged: (account) => {
      const profile = account.profile();
      if (profile) {
        const label = labelOf(profile);
        const accounts = store.get().accounts;
        if (accounts.some((a) => a.id === account.id && a.label !== label)) {
          store.set({ accounts: accounts.map((a) => (a.id === account.id ? { ...a, label } : a)) });
        }
      }
      if (account.signedIn() && !serverInfo) void refreshServerInfo();
      if (account.signedIn()) documents.kick();
      emitStateIfChanged();
    },
  };

  function warnings(): AppState['warnings'] {
    const backend = deps.secrets.backend();
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

  function accountsState(): LocalAccount[] {
    const sessionReadable = deps.secrets.backend() !== 'unavailable';
    return store.get().accounts.map((a) => ({
      id: a.id,
      label: a.label,
      signedIn:
        active?.id === a.id
          ? active.signedIn()
          : sessionReadable && existsSync(join(accountDir(deps.dataDir, a.id), 'session.bin')),
    }));
  }

  function getState(): AppState {
    const stored = store.get();
    return {
      target: 'desktop',
      settings: settingsOf(stored),
      effectiveServerUrl,
      server: serverInfo,
      accounts: accountsState(),
      activeAccountId: active?.id ?? stored.activeAccountId,
      warnings: warnings(),
    };
  }

  function emitStateIfChanged(): void {
    if (closed) return;
    const state = getState();
    const json = JSON.stringify(state);
    if (json === lastStateJson) return;
    lastStateJson = json;
    events.emit('app.state', state);
  }

  async function embeddedUrl(): Promise<string> {
    if (embedded) return embedded.url;
    if (!deps.startEmbeddedServer) {
      throw new AppError(
        'SERVER_URL_INVALID',
        'No server address is configured and no embedded server is available.',
      );
    }
    embeddedStarting ??= deps.startEmbeddedServer();
    try {
      embedded = await embeddedStarting;
    } finally {
      embeddedStarting = null;
    }
    return embedded.url;
  }

  async function refreshServerInfo(): Promise<void> {
    const url = effectiveServerUrl;
    try {
      const info = await fetchServerInfo(url, {
        timeoutMs: timing.infoTimeoutMs,
        signal: lifetime.signal,
        ...fetchOpt(),
      });
      if (url === effectiveServerUrl) serverInfo = info;
    } catch (error) {
      logger.warn('Server info unavailable', error instanceof AppError ? error.code : error);
    }
    emitStateIfChanged();
  }

  function fetchOpt(): { fetch?: typeof fetch } {
    return deps.fetch ? { fetch: deps.fetch } : {};
  }

  function requireActive(): LocalAccountRuntime {
    if (!active || closed) throw new AppError('INTERNAL', 'The app is shutting down.');
    return active;
  }

  async function openAccount(id: string): Promise<void> {
    const stored = store.get().accounts.find((a) => a.id === id);
    if (!stored) throw new AppError('NOT_FOUND', 'There is no such local account.');
    if (active) {
      await documents.detach();
      await active.close();
      active = null;
    }
    const account = new LocalAccountRuntime(stored, host);
    account.connect(effectiveServerUrl);
    active = account;
    documents.attach(account);
    store.set({ activeAccountId: id });
    account.resume();
    events.emit('sync.status', account.syncStatus());
    events.emit('cache.changed', { entities: [...ENTITY_KINDS] });
    emitStateIfChanged();
  }

  /** Tokens and caches belong to one server: moving to another signs everyone out. */
  async function switchServer(url: string): Promise<void> {
    for (const stored of store.get().accounts) {
      if (active && stored.id === active.id) {
        await auth.signOut(active);
        active.resetCache();
        continue;
      }
      const dir = accountDir(deps.dataDir, stored.id);
      if (!existsSync(dir)) continue;
      const other = new LocalAccountRuntime(stored, host);
      other.session.set(null);
      other.resetCache();
      await other.close();
    }
    effectiveServerUrl = url;
    serverInfo = null;
    active?.connect(url);
  }

  let askingServer = false;
  /**
   * The main process's own question before the server changes (null: the embedded one). The
   * page only asks for a change: a page running someone else's script must not be able to
   * send the documents and the sign-in to a server of its choice. Declined, with no dialog
   * to ask in, or while the question is already open: SERVER_CHANGE_NOT_CONFIRMED.
   */
  async function confirmServer(url: string | null): Promise<void> {
    const messages = catalogues[store.get().language];
    const text = messages.settings;
    let yes = false;
    if (deps.dialogs?.confirm && !askingServer) {
      askingServer = true;
      yes = await deps.dialogs
        .confirm({
          title: text.serverDialogTitle,
          message:
            url === null ? text.serverDialogEmbedded : text.serverDialogQuestion.replace('{{url}}', url),
          detail: text.serverDialogDetail,
          yes: text.serverDialogYes,
          no: messages.common.cancel,
        })
        .catch(() => false)
        .finally(() => (askingServer = false));
    }
    if (!yes) throw new AppError('SERVER_CHANGE_NOT_CONFIRMED', 'The change of server was not confirmed.');
  }

  // Start: one account at least, the server address, the active account's session.
  let stored = store.get();
  if (stored.accounts.length === 0) {
    const first = newStoredAccount();
    store.set({ accounts: [first], activeAccountId: first.id });
    stored = store.get();
  }
  const activeId = stored.accounts.some((a) => a.id === stored.activeAccountId)
    ? stored.activeAccountId!
    : stored.accounts[0]!.id;
  effectiveServerUrl = stored.serverUrl ? normalizeServerUrl(stored.serverUrl) : await embeddedUrl();
  await openAccount(activeId);
  void refreshServerInfo();

  let currentScreen: string | null = null;
  const family = createFamilyCore({
    active: requireActive,
    events,
    dataDir: deps.dataDir,
    secrets: deps.secrets,
    deviceName: deps.deviceName,
    logger,
  });
  const stopNotifier = deps.notifications
    ? createNotifier({
        events,
        port: deps.notifications,
        settings: () => store.get(),
        currentScreen: () => currentScreen,
        childName: (childId) => {
          const child = family.get().children.find((c) => c.profile.id === childId);
          return child ? `${child.profile.name} ${child.profile.surname}` : null;
        },
      })
    : () => undefined;

  const core: Core = {
    getState,

    async updateSettings(patch) {
      const current = store.get();
      const { serverUrl, ...rest } = patch;
      if (serverUrl !== undefined && serverUrl !== current.serverUrl) {
        const url = serverUrl === null ? await embeddedUrl() : normalizeServerUrl(serverUrl);
        const next = serverUrl === null ? null : url;
        // Checked before anything is saved: a wrong address must not sign anyone out.
        const info = await fetchServerInfo(url, { timeoutMs: timing.infoTimeoutMs, ...fetchOpt() });
        if (next !== current.serverUrl) await confirmServer(next);
        if (url !== effectiveServerUrl) await switchServer(url);
        serverInfo = info;
        store.set({ serverUrl: next });
      }
      const cleaned = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      if (Object.keys(cleaned).length > 0) store.set(cleaned);
      emitStateIfChanged();
      return settingsOf(store.get());
    },

    setScreen(screen) {
      currentScreen = screen;
    },

    async checkServer(url) {
      const base = url === null ? await embeddedUrl() : normalizeServerUrl(url);
      return fetchServerInfo(base, { timeoutMs: timing.infoTimeoutMs, ...fetchOpt() });
    },

    requestCode: (input) => auth.requestCode(requireActive(), input),
    verifyCode: (input) => auth.verifyCode(requireActive(), input, deps.deviceName),
    register: (name) => auth.register(requireActive(), name, deps.deviceName),
    signOut: () => auth.signOut(requireActive()),
    listSessions: () => auth.listSessions(requireActive()),
    revokeSession: (id) => auth.revokeSession(requireActive(), id),

    getProfile: () => requireActive().profile(),
    updateProfile: async (name) => requireActive().updateProfile(name),

    getSyncStatus: () => requireActive().syncStatus(),
    syncNow: () => requireActive().syncNow(),

    sendSupport: (input) =>
      sendSupportRequest(requireActive(), input, () => ({
        appVersion: deps.appVersion ?? 'unknown',
        os: deps.osDescription ?? 'unknown',
        logTail: logTail.tail(),
      })),

    async openExternal(url) {
      const vetted = vetExternalUrl(url);
      if (deps.openExternal) await deps.openExternal(vetted);
      else logger.warn('No external opener is configured', vetted);
    },

    async addAccount() {
      const created = newStoredAccount();
      store.set({ accounts: [...store.get().accounts, created] });
      await openAccount(created.id);
      return { id: created.id, label: null, signedIn: false };
    },

    async switchAccount(id) {
      if (active?.id === id) return;
      await openAccount(id);
    },

    async removeAccount(id) {
      const accounts = store.get().accounts;
      if (!accounts.some((a) => a.id === id))
        throw new AppError('NOT_FOUND', 'There is no such local account.');
      if (active?.id === id) {
        await auth.signOut(active);
        await documents.detach();
        await active.close();
        active = null;
      }
      deleteAccountFiles(deps.dataDir, id);
      let remaining = accounts.filter((a) => a.id !== id);
      if (remaining.length === 0) remaining = [newStoredAccount()];
      store.set({ accounts: remaining });
      if (!active) await openAccount(remaining[0]!.id);
      emitStateIfChanged();
    },

    family,
    on: (event, listener) => events.on(event, listener),
    documents,

    async close() {
      if (closed) return;
      closed = true;
      lifetime.abort();
      const account = active;
      active = null;
      await documents.detach();
      await account?.close();
      stopNotifier();
      family.close();
      events.clear();
      if (embeddedStarting) await embeddedStarting.catch(() => null);
      await embedded?.close();
      embedded = null;
    },
  };
  return core;
}
