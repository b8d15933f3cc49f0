import type { ServerInfo, SessionTokens } from '../../../shared/api.js';
import { createApiClient } from '../../../shared/apiClient.js';
import type { Profile } from '../../../shared/domain.js';
import { AppError, type ErrorCode, hasErrorCode } from '../../../shared/errors.js';
import { type AppState, type Bridge, type Settings, SettingsSchema } from '../../../shared/ipc.js';
import type { Mutation } from '../../../shared/sync/index.js';
import { createWebAuth } from '../auth/webAuth.js';
import { createWebChats } from '../chats/webChats.js';
import { createWebDocuments, type WebDocumentsExtras } from '../documents/webDocuments.js';
import { createWebFamily } from '../family/webFamily.js';
import { createWebSupport } from '../help/webSupport.js';
import { loadSettings, saveSettings } from '../settings/webSettings.js';
import { browserDeviceId, browserDeviceName, randomId } from './browserIdentity.js';
import { createEmitter } from './emitter.js';
import { createWebLive } from './webLive.js';

export interface WebBridgeOptions {
  origin?: string;
  fetch?: typeof fetch;
  storage?: Storage;
  userAgent?: string;
  openWindow?: (url: string) => void;
}

/** The web version's bridge: the IPC contract, and File uploads from the page. */
export type WebBridge = Bridge & WebDocumentsExtras;

/**
 * The web version's adapter: the same Bridge as the desktop app, over HTTP to the
 * page's own origin. The access token lives only in memory; the refresh token is
 * an httpOnly cookie the script never sees. On load it tries one refresh to
 * restore the session; a refusal quietly means "signed out". The session, settings and
 * live stream are held here; each capability's requests are its own adapter beside its
 * screens (auth/, family/, documents/, help/).
 */
export function createWebBridge(options: WebBridgeOptions = {}): WebBridge {
  const origin = options.origin ?? location.origin;
  const storage = options.storage ?? localStorage;
  const deviceId = browserDeviceId(storage);
  const deviceName = browserDeviceName(options.userAgent ?? navigator.userAgent);
  const openWindow =
    options.openWindow ?? ((url: string) => void window.open(url, '_blank', 'noopener,noreferrer'));
  const emitter = createEmitter();

  let settings: Settings = loadSettings(storage);
  let tokens: SessionTokens | null = null;
  let profile: Profile | null = null;
  let restoring = true;
  let serverInfo: Promise<ServerInfo | null> | null = null;

  const api = createApiClient({
    baseUrl: origin,
    web: true,
    deviceId,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    tokens: {
      get: () => tokens,
      // The refresh token, if the server sends it at all, stays in its cookie only.
      set: (next) => {
        tokens = next ? { ...next, refreshToken: '' } : null;
      },
    },
    onSessionEnded: (error) => {
      if (!restoring) endSession(error.code, error.message);
    },
  });

  const live = createWebLive({
    api,
    emitter,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    onSessionEnded: (code, message) => endSession(code, message),
  });

  function endSession(code: ErrorCode, message: string): void {
    const wasSignedIn = tokens !== null || profile !== null;
    tokens = null;
    profile = null;
    live.stop();
    if (wasSignedIn) emitter.emit('auth.signedOut', { code, message });
    void appState().then((state) => emitter.emit('app.state', state));
  }

  function signedIn(next: SessionTokens, who: Profile): void {
    tokens = { ...next, refreshToken: '' };
    profile = who;
    auth.forgetRegistration();
    live.start();
    void appState().then((state) => emitter.emit('app.state', state));
  }

  const restored = (async () => {
    try {
      await api.refresh();
      profile = await api.call('me');
      live.start();
    } catch {
      tokens = null;
    } finally {
      restoring = false;
    }
  })();

  function loadServerInfo(): Promise<ServerInfo | null> {
    serverInfo ??= api.call('serverInfo').catch(() => {
      serverInfo = null;
      return null;
    });
    return serverInfo;
  }

  async function appState(): Promise<AppState> {
    const server = await loadServerInfo();
    return {
      target: 'web',
      settings,
      effectiveServerUrl: origin,
      server,
      accounts: [
        {
          id: deviceId,
          label: profile ? `${profile.surname} ${profile.name}`.trim() : null,
          signedIn: tokens !== null,
        },
      ],
      activeAccountId: deviceId,
      warnings: [],
    };
  }

  if (typeof window !== 'undefined') window.addEventListener('online', () => live.retryNow());

  const family = createWebFamily({
    api,
    storage,
    deviceId,
    deviceName,
    profile: () => profile,
    signedIn: (next, who) => signedIn(next, who),
  });

  const auth = createWebAuth({ api, deviceId, deviceName, signedIn: (next, who) => signedIn(next, who) });
  const support = createWebSupport({ api, serverInfo: loadServerInfo });

  const documents = createWebDocuments({
    api,
    emitter,
    storage,
    userId: () => profile?.id ?? null,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  const chats = createWebChats({
    api,
    emitter,
    storage,
    me: () => (profile ? { userId: profile.id, name: `${profile.surname} ${profile.name}`.trim() } : null),
  });

  const bridge: WebBridge = {
    ...family,
    ...chats,
    ...documents,
    ...auth.bridge,
    ...support,
    async appGetState() {
      await restored;
      return appState();
    },
    async settingsUpdate(input) {
      const patch = SettingsSchema.partial().parse(input);
      settings = { ...settings, ...patch, serverUrl: null };
      saveSettings(storage, settings);
      void appState().then((state) => emitter.emit('app.state', state));
      return settings;
    },
    async appSetScreen() {
      // The web version raises no notifications.
      return null;
    },
    async settingsCheckServer() {
      // The web version always talks to the server that serves it.
      throw new AppError('FORBIDDEN', 'The web version cannot change its server.');
    },
    async authSignOut() {
      // Close the live stream first: its `revoked` answer to our own sign-out is not news.
      live.stop();
      // This parent's uploads stop here; they are kept for when they sign in again.
      await documents.uploadsPause({ id: null });
      try {
        await api.call('signOut');
      } catch {
        // Signed out locally either way; the server session expires on its own.
      }
      tokens = null;
      profile = null;
      live.stop();
      void appState().then((state) => emitter.emit('app.state', state));
      return null;
    },
    async profileGet() {
      await restored;
      if (!tokens) return null;
      try {
        profile = await api.call('me');
      } catch (error) {
        if (!(hasErrorCode(error) && error.code === 'NETWORK_OFFLINE' && profile)) throw error;
      }
      return profile;
    },
    async profileUpdate(input) {
      const payload = { ...input, patronymic: input.patronymic ?? '' };
      const mutation: Mutation = { id: randomId(), type: 'profile.update', payload };
      try {
        const { results } = await api.call('push', { body: { mutations: [mutation] } });
        const result = results[0];
        if (result?.status === 'rejected') throw new AppError(result.error.code, result.error.message);
        profile = await api.call('me');
      } catch (error) {
        if (!(hasErrorCode(error) && error.code === 'NETWORK_OFFLINE' && profile)) throw error;
        // Kept in memory and sent when the connection is back; shown at once.
        live.enqueue(mutation);
        profile = { ...profile, ...payload };
      }
      return profile;
    },
    async syncGetStatus() {
      return live.status();
    },
    async syncNow() {
      live.retryNow();
      return live.status();
    },
    async shellOpenExternal(input) {
      let url: URL;
      try {
        url = new URL(input.url);
      } catch {
        throw new AppError('FORBIDDEN', 'Not a URL.');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'mailto:') {
        throw new AppError('FORBIDDEN', 'Only https and mailto links open outside the app.');
      }
      openWindow(url.href);
      return null;
    },
    on: emitter.on,
  };
  return bridge;
}
