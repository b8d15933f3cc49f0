import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIpcRouter, IPC_HANDLED_CHANNELS, type IpcRouter } from '../../src/main/core/ipc.js';
import { IPC_CHANNELS } from '../../src/shared/ipc.js';
import { createTestCore, createTestLogger, randomPhone, type TestCore } from '../helpers/core.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const TRUSTED = 'app://sferum/index.html';
const trusted = { frameUrl: TRUSTED };

let server: TestServer;
let tc: TestCore;
let router: IpcRouter;
let opened: string[];

beforeEach(async () => {
  server = await startTestServer();
  opened = [];
  tc = await createTestCore({
    serverUrl: server.url,
    openExternal: async (url) => void opened.push(url),
  });
  router = createIpcRouter(tc.core, {
    isTrustedSender: (url) => url.startsWith('app://sferum/'),
    logger: createTestLogger(),
  });
});
afterEach(async () => {
  await tc.dispose();
  await server.close();
});

describe('IPC router', () => {
  it('has a handler for every channel of the contract', () => {
    expect([...IPC_HANDLED_CHANNELS].sort()).toEqual([...IPC_CHANNELS].sort());
  });

  it('refuses an untrusted or unknown sender frame', async () => {
    for (const frameUrl of [null, 'https://evil.example/', 'file:///tmp/x.html']) {
      const result = await router.invoke('app.getState', null, { frameUrl });
      expect(result).toEqual({
        ok: false,
        error: { code: 'IPC_SENDER_REFUSED', message: expect.any(String) },
      });
    }
  });

  it('refuses an unknown channel, including inherited property names', async () => {
    for (const channel of ['nope', 'toString', '__proto__', 'constructor']) {
      const result = await router.invoke(channel, null, trusted);
      expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('refuses a malformed payload with a sentence', async () => {
    const results = await Promise.all([
      router.invoke('auth.requestCode', { channel: 'fax', phone: '1' }, trusted),
      router.invoke('auth.verifyCode', { requestId: 42 }, trusted),
      router.invoke('profile.update', { surname: '<script>', name: '' }, trusted),
      router.invoke('settings.update', { theme: 'neon' }, trusted),
      router.invoke('app.getState', { extra: true }, trusted),
    ]);
    for (const result of results) {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('VALIDATION_FAILED');
        expect(result.error.message).toMatch(/^The request is malformed/);
      }
    }
  });

  it('passes error codes through, and never returns tokens on the way in or out', async () => {
    const seen: string[] = [];
    for (const event of ['sync.status', 'cache.changed', 'app.state', 'auth.signedOut'] as const) {
      tc.core.on(event, (payload) => void seen.push(JSON.stringify(payload)));
    }
    const phone = randomPhone();
    const code = await router.invoke('auth.requestCode', { channel: 'phone', phone }, trusted);
    expect(code.ok).toBe(true);
    const { requestId, devCode } = (code as { value: { requestId: string; devCode: string } }).value;
    const wrong = await router.invoke('auth.verifyCode', { requestId, code: '00000000' }, trusted);
    expect(wrong).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^OTP_/) } });
    const verified = await router.invoke('auth.verifyCode', { requestId, code: devCode }, trusted);
    expect(verified).toEqual({ ok: true, value: { status: 'registration_required' } });
    const registered = await router.invoke(
      'auth.register',
      { surname: 'Петрова', name: 'Мария', patronymic: '' },
      trusted,
    );
    expect(registered).toMatchObject({ ok: true, value: { phone, role: 'parent' } });
    const outputs = [
      code,
      verified,
      registered,
      await router.invoke('app.getState', null, trusted),
      await router.invoke('profile.get', null, trusted),
      await router.invoke('sync.now', null, trusted),
      await router.invoke('auth.listSessions', null, trusted),
    ];
    const everything = JSON.stringify(outputs) + seen.join('');
    expect(everything).not.toMatch(/accessToken|refreshToken|registrationToken|sessionId/);
    const signedOut = await router.invoke('auth.signOut', undefined, trusted);
    expect(signedOut).toEqual({ ok: true, value: null });
    expect(await router.invoke('auth.listSessions', null, trusted)).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHENTICATED' },
    });
  });

  it('opens only vetted external URLs', async () => {
    expect(await router.invoke('shell.openExternal', { url: 'mailto:info@sferum.ru' }, trusted)).toEqual({
      ok: true,
      value: null,
    });
    expect(
      await router.invoke('shell.openExternal', { url: 'https://sferum.ru/help' }, trusted),
    ).toMatchObject({
      ok: true,
    });
    for (const url of [
      'http://sferum.ru',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'sferum-family://x',
    ]) {
      expect(await router.invoke('shell.openExternal', { url }, trusted)).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    }
    expect(opened).toEqual(['mailto:info@sferum.ru', 'https://sferum.ru/help']);
  });

  it('turns an unexpected failure into INTERNAL without details', async () => {
    const broken = createIpcRouter(
      {
        ...tc.core,
        getState: () => {
          throw new Error('secret stack detail');
        },
      },
      { isTrustedSender: () => true, logger: createTestLogger() },
    );
    const result = await broken.invoke('app.getState', null, trusted);
    expect(result).toEqual({ ok: false, error: { code: 'INTERNAL', message: expect.any(String) } });
    expect(JSON.stringify(result)).not.toContain('secret stack detail');
  });
});
