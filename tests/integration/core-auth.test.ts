import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestCore,
  randomPhone,
  signInAs,
  waitFor,
  waitForEvent,
  type TestCore,
} from '../helpers/core.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const cores: TestCore[] = [];
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  for (const c of cores.splice(0)) await c.dispose();
  await server.close();
});

async function newCore(): Promise<TestCore> {
  const c = await createTestCore({ serverUrl: server.url });
  cores.push(c);
  return c;
}

describe('sign-in through the core', () => {
  it('registers a new parent with phone + devCode and puts the profile in the cache', async () => {
    const { core, dataDir } = await newCore();
    expect(core.getSyncStatus().state).toBe('signed_out');
    const phone = randomPhone();
    const requested = await core.requestCode({ channel: 'phone', phone });
    expect(requested.devCode).toMatch(/^\d{8}$/);
    const verified = await core.verifyCode({ requestId: requested.requestId, code: requested.devCode! });
    expect(verified).toEqual({ status: 'registration_required' });
    const profile = await core.register({ surname: 'Петрова', name: 'Мария', patronymic: 'Ивановна' });
    expect(profile).toMatchObject({ role: 'parent', surname: 'Петрова', name: 'Мария', phone });
    expect(core.getProfile()).toMatchObject({ id: profile.id });
    await waitFor(() => core.getSyncStatus().state === 'online', 5000, 'online');

    const state = core.getState();
    expect(state.accounts).toEqual([{ id: state.activeAccountId, label: 'Петрова Мария', signedIn: true }]);
    expect(state.effectiveServerUrl).toBe(server.url);
    await waitFor(() => core.getState().server?.service === 'sferum-family', 5000, 'server info');

    // The session file holds the tokens encrypted, never in the clear.
    const sessionFile = join(dataDir, 'accounts', state.activeAccountId!, 'session.bin');
    expect(existsSync(sessionFile)).toBe(true);
    expect(readFileSync(sessionFile, 'utf8')).not.toContain('accessToken');
  });

  it('signs an existing person in directly, and keeps the session across a restart', async () => {
    const first = await newCore();
    const phone = randomPhone();
    const registered = await signInAs(first.core, phone);
    await first.core.signOut();
    expect(first.core.getProfile()).toBeNull();
    expect(first.core.getSyncStatus().state).toBe('signed_out');

    const again = await signInAs(first.core, phone);
    expect(again.id).toBe(registered.id);
    const restarted = await first.restart();
    cores.push(restarted);
    expect(restarted.core.getProfile()).toMatchObject({ id: registered.id });
    await waitFor(() => restarted.core.getSyncStatus().state === 'online', 5000, 'online after restart');
  });

  it('refuses a wrong code and an unknown registration', async () => {
    const { core } = await newCore();
    const requested = await core.requestCode({ channel: 'phone', phone: randomPhone() });
    await expect(core.verifyCode({ requestId: requested.requestId, code: '12' })).rejects.toMatchObject({
      code: 'OTP_INVALID',
    });
    await expect(core.register({ surname: 'А', name: 'Б', patronymic: '' })).rejects.toMatchObject({
      code: 'REGISTRATION_EXPIRED',
    });
    await expect(core.requestCode({ channel: 'phone', phone: '12345' })).rejects.toMatchObject({
      code: 'PHONE_INVALID',
    });
  });

  it('a session revoked from another device signs out with a message and keeps the outbox', async () => {
    const a = await newCore();
    const b = await newCore();
    const phone = randomPhone();
    await signInAs(a.core, phone);
    await signInAs(b.core, phone);
    await waitFor(() => a.core.getSyncStatus().state === 'online', 5000, 'a online');

    const sessions = await b.core.listSessions();
    expect(sessions).toHaveLength(2);
    const other = sessions.find((s) => !s.current)!;
    expect(other.deviceName).toBe('Test desktop');

    // Queue a change on A that cannot reach the server before the revocation lands.
    const signedOut = waitForEvent(a.core, 'auth.signedOut');
    await b.core.revokeSession(other.id);
    expect(await signedOut).toMatchObject({ code: 'SESSION_REVOKED' });
    expect(a.core.getState().accounts[0]!.signedIn).toBe(false);
    expect(a.core.getProfile()).toBeNull();
  });
});
