import type { ServerInfo } from '../../../shared/api.js';
import { AppError } from '../../../shared/errors.js';
import { catalogues } from '../../../shared/messages/index.js';
import type { DialogsPort, EmbeddedServer, Logger, SettingsStore, SyncTiming } from '../ports.js';
import { fetchServerInfo, normalizeServerUrl } from './serverUrl.js';

/** What a change of server does to the local profiles (the accounts manager). */
export interface ServerSwitch {
  /** Signs every local profile out of the old server and forgets what was cached from it. */
  leaveServer(): Promise<void>;
  /** Points the open profile at the new server. */
  connect(url: string): void;
}

/**
 * The server the app talks to: the address from the settings, or the embedded server
 * started on demand, the server's own description of itself (GET /api/info), and a change
 * of server, which the main process's own dialog must confirm.
 */
export interface ServerConnection {
  /** The address in use (the embedded server's loopback address when serverUrl is null). */
  url(): string;
  /** What the server said about itself; null until it answered. */
  info(): ServerInfo | null;
  /** Settles the address to use at start (starting the embedded server if it is the one). */
  start(): Promise<void>;
  /** Asks the server who it is again; reports a change through onChanged. */
  refreshInfo(): Promise<void>;
  /** Asks a server address who it is without saving it (null: the embedded server). */
  check(url: string | null): Promise<ServerInfo>;
  /** Moves to another server (null: the embedded one) once checked and confirmed, then saves it. */
  change(serverUrl: string | null, profiles: ServerSwitch): Promise<void>;
  /** Aborts side requests (server info) at once, so none outlives the core. */
  abortRequests(): void;
  /** Aborts side requests and stops the embedded server. */
  close(): Promise<void>;
}

export function createServerConnection(options: {
  store: SettingsStore;
  timing: SyncTiming;
  logger: Logger;
  fetch?: typeof fetch;
  dialogs?: DialogsPort;
  startEmbeddedServer?: () => Promise<EmbeddedServer>;
  /** The server information changed: the app state may differ. */
  onChanged: () => void;
}): ServerConnection {
  const { store, timing, logger } = options;
  let embedded: EmbeddedServer | null = null;
  let embeddedStarting: Promise<EmbeddedServer> | null = null;
  let effectiveServerUrl = '';
  let serverInfo: ServerInfo | null = null;
  let askingServer = false;
  // Aborts side requests (server info) on close, so no request outlives the core.
  const lifetime = new AbortController();
  const fetchOpt = (): { fetch?: typeof fetch } => (options.fetch ? { fetch: options.fetch } : {});

  async function embeddedUrl(): Promise<string> {
    if (embedded) return embedded.url;
    if (!options.startEmbeddedServer) {
      throw new AppError(
        'SERVER_URL_INVALID',
        'No server address is configured and no embedded server is available.',
      );
    }
    embeddedStarting ??= options.startEmbeddedServer();
    try {
      embedded = await embeddedStarting;
    } finally {
      embeddedStarting = null;
    }
    return embedded.url;
  }

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
    if (options.dialogs?.confirm && !askingServer) {
      askingServer = true;
      yes = await options.dialogs
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

  return {
    url: () => effectiveServerUrl,
    info: () => serverInfo,

    async start() {
      const stored = store.get();
      effectiveServerUrl = stored.serverUrl ? normalizeServerUrl(stored.serverUrl) : await embeddedUrl();
    },

    async refreshInfo() {
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
      options.onChanged();
    },

    async check(url) {
      const base = url === null ? await embeddedUrl() : normalizeServerUrl(url);
      return fetchServerInfo(base, { timeoutMs: timing.infoTimeoutMs, ...fetchOpt() });
    },

    async change(serverUrl, profiles) {
      const saved = store.get().serverUrl;
      const url = serverUrl === null ? await embeddedUrl() : normalizeServerUrl(serverUrl);
      const next = serverUrl === null ? null : url;
      // Checked before anything is saved: a wrong address must not sign anyone out.
      const info = await fetchServerInfo(url, { timeoutMs: timing.infoTimeoutMs, ...fetchOpt() });
      if (next !== saved) await confirmServer(next);
      if (url !== effectiveServerUrl) {
        // Tokens and caches belong to one server: moving to another signs everyone out.
        await profiles.leaveServer();
        effectiveServerUrl = url;
        serverInfo = null;
        profiles.connect(url);
      }
      serverInfo = info;
      store.set({ serverUrl: next });
    },

    abortRequests() {
      lifetime.abort();
    },

    async close() {
      lifetime.abort();
      if (embeddedStarting) await embeddedStarting.catch(() => null);
      await embedded?.close();
      embedded = null;
    },
  };
}
