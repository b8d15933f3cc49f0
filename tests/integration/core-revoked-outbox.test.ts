import { afterEach, describe, expect, it } from 'vitest';
import { createTestCore, randomPhone, signInAs, waitFor, waitForEvent } from '../helpers/core.js';
import { portOf, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

/**
 * "A revoked session signs the user out with a message, and nothing queued in the
 * outbox is lost": a change made offline survives the revocation of its session and
 * reaches the server once the same person signs in again.
 */
describe('a revoked session keeps the outbox', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  it('signs out with the reason, keeps the queued change and sends it after the next sign-in', async () => {
    const serverData = makeTempDir('sferum-server-');
    cleanups.push(() => serverData.remove());
    let server: TestServer = await startTestServer({ dataDir: serverData.path });
    const port = portOf(server.url);
    const phone = randomPhone();

    const laptop = await createTestCore({ serverUrl: server.url });
    cleanups.push(() => laptop.dispose());
    const profile = await signInAs(laptop.core, phone);
    await waitFor(() => laptop.core.getSyncStatus().state === 'online', 5000, 'online');

    // Offline, the parent corrects the name; the app is closed before it could send it.
    await server.close();
    await laptop.core.updateProfile({ surname: 'Петрова', name: 'Мария', patronymic: 'Олеговна' });
    expect(laptop.core.getSyncStatus().pending).toBe(1);
    await laptop.close();

    // Meanwhile, on the phone, the same parent ends the laptop's session.
    server = await startTestServer({ dataDir: serverData.path, port });
    cleanups.push(() => server.close());
    const phoneApp = await createTestCore({ serverUrl: server.url });
    cleanups.push(() => phoneApp.dispose());
    await signInAs(phoneApp.core, phone);
    for (const session of await phoneApp.core.listSessions()) {
      if (!session.current) await phoneApp.core.revokeSession(session.id);
    }

    // The laptop starts again: it learns the session is over and says why.
    const restarted = await laptop.restart();
    cleanups.push(() => restarted.dispose());
    const signedOut = waitForEvent(restarted.core, 'auth.signedOut', () => true, 10_000);
    void restarted.core.syncNow().catch(() => undefined);
    expect((await signedOut).code).toBe('SESSION_REVOKED');
    expect(restarted.core.getSyncStatus()).toMatchObject({ state: 'signed_out', pending: 1 });
    expect((await server.server.context.store.accounts.getUser(profile.id))?.patronymic).toBe('Ивановна');

    // Signing in again sends the queued change, once.
    await signInAs(restarted.core, phone);
    await waitFor(() => restarted.core.getSyncStatus().pending === 0, 10_000, 'outbox pushed');
    expect((await server.server.context.store.accounts.getUser(profile.id))?.patronymic).toBe('Олеговна');
  });
});
