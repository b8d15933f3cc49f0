import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdmin } from '../../src/server/admin.js';
import { postJson, signInByPhone, type TestServer } from '../../src/server/testing.js';
import { randomPhone } from '../helpers/core.js';
import { startTestServer } from '../helpers/server.js';
import { BACKENDS, type Place } from '../helpers/backends.js';

/**
 * The school's admin tool reads and closes the support requests sent from «Помощь», on
 * either backend: with SFERUM_DATABASE_URL it works on the server's PostgreSQL database.
 */
describe.each(BACKENDS)('support requests in the admin tool ($name)', (backend) => {
  let place: Place;
  let server: TestServer;

  async function admin(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdmin(argv, {
      env: {
        SFERUM_DATA_DIR: place.dataDir,
        ...(place.databaseUrl ? { SFERUM_DATABASE_URL: place.databaseUrl } : {}),
      },
      out: (line) => void out.push(line),
      err: (line) => void err.push(line),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  beforeAll(async () => {
    place = await backend.place();
    server = await startTestServer({ dataDir: place.dataDir, store: await place.open() });
  });
  afterAll(async () => {
    await server?.close();
    await place?.remove();
  });

  it('lists open requests with who wrote them and the diagnostics they agreed to send, then closes one', async () => {
    const parent = await signInByPhone(server, randomPhone(), {
      name: { surname: 'Соколова', name: 'Ирина', patronymic: 'Павловна' },
    });
    const headers = { authorization: `Bearer ${parent.tokens.accessToken}` };
    const first = await postJson<{ number: number }>(
      `${server.url}/api/support`,
      {
        text: 'Не вижу второго ребёнка.\nСсылку он прислал.',
        diagnostics: { appVersion: '0.1.0', os: 'Windows 11', logTail: 'sync: online' },
      },
      headers,
    );
    await postJson(`${server.url}/api/support`, { text: 'Спасибо!', diagnostics: null }, headers);

    const listed = await admin('tickets');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`#${first.body.number} open`);
    expect(listed.out).toContain('Соколова Ирина Павловна');
    expect(listed.out).toContain('    Ссылку он прислал.');
    expect(listed.out).toContain('[app 0.1.0; Windows 11]');
    expect(listed.out).toContain('| sync: online');

    expect((await admin('close-ticket', '--number', String(first.body.number))).code).toBe(0);
    expect((await admin('tickets')).out).not.toContain(`#${first.body.number} `);
    expect((await admin('tickets', '--status', 'all')).out).toContain(`#${first.body.number} closed`);

    const again = await admin('close-ticket', '--number', String(first.body.number));
    expect(again.code).toBe(1);
    expect(again.err).toContain('No open support request');
  });
});
