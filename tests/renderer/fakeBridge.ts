import type { Profile } from '../../src/shared/domain.js';
import { AppError } from '../../src/shared/errors.js';
import type { AppState, Bridge, Settings } from '../../src/shared/ipc.js';
import type { SyncStatus } from '../../src/shared/sync/index.js';
import { createEmitter } from '../../src/renderer/src/backend/emitter.js';
import { createFakeChats } from './fakeChats.js';
import { createFakeDocuments } from './fakeDocuments.js';
import { createFakeFamily } from './fakeFamily.js';

/**
 * A thin in-memory Bridge for renderer tests: one known phone (a student), any other
 * number registers a new parent; the code is always the demo code. The real backends
 * are exercised by the integration and end-to-end suites.
 */
export function createFakeBridge() {
  const emitter = createEmitter();
  const code = '12345678';
  const student: Profile = {
    id: 'u1',
    role: 'student',
    surname: 'Иванов',
    name: 'Пётр',
    patronymic: 'Сергеевич',
    phone: '+79000000001',
    email: null,
    birthDate: null,
    school: { id: 's1', name: 'Школа № 1' },
    class: { id: 'c1', name: '5 А' },
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  let settings: Settings = { serverUrl: null, language: 'ru', theme: 'light', notifications: true };
  let profile: Profile | null = null;
  let pendingPhone: string | null = null;
  let status: SyncStatus = {
    state: 'signed_out',
    pending: 0,
    lastSyncAt: null,
    lastError: null,
    nextRetryAt: null,
  };
  const calls: string[] = [];

  const state = (): AppState => ({
    target: 'desktop',
    settings,
    effectiveServerUrl: 'http://127.0.0.1:1',
    server: {
      service: 'sferum-family',
      version: '0.0.0',
      demo: true,
      publicUrl: 'http://127.0.0.1:1',
      demoAccounts: [{ label: 'Ученик 5 А', phone: student.phone, email: null }],
    },
    accounts: [],
    activeAccountId: null,
    warnings: [],
  });

  const bridge: Bridge = {
    appGetState: async () => state(),
    settingsUpdate: async (patch) => {
      calls.push(`settingsUpdate:${JSON.stringify(patch)}`);
      settings = { ...settings, ...patch };
      return settings;
    },
    settingsCheckServer: async () => state().server!,
    appSetScreen: async () => null,
    supportSend: async () => ({ ticketId: 't1', number: 1, createdAt: '2030-01-01T00:00:00.000Z' }),
    authRequestCode: async (input) => {
      calls.push(`authRequestCode:${JSON.stringify(input)}`);
      if (input.channel !== 'phone') throw new AppError('ACCOUNT_NOT_FOUND');
      pendingPhone = input.phone;
      return { requestId: 'r1', expiresAt: '2030-01-01T00:00:00.000Z', resendAfter: 30, devCode: code };
    },
    authVerifyCode: async (input) => {
      if (input.code !== code) throw new AppError('OTP_INVALID');
      if (pendingPhone === student.phone) {
        profile = student;
        return { status: 'signed_in', profile };
      }
      return { status: 'registration_required' };
    },
    authRegister: async (name) => {
      profile = { ...student, ...name, patronymic: name.patronymic ?? '', id: 'u2', role: 'parent' };
      profile = { ...profile, phone: pendingPhone, school: null, class: null };
      return profile;
    },
    authSignOut: async () => {
      profile = null;
      return null;
    },
    authListSessions: async () => [],
    authRevokeSession: async () => null,
    authVkidStart: () => new Promise(() => {}),
    authVkidResume: async () => null,
    authVkidConfirmLink: async () => {
      throw new AppError('VKID_LINK_EXPIRED', 'Start again.');
    },
    authVkidStatus: async () => ({ available: false, linked: false, linkedAt: null, canUnlink: false }),
    authVkidUnlink: async () => null,
    profileGet: async () => profile,
    profileUpdate: async (name) => {
      if (!profile) throw new AppError('UNAUTHENTICATED');
      profile = { ...profile, ...name, patronymic: name.patronymic ?? '' };
      return profile;
    },
    syncGetStatus: async () => status,
    syncNow: async () => status,
    shellOpenExternal: async ({ url }) => {
      calls.push(`open:${url}`);
      return null;
    },
    ...createFakeFamily(),
    ...createFakeChats(),
    ...createFakeDocuments(),
    on: emitter.on,
  };

  return {
    bridge,
    code,
    calls,
    /** Pushes an event as the main process (or the web adapter) would. */
    emit: emitter.emit,
    setStatus(next: SyncStatus) {
      status = next;
      emitter.emit('sync.status', next);
    },
    endSession() {
      profile = null;
      emitter.emit('auth.signedOut', { code: 'SESSION_REVOKED', message: 'revoked' });
    },
  };
}
