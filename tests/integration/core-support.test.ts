import { afterEach, describe, expect, it } from 'vitest';
import { createTestCore, randomPhone, signInAs } from '../helpers/core.js';
import { openServices, startTestServer } from '../helpers/server.js';

/** Support requests from the desktop core: diagnostics are gathered in the main process, only with consent. */
describe('support requests from the desktop app', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  it('attaches version, system and the log tail only when the parent agrees', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const app = await createTestCore({
      serverUrl: server.url,
      appVersion: '1.2.3',
      osDescription: 'Linux 6.1 x64',
    });
    cleanups.push(() => app.dispose());
    await signInAs(app.core, randomPhone());
    await app.core.syncNow();

    const withLog = await app.core.sendSupport({ text: 'Не синхронизируется', includeDiagnostics: true });
    const without = await app.core.sendSupport({ text: 'Просто вопрос', includeDiagnostics: false });
    expect(without.number).toBe(withLog.number + 1);

    const services = openServices(server.dataDir);
    const tickets = await services.support.list();
    services.close();
    const first = tickets.find((t) => t.number === withLog.number)!;
    expect(first.diagnostics).toMatchObject({ appVersion: '1.2.3', os: 'Linux 6.1 x64' });
    expect(first.diagnostics!.logTail.length).toBeLessThanOrEqual(20_000);
    expect(first.diagnostics!.logTail).not.toMatch(/Bearer|refreshToken|accessToken/);
    expect(tickets.find((t) => t.number === without.number)!.diagnostics).toBeNull();
  });

  it('asks to sign in first', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const app = await createTestCore({ serverUrl: server.url });
    cleanups.push(() => app.dispose());
    await expect(app.core.sendSupport({ text: 'Помогите', includeDiagnostics: false })).rejects.toMatchObject(
      {
        code: 'UNAUTHENTICATED',
      },
    );
  });
});
