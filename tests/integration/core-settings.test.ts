import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createIpcRouter } from '../../src/main/core/ipc.js';
import { isTrustedFrameUrl } from '../../src/main/security.js';
import {
  createTestCore,
  createTestLogger,
  randomPhone,
  signInAs,
  waitFor,
  type TestCore,
} from '../helpers/core.js';
import { createFakeDialogs, createMemorySecretStorage } from '../helpers/ports.js';
import { closedPortUrl, startTestServer, type TestServer } from '../helpers/server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function server(): Promise<TestServer> {
  const s = await startTestServer();
  cleanups.push(() => s.close());
  return s;
}
async function core(options: Parameters<typeof createTestCore>[0]): Promise<TestCore> {
  const c = await createTestCore(options);
  cleanups.push(() => c.dispose());
  return c;
}

/** A web server that is not ours: answers /api/info with some other JSON. */
async function foreignServer(): Promise<string> {
  const http: Server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: 'something-else', version: '1' }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

describe('settings and the server address', () => {
  it('starts the embedded server once when no address is configured, and closes it', async () => {
    const s = await startTestServer();
    let started = 0;
    let closed = 0;
    const c = await core({
      serverUrl: null,
      startEmbeddedServer: async () => {
        started += 1;
        return { url: s.url, close: async () => void ((closed += 1), await s.close()) };
      },
    });
    expect(c.core.getState()).toMatchObject({ effectiveServerUrl: s.url, settings: { serverUrl: null } });
    await signInAs(c.core, randomPhone());
    await c.close();
    expect({ started, closed }).toEqual({ started: 1, closed: 1 });
  });

  it('validates a new address before saving it', async () => {
    const s = await server();
    const c = await core({ serverUrl: s.url });
    await expect(c.core.updateSettings({ serverUrl: 'ftp://school.example' })).rejects.toMatchObject({
      code: 'SERVER_URL_INVALID',
    });
    await expect(c.core.updateSettings({ serverUrl: 'not a url' })).rejects.toMatchObject({
      code: 'SERVER_URL_INVALID',
    });
    await expect(c.core.updateSettings({ serverUrl: await foreignServer() })).rejects.toMatchObject({
      code: 'SERVER_NOT_OURS',
    });
    await expect(c.core.updateSettings({ serverUrl: await closedPortUrl() })).rejects.toMatchObject({
      code: 'NETWORK_OFFLINE',
    });
    expect(c.core.getState().settings.serverUrl).toBe(s.url);
    expect(await c.core.updateSettings({ language: 'en', theme: 'dark' })).toMatchObject({
      language: 'en',
      theme: 'dark',
      serverUrl: s.url,
    });
  });

  it('switching servers signs the account out and resets the cache', async () => {
    const first = await server();
    const second = await server();
    const c = await core({ serverUrl: first.url, dialogs: createFakeDialogs({ answer: true }) });
    await signInAs(c.core, randomPhone());
    await waitFor(() => c.core.getSyncStatus().state === 'online', 5000, 'online');
    const states: string[] = [];
    c.core.on('app.state', (s) => void states.push(s.effectiveServerUrl));

    const saved = await c.core.updateSettings({ serverUrl: `${second.url}/` });
    expect(saved.serverUrl).toBe(second.url);
    expect(c.core.getProfile()).toBeNull();
    expect(c.core.getState()).toMatchObject({
      effectiveServerUrl: second.url,
      server: { service: 'sferum-family' },
      accounts: [{ signedIn: false }],
    });
    expect(states).toContain(second.url);
    const profile = await signInAs(c.core, randomPhone());
    expect(c.core.getProfile()?.id).toBe(profile.id);
  });

  it('changes the server only when the app’s own dialog confirms it, in the app’s language', async () => {
    const first = await server();
    const school = await server();
    const dialogs = createFakeDialogs({ answer: false });
    const c = await core({
      serverUrl: first.url,
      dialogs,
      startEmbeddedServer: async () => ({ url: first.url, close: async () => undefined }),
    });
    const phone = randomPhone();
    await signInAs(c.core, phone);
    const router = createIpcRouter(c.core, {
      isTrustedSender: isTrustedFrameUrl,
      logger: createTestLogger(),
    });
    const trusted = { frameUrl: 'app://sferum/index.html' };

    // «Проверить связь» asks nothing and changes nothing.
    expect(await router.invoke('settings.checkServer', { url: school.url }, trusted)).toMatchObject({
      ok: true,
      value: { service: 'sferum-family' },
    });
    expect(dialogs.questions).toEqual([]);

    // The page asks for the school's server; the parent says no in the native dialog.
    expect(await router.invoke('settings.update', { serverUrl: `${school.url}/` }, trusted)).toEqual({
      ok: false,
      error: { code: 'SERVER_CHANGE_NOT_CONFIRMED', message: expect.any(String) },
    });
    expect(dialogs.questions).toEqual([
      {
        title: 'Смена сервера',
        message: `Подключиться к серверу ${school.url}?`,
        detail: expect.stringContaining('Документы и вход будут идти через него'),
        yes: 'Подключиться',
        no: 'Отмена',
      },
    ]);
    expect(c.core.getState()).toMatchObject({
      settings: { serverUrl: first.url },
      effectiveServerUrl: first.url,
    });
    expect(c.core.getProfile()?.phone).toBe(phone);
    // A language change in the same request is not applied either.
    expect(
      await router.invoke('settings.update', { serverUrl: school.url, language: 'en' }, trusted),
    ).toMatchObject({ ok: false, error: { code: 'SERVER_CHANGE_NOT_CONFIRMED' } });
    expect(c.core.getState().settings.language).toBe('ru');

    // Confirmed, it changes; the question follows the app's language.
    await c.core.updateSettings({ language: 'en' });
    dialogs.answer = true;
    expect(await router.invoke('settings.update', { serverUrl: school.url }, trusted)).toMatchObject({
      ok: true,
      value: { serverUrl: school.url },
    });
    expect(dialogs.questions.at(-1)).toMatchObject({
      message: `Connect to the server ${school.url}?`,
      yes: 'Connect',
      no: 'Cancel',
    });
    expect(c.core.getState()).toMatchObject({
      effectiveServerUrl: school.url,
      accounts: [{ signedIn: false }],
    });
    // The same address again is no change, and asks nothing.
    const asked = dialogs.questions.length;
    await c.core.updateSettings({ serverUrl: `${school.url}/` });
    expect(dialogs.questions.length).toBe(asked);
    // Back to the built-in server is asked too.
    dialogs.answer = false;
    await expect(c.core.updateSettings({ serverUrl: null })).rejects.toMatchObject({
      code: 'SERVER_CHANGE_NOT_CONFIRMED',
    });
    expect(dialogs.questions.at(-1)?.message).toBe('Connect to the built-in server on this computer?');
    expect(c.core.getState().effectiveServerUrl).toBe(school.url);
  });

  it('refuses a change of server when there is no dialog to confirm it in, or one is already open', async () => {
    const first = await server();
    const school = await server();
    const none = await core({ serverUrl: first.url });
    await expect(none.core.updateSettings({ serverUrl: school.url })).rejects.toMatchObject({
      code: 'SERVER_CHANGE_NOT_CONFIRMED',
    });
    expect(none.core.getState().effectiveServerUrl).toBe(first.url);

    // The parent has not answered the first question yet when a second change is asked for.
    let answer: ((yes: boolean) => void) | null = null;
    const open = { ...createFakeDialogs(), confirm: () => new Promise<boolean>((r) => (answer = r)) };
    const c = await core({ serverUrl: first.url, dialogs: open });
    const asking = c.core.updateSettings({ serverUrl: school.url });
    await waitFor(() => answer !== null, 5000, 'the question');
    await expect(c.core.updateSettings({ serverUrl: school.url })).rejects.toMatchObject({
      code: 'SERVER_CHANGE_NOT_CONFIRMED',
    });
    answer!(true);
    expect(await asking).toMatchObject({ serverUrl: school.url });
  });

  it('warns when secrets cannot be stored with OS encryption', async () => {
    const s = await server();
    const basic = await core({ serverUrl: s.url, secrets: createMemorySecretStorage('basic_text') });
    expect(basic.core.getState().warnings).toEqual([
      { code: 'SECRET_STORAGE_WEAK', message: expect.any(String) },
    ]);

    const none = await core({ serverUrl: s.url, secrets: createMemorySecretStorage('unavailable') });
    expect(none.core.getState().warnings[0]?.code).toBe('SECRET_STORAGE_UNAVAILABLE');
    await signInAs(none.core, randomPhone());
    const restarted = await none.restart();
    cleanups.push(() => restarted.dispose());
    // Tokens lived in memory only: after a restart the person signs in again.
    expect(restarted.core.getState().accounts[0]!.signedIn).toBe(false);
  });

  it('keeps local accounts apart, each with its own device id', async () => {
    const s = await server();
    const c = await core({ serverUrl: s.url });
    const phone = randomPhone();
    await signInAs(c.core, phone);
    const firstId = c.core.getState().activeAccountId!;
    const added = await c.core.addAccount();
    expect(c.core.getState().activeAccountId).toBe(added.id);
    expect(c.core.getProfile()).toBeNull();
    await signInAs(c.core, phone);
    expect((await c.core.listSessions()).length).toBe(2);
    await c.core.switchAccount(firstId);
    expect(c.core.getProfile()?.phone).toBe(phone);
    await c.core.removeAccount(added.id);
    expect(c.core.getState().accounts.map((a) => a.id)).toEqual([firstId]);
  });
});
