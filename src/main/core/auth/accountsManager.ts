import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../shared/errors.js';
import type { LocalAccount } from '../../../shared/ipc.js';
import { ENTITY_KINDS } from '../../../shared/sync/index.js';
import type { CoreDocuments } from '../documents/index.js';
import type { SettingsStore } from '../ports.js';
import type { ServerSwitch } from '../settings/serverConnection.js';
import {
  accountDir,
  deleteAccountFiles,
  labelOf,
  LocalAccountRuntime,
  newStoredAccount,
  type AccountHost,
} from './accounts.js';
import * as auth from './auth.js';

/**
 * The local profiles of this computer (each its own device, cache and sign-in) and the
 * one that is open: opening, switching, adding and removing them, and signing them all
 * out when the server changes.
 */
export interface AccountsManager extends ServerSwitch {
  /** The open profile, null before the start and after close. */
  active(): LocalAccountRuntime | null;
  /** The open profile; an error once the app is shutting down. */
  requireActive(): LocalAccountRuntime;
  /** At least one profile exists; the id of the one to open at start. */
  prepare(): string;
  /** Closes the open profile (if any) and opens this one, talking to serverUrl(). */
  open(id: string): Promise<void>;
  /** The profiles as the account switcher shows them. */
  list(): LocalAccount[];
  /** The open profile's id (or the saved one while none is open). */
  activeId(): string | null;
  /** Creates a local account (a separate device identity) and makes it active. */
  add(): Promise<LocalAccount>;
  switch(id: string): Promise<void>;
  /** Signs the account out and deletes its local files; another account becomes active. */
  remove(id: string): Promise<void>;
  close(): Promise<void>;
}

export function createAccountsManager(options: {
  /** What every open account shares with the core (its change hook is the manager's). */
  host: Omit<AccountHost, 'onAccountChanged'>;
  store: SettingsStore;
  documents: CoreDocuments;
  /** The address the accounts talk to. */
  serverUrl: () => string;
  /** Sign-in state or the profile of the open account changed (after its label is saved). */
  onAccountChanged: (account: LocalAccountRuntime) => void;
  /** The app state may differ (the list of profiles, the open one). */
  onChanged: () => void;
}): AccountsManager {
  const { store, documents } = options;
  const { dataDir, events, secrets } = options.host;
  let active: LocalAccountRuntime | null = null;
  let closed = false;

  const host: AccountHost = {
    ...options.host,
    onAccountChanged: (account) => {
      const profile = account.profile();
      if (profile) {
        const label = labelOf(profile);
        const accounts = store.get().accounts;
        if (accounts.some((a) => a.id === account.id && a.label !== label)) {
          store.set({ accounts: accounts.map((a) => (a.id === account.id ? { ...a, label } : a)) });
        }
      }
      options.onAccountChanged(account);
    },
  };

  async function open(id: string): Promise<void> {
    const stored = store.get().accounts.find((a) => a.id === id);
    if (!stored) throw new AppError('NOT_FOUND', 'There is no such local account.');
    if (active) {
      await documents.detach();
      await active.close();
      active = null;
    }
    const account = new LocalAccountRuntime(stored, host);
    account.connect(options.serverUrl());
    active = account;
    documents.attach(account);
    store.set({ activeAccountId: id });
    account.resume();
    events.emit('sync.status', account.syncStatus());
    events.emit('cache.changed', { entities: [...ENTITY_KINDS] });
    options.onChanged();
  }

  return {
    active: () => active,

    requireActive() {
      if (!active || closed) throw new AppError('INTERNAL', 'The app is shutting down.');
      return active;
    },

    prepare() {
      let stored = store.get();
      if (stored.accounts.length === 0) {
        const first = newStoredAccount();
        store.set({ accounts: [first], activeAccountId: first.id });
        stored = store.get();
      }
      return stored.accounts.some((a) => a.id === stored.activeAccountId)
        ? stored.activeAccountId!
        : stored.accounts[0]!.id;
    },

    open,

    list() {
      const sessionReadable = secrets.backend() !== 'unavailable';
      return store.get().accounts.map((a) => ({
        id: a.id,
        label: a.label,
        signedIn:
          active?.id === a.id
            ? active.signedIn()
            : sessionReadable && existsSync(join(accountDir(dataDir, a.id), 'session.bin')),
      }));
    },

    activeId: () => active?.id ?? store.get().activeAccountId,

    async add() {
      const created = newStoredAccount();
      store.set({ accounts: [...store.get().accounts, created] });
      await open(created.id);
      return { id: created.id, label: null, signedIn: false };
    },

    async switch(id) {
      if (active?.id === id) return;
      await open(id);
    },

    async remove(id) {
      const accounts = store.get().accounts;
      if (!accounts.some((a) => a.id === id))
        throw new AppError('NOT_FOUND', 'There is no such local account.');
      if (active?.id === id) {
        await auth.signOut(active);
        await documents.detach();
        await active.close();
        active = null;
      }
      deleteAccountFiles(dataDir, id);
      let remaining = accounts.filter((a) => a.id !== id);
      if (remaining.length === 0) remaining = [newStoredAccount()];
      store.set({ accounts: remaining });
      if (!active) await open(remaining[0]!.id);
      options.onChanged();
    },

    async leaveServer() {
      for (const stored of store.get().accounts) {
        if (active && stored.id === active.id) {
          await auth.signOut(active);
          active.resetCache();
          continue;
        }
        const dir = accountDir(dataDir, stored.id);
        if (!existsSync(dir)) continue;
        const other = new LocalAccountRuntime(stored, host);
        other.session.set(null);
        other.resetCache();
        await other.close();
      }
    },

    connect(url) {
      active?.connect(url);
    },

    async close() {
      closed = true;
      const account = active;
      active = null;
      await documents.detach();
      await account?.close();
    },
  };
}
