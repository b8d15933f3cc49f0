import type { ServerInfo } from '../../shared/api.js';
import type { PersonName, Profile, SessionInfo } from '../../shared/domain.js';
import type { AppState, IpcEvent, IpcInput, IpcOutput, LocalAccount, Settings } from '../../shared/ipc.js';
import type { SyncStatus } from '../../shared/sync/index.js';
import { createAccountsManager } from './auth/accountsManager.js';
import { createChatsCore, type ChatsCore } from './chats/index.js';
import * as auth from './auth/auth.js';
import { createFamilyCore, type FamilyCore } from './family/index.js';
import { CoreDocuments } from './documents/index.js';
import { CoreEvents, type EventListener } from './events.js';
import { vetExternalUrl } from './externalUrl.js';
import type { CoreDeps, Logger, SyncTiming } from './ports.js';
import { createNotifier } from './notifier.js';
import { settingsOf, updateSettings } from './settings/index.js';
import { createServerConnection } from './settings/serverConnection.js';
import { createLogTail, sendSupportRequest } from './support/index.js';
import { appWarnings } from './warnings.js';

export type { CoreDeps, SecretStorage, SettingsStore, StoredSettings } from './ports.js';
export { vetExternalUrl } from './externalUrl.js';
import { createVkIdCore, type VkIdCore } from './auth/vkid.js';

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
  /** Sign-in with VK ID through the system browser and the app's link. */
  readonly vkid: VkIdCore;
  on<E extends IpcEvent>(event: E, listener: EventListener<E>): () => void;
  /** «Мои документы»: the cache, the upload queue, opening files. */
  documents: CoreDocuments;
  /** Chats with the school: the list, history, the outbox, search, drafts. */
  readonly chats: ChatsCore;
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

export async function createCore(deps: CoreDeps): Promise<Core> {
  const logTail = createLogTail(deps.logger ?? consoleLogger);
  const logger = logTail.logger;
  const now = deps.now ?? (() => new Date());
  const timing: SyncTiming = { ...DEFAULT_TIMING, ...deps.timing };
  const events = new CoreEvents(logger);
  const store = deps.settings;
  const documents = new CoreDocuments({
    dataDir: deps.dataDir,
    events,
    logger,
    ...(deps.dialogs ? { dialogs: deps.dialogs } : {}),
    ...(deps.shell ? { shell: deps.shell } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.uploads ? { uploads: deps.uploads } : {}),
  });

  let lastStateJson = '';
  let closed = false;

  const connection = createServerConnection({
    store,
    timing,
    logger,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.dialogs ? { dialogs: deps.dialogs } : {}),
    ...(deps.startEmbeddedServer ? { startEmbeddedServer: deps.startEmbeddedServer } : {}),
    onChanged: () => emitStateIfChanged(),
  });
  const accounts = createAccountsManager({
    host: {
      dataDir: deps.dataDir,
      secrets: deps.secrets,
      events,
      logger,
      timing,
      now,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.nativeBinding ? { nativeBinding: deps.nativeBinding } : {}),
    },
    store,
    documents,
    serverUrl: () => connection.url(),
    onAccountChanged: (account) => {
      if (account.signedIn() && !connection.info()) void connection.refreshInfo();
      if (account.signedIn()) documents.kick();
      emitStateIfChanged();
    },
    onChanged: () => emitStateIfChanged(),
  });
  const requireActive = () => accounts.requireActive();

  function getState(): AppState {
    return {
      target: 'desktop',
      settings: settingsOf(store.get()),
      effectiveServerUrl: connection.url(),
      server: connection.info(),
      accounts: accounts.list(),
      activeAccountId: accounts.activeId(),
      warnings: appWarnings(deps.secrets.backend()),
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

  // Start: one account at least, the server address, the active account's session.
  const activeId = accounts.prepare();
  await connection.start();
  await accounts.open(activeId);
  void connection.refreshInfo();

  let currentScreen: string | null = null;
  const family = createFamilyCore({
    active: requireActive,
    events,
    dataDir: deps.dataDir,
    secrets: deps.secrets,
    deviceName: deps.deviceName,
    logger,
  });
  const vkid = createVkIdCore({
    active: requireActive,
    deviceName: deps.deviceName,
    // vkid.ts vets VK's authorize address itself (https, or the loopback stand-in).
    openExternal: async (url) => {
      if (deps.openExternal) await deps.openExternal(url);
      else logger.warn('No external opener is configured', url);
    },
    logger,
  });
  const chats = createChatsCore({ active: requireActive, events, logger, timing, now });
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
        chats,
      })
    : () => undefined;

  const core: Core = {
    getState,

    async updateSettings(patch) {
      await updateSettings(store, patch, (serverUrl) => connection.change(serverUrl, accounts));
      emitStateIfChanged();
      return settingsOf(store.get());
    },

    setScreen(screen) {
      currentScreen = screen;
    },

    checkServer: (url) => connection.check(url),

    requestCode: (input) => auth.requestCode(requireActive(), input),
    verifyCode: (input) => auth.verifyCode(requireActive(), input, deps.deviceName),
    register: (name) =>
      vkid.registering() ? vkid.register(name) : auth.register(requireActive(), name, deps.deviceName),
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

    addAccount: () => accounts.add(),
    switchAccount: (id) => accounts.switch(id),
    removeAccount: (id) => accounts.remove(id),

    family,
    vkid,
    on: (event, listener) => events.on(event, listener),
    documents,
    chats,

    async close() {
      if (closed) return;
      closed = true;
      connection.abortRequests();
      await accounts.close();
      stopNotifier();
      chats.close();
      family.close();
      vkid.close();
      events.clear();
      await connection.close();
    },
  };
  return core;
}
